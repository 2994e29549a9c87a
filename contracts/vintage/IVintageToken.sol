// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {VintageAttributes} from "./VintageAttributes.sol";
import {RetirementReason} from "../certificates/IRetirementCertificate.sol";

/// @dev One ERC-20 per registry project vintage: 1 token (10**18 units) is 1 tonne CO2e.
interface IVintageToken is IERC20 {
    /// @dev Only the factory mints.
    error VintageUnauthorizedMinter(address caller);
    /// @dev Retirements and redemptions need a positive amount.
    error VintageZeroAmount();
    /// @dev Registries release whole tonnes, so a redemption must be a multiple of 10**18.
    error VintageRedemptionNotWholeTonnes(uint256 amount);
    /// @dev A redemption must name the registry account that receives the serials.
    error VintageEmptyRegistryAccount();
    /// @dev Ecological damage compensation must cite the court or case reference in the reason text.
    error VintageCaseReferenceRequired();
    /// @dev A text field is longer than the registries accept.
    error VintageTextTooLong(uint256 length, uint256 maxLength);

    /// @dev `holder` burned `amount` for `beneficiary`; `certificateId` records it.
    event Retired(
        address indexed holder,
        address indexed beneficiary,
        uint256 indexed certificateId,
        uint256 amount,
        RetirementReason reason,
        string beneficiaryName,
        string reasonText
    );

    /// @dev `holder` burned `amount` and asks the bridge to release the serials to `registryAccount`.
    event RedemptionRequested(address indexed holder, uint256 amount, string registryAccount);

    /// @notice The factory that created this token; it holds the roles that govern it.
    function factory() external view returns (address);

    /// @notice The certificate contract that records this token's retirements.
    function certificate() external view returns (address);

    /// @notice The registry attributes fixed when this vintage was created.
    function attributes() external view returns (VintageAttributes memory);

    /**
     * @notice Mints `amount` to `to`. Only the factory, which has checked the off-chain lock behind it.
     */
    function mint(address to, uint256 amount) external;

    /**
     * @notice Burns `amount` of the caller's tokens as a retirement and issues a certificate.
     * @param amount Any positive amount (fractions of a tonne accrue at the bridge until whole).
     * @param beneficiary Receives the certificate; zero means the caller.
     * @param beneficiaryName Who the retirement is for, as the registry should record it.
     * @param reason Why; {RetirementReason-EcologicalDamageCompensation} needs a case reference in `reasonText`.
     * @param reasonText Free text (purpose, case reference).
     * @return certificateId The certificate issued.
     *
     * Emits a {Retired} event.
     */
    function retire(
        uint256 amount,
        address beneficiary,
        string calldata beneficiaryName,
        RetirementReason reason,
        string calldata reasonText
    ) external returns (uint256 certificateId);

    /**
     * @notice Burns `amount` of the caller's tokens so the bridge releases the serials to a registry account.
     * @param amount Whole tonnes only (a multiple of 10**18).
     * @param registryAccount The registry account that receives the serials.
     *
     * Emits a {RedemptionRequested} event.
     */
    function redeem(uint256 amount, string calldata registryAccount) external;

    /// @notice Stops transfers, mints, retirements and redemptions of this vintage. Guardian role of the factory.
    function pause() external;

    /// @notice Resumes this vintage. The factory's admin (its timelock) only.
    function unpause() external;
}
