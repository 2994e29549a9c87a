// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {RetirementReason} from "../certificates/IRetirementCertificate.sol";

/**
 * @dev What a commodity pool accepts. A zero mask or year accepts anything; bit `i` of a mask accepts id `i`.
 * Every label in `requiredLabels` must be present on the vintage.
 */
struct PoolCriteria {
    uint256 registries;
    uint256 categories;
    uint256 sectoralScopes;
    uint16 minVintageYear;
    uint16 requiredLabels;
}

/**
 * @dev A commodity token (AirCarbon style): 1 pool token is 1 tonne of any vintage the pool accepts.
 * Deposits swap eligible vintage tokens 1:1 for pool tokens; redemptions swap back, less a fee.
 *
 * Every redemption names the highest fee its caller accepts (`maxFeeBps`, what the caller saw), so a fee
 * raised meanwhile cannot charge more. A guardian can pause deposits, redemptions and retirements (the
 * pool token itself still moves); only the admin (a timelock) un-pauses.
 */
interface ICommodityPool is IERC20 {
    /// @dev `token` was not created by the pool's vintage factory.
    error PoolNotAVintage(address token);
    /// @dev `vintage` is on the pool's deny list.
    error PoolVintageDenied(address vintage);
    /// @dev The pool does not accept credits of `registry`.
    error PoolRegistryNotAccepted(address vintage, uint8 registry);
    /// @dev The pool does not accept credits of `category`.
    error PoolCategoryNotAccepted(address vintage, uint8 category);
    /// @dev The pool does not accept credits of `sectoralScope`.
    error PoolScopeNotAccepted(address vintage, uint8 sectoralScope);
    /// @dev The vintage started in `vintageYear`, before the pool's `minVintageYear`.
    error PoolVintageTooOld(address vintage, uint256 vintageYear, uint256 minVintageYear);
    /// @dev The vintage's `labels` lack some of the `requiredLabels`.
    error PoolLabelsMissing(address vintage, uint16 labels, uint16 requiredLabels);
    /// @dev Amounts must be positive, and a redemption must exceed its fee.
    error PoolInvalidAmount(uint256 amount);
    /// @dev The pool holds `available` of `vintage` (zero address: of all vintages), less than `requested`.
    error PoolInsufficientReserve(address vintage, uint256 available, uint256 requested);
    /// @dev The fee may not exceed `maxFeeBps`.
    error PoolFeeTooHigh(uint256 feeBps, uint256 maxFeeBps);
    /// @dev A fee needs a non-zero recipient.
    error PoolInvalidFeeRecipient(address recipient);
    /// @dev The fee is now `feeBps`, above the `maxFeeBps` the caller accepted.
    error PoolFeeAboveMaximum(uint256 feeBps, uint256 maxFeeBps);

    /// @dev `account` deposited `amount` of `vintage` and received as many pool tokens.
    event Deposited(address indexed account, address indexed vintage, uint256 amount);
    /// @dev `account` gave `amount + fee` pool tokens for `amount` of `vintage`.
    event Redeemed(address indexed account, address indexed vintage, uint256 amount, uint256 fee);
    /// @dev `amount` of `vintage` left the pool for `account` and was retired under `certificateId`.
    event RetiredFromPool(
        address indexed account,
        address indexed vintage,
        uint256 indexed certificateId,
        uint256 amount
    );
    /// @dev The redemption fee is now `feeBps` basis points.
    event FeeUpdated(uint256 feeBps);
    /// @dev Redemption fees now go to `recipient`.
    event FeeRecipientUpdated(address indexed recipient);
    /// @dev `vintage` is now accepted whatever the criteria (`allowed`), unless denied; or no longer.
    /// Emitted only when the list changes.
    event VintageAllowListed(address indexed vintage, bool allowed);
    /// @dev `vintage` is now refused whatever the criteria (`denied`), or no longer. Emitted only on a change.
    event VintageDenyListed(address indexed vintage, bool denied);

    /**
     * @notice Swaps `amount` of an eligible vintage for as many pool tokens. Needs an allowance.
     * @dev Reverts with the reason a vintage is not eligible (see {checkEligibility}).
     *
     * Emits a {Deposited} event.
     */
    function deposit(address vintage, uint256 amount) external;

    /**
     * @notice Swaps `amount` pool tokens for `vintage`, less the fee (paid in pool tokens).
     * @param maxFeeBps The highest fee the caller accepts, in basis points (the {feeBps} it was shown).
     * @return received The vintage tokens received.
     *
     * Emits a {Redeemed} event.
     */
    function redeem(address vintage, uint256 amount, uint256 maxFeeBps) external returns (uint256 received);

    /**
     * @notice Swaps `amount` pool tokens for the oldest vintages the pool holds, less the fee.
     * @param maxFeeBps The highest fee the caller accepts, in basis points.
     * @return vintages_ The vintages received, oldest first.
     * @return amounts How much of each.
     */
    function redeemOldest(
        uint256 amount,
        uint256 maxFeeBps
    ) external returns (address[] memory vintages_, uint256[] memory amounts);

    /**
     * @notice Redeems `amount` pool tokens and retires the vintage tokens at once, one certificate per vintage.
     * @param vintage The vintage to retire; zero retires the oldest vintages first.
     * @param maxFeeBps The highest fee the caller accepts, in basis points.
     * @param beneficiary Receives the certificates; zero means the caller.
     * @return certificateIds The certificates issued.
     */
    function retireFromPool(
        address vintage,
        uint256 amount,
        uint256 maxFeeBps,
        address beneficiary,
        string calldata beneficiaryName,
        RetirementReason reason,
        string calldata reasonText
    ) external returns (uint256[] memory certificateIds);

    /// @notice Reverts with the custom error that says why `vintage` is not accepted; returns if it is.
    function checkEligibility(address vintage) external view;

    /// @notice The pool's criteria, fixed at deployment.
    function criteria() external view returns (PoolCriteria memory);

    /// @notice The factory whose vintages the pool accepts.
    function factory() external view returns (address);

    /// @notice The vintages the pool holds, oldest first.
    function vintages() external view returns (address[] memory);

    /// @notice The redemption fee in basis points.
    function feeBps() external view returns (uint256);

    /// @notice Where redemption fees go.
    function feeRecipient() external view returns (address);

    /// @notice Sets the redemption fee. Admin only.
    function setFee(uint256 newFeeBps) external;

    /// @notice Sets the fee recipient. Admin only.
    function setFeeRecipient(address recipient) external;

    /// @notice Accepts `vintage` whatever the criteria, or stops doing so. Pool manager role (the timelock).
    function setAllowListed(address vintage, bool allowed) external;

    /// @notice Refuses `vintage` whatever the criteria, or stops doing so. Pool manager role (the timelock).
    function setDenyListed(address vintage, bool denied) external;

    /// @notice Stops deposits, redemptions and retirements from the pool. Guardian role.
    function pause() external;

    /// @notice Resumes deposits, redemptions and retirements. Admin only (the timelock), after an investigation.
    function unpause() external;

    /// @notice Whether `vintage` is on the allow list.
    function isAllowListed(address vintage) external view returns (bool);

    /// @notice Whether `vintage` is on the deny list.
    function isDenyListed(address vintage) external view returns (bool);
}
