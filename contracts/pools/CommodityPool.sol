// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ICommodityPool, PoolCriteria} from "./ICommodityPool.sol";
import {IVintageFactory} from "../vintage/IVintageFactory.sol";
import {IVintageToken} from "../vintage/IVintageToken.sol";
import {VintageAttributes} from "../vintage/VintageAttributes.sol";
import {RetirementReason} from "../certificates/IRetirementCertificate.sol";

/**
 * @dev A commodity pool token (CET, GNT, RET, SDGT, HOT, ...): deployed once per product with criteria fixed
 * as immutables, it accepts only vintage tokens of its factory that meet them. The pool's supply is always
 * covered by the vintage tokens it holds.
 *
 * The deny list overrides everything; the allow list admits a vintage that fails the criteria.
 *
 * Roles: the default admin (a timelock) sets fees and un-pauses; {POOL_MANAGER_ROLE} (the timelock too)
 * keeps the allow and deny lists; {GUARDIAN_ROLE} pauses deposits, redemptions and retirements.
 *
 * NOTE: the EIP-712 (permit) domain name is the symbol: OpenZeppelin limits it to 31 bytes, which some
 * product names exceed.
 */
contract CommodityPool is
    ICommodityPool,
    ERC20Permit,
    AccessControlDefaultAdminRules,
    ReentrancyGuardTransient,
    Pausable
{
    using SafeERC20 for IERC20;

    bytes32 public constant POOL_MANAGER_ROLE = keccak256("POOL_MANAGER_ROLE");
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");
    uint256 public constant MAX_FEE_BPS = 1_000;
    uint256 private constant _BPS = 10_000;

    // Bits of `_lists`: a vintage may be on both lists; the deny list wins.
    uint8 private constant _ALLOWED = 1;
    uint8 private constant _DENIED = 2;

    IVintageFactory private immutable _factory;
    uint256 private immutable _registries;
    uint256 private immutable _categories;
    uint256 private immutable _sectoralScopes;
    uint16 private immutable _minVintageYear;
    uint16 private immutable _requiredLabels;

    // First, so that they share a slot with Pausable's flag: a redemption reads the three together.
    address private _feeRecipient;
    uint16 private _feeBps;
    mapping(address vintage => uint8 bits) private _lists;
    // Vintages the pool holds, as a list sorted by vintage start (oldest first): a vintage joins on its
    // first deposit and leaves when redeemed to zero, so walking it never meets an empty vintage that
    // someone parked there, and leaving costs O(1).
    address private _oldestHeld;
    mapping(address vintage => address) private _nextHeld;
    mapping(address vintage => address) private _previousHeld;
    mapping(address vintage => uint32 vintageStart) private _heldStart; // non-zero while held

    /**
     * @param name_ Token name, e.g. "CORSIA Eligible Token".
     * @param symbol_ Token symbol, e.g. "CET".
     * @param factory_ The vintage factory whose tokens are accepted.
     * @param criteria_ What the pool accepts; fixed for its lifetime.
     * @param adminDelay Delay before a default admin transfer takes effect.
     * @param admin The initial default admin.
     * @param feeRecipient_ Receives redemption fees (may be zero only while `feeBps_` is zero).
     * @param feeBps_ Redemption fee in basis points, at most {MAX_FEE_BPS}.
     */
    constructor(
        string memory name_,
        string memory symbol_,
        address factory_,
        PoolCriteria memory criteria_,
        uint48 adminDelay,
        address admin,
        address feeRecipient_,
        uint256 feeBps_
    ) ERC20(name_, symbol_) ERC20Permit(symbol_) AccessControlDefaultAdminRules(adminDelay, admin) {
        _factory = IVintageFactory(factory_);
        _registries = criteria_.registries;
        _categories = criteria_.categories;
        _sectoralScopes = criteria_.sectoralScopes;
        _minVintageYear = criteria_.minVintageYear;
        _requiredLabels = criteria_.requiredLabels;
        _setFeeRecipient(feeRecipient_);
        _setFee(feeBps_);
    }

    /// @inheritdoc ICommodityPool
    function deposit(address vintage, uint256 amount) external nonReentrant whenNotPaused {
        if (amount == 0) {
            revert PoolInvalidAmount(amount);
        }
        VintageAttributes memory a = _requireEligible(vintage);
        if (_heldStart[vintage] == 0) {
            _insertHolding(vintage, a.vintageStart);
        }
        IERC20(vintage).safeTransferFrom(msg.sender, address(this), amount);
        _mint(msg.sender, amount);
        emit Deposited(msg.sender, vintage, amount);
    }

    /// @inheritdoc ICommodityPool
    function redeem(
        address vintage,
        uint256 amount,
        uint256 maxFeeBps
    ) external nonReentrant whenNotPaused returns (uint256 received) {
        received = _collect(amount, maxFeeBps);
        _requireReserve(vintage, received);
        IERC20(vintage).safeTransfer(msg.sender, received);
        _removeIfEmpty(vintage);
        emit Redeemed(msg.sender, vintage, received, amount - received);
    }

    /// @inheritdoc ICommodityPool
    function redeemOldest(
        uint256 amount,
        uint256 maxFeeBps
    ) external nonReentrant whenNotPaused returns (address[] memory vintages_, uint256[] memory amounts) {
        uint256 net = _collect(amount, maxFeeBps);
        (vintages_, amounts) = _oldest(net);
        uint256 fee = amount - net;
        for (uint256 i = 0; i < vintages_.length; ++i) {
            // slither-disable-next-line calls-loop
            IERC20(vintages_[i]).safeTransfer(msg.sender, amounts[i]);
            _removeIfEmpty(vintages_[i]);
            // The whole fee is reported with the first vintage so the events add up to what was paid.
            emit Redeemed(msg.sender, vintages_[i], amounts[i], i == 0 ? fee : 0);
        }
    }

    /// @inheritdoc ICommodityPool
    // nonReentrant, and every callee is a factory vintage checked at deposit; the only state written
    // after its call is the held-list bookkeeping of that same vintage.
    // slither-disable-next-line reentrancy-no-eth
    function retireFromPool(
        address vintage,
        uint256 amount,
        uint256 maxFeeBps,
        address beneficiary,
        string calldata beneficiaryName,
        RetirementReason reason,
        string calldata reasonText
    ) external nonReentrant whenNotPaused returns (uint256[] memory certificateIds) {
        uint256 net = _collect(amount, maxFeeBps);
        address[] memory retired;
        uint256[] memory amounts;
        if (vintage == address(0)) {
            (retired, amounts) = _oldest(net);
        } else {
            _requireReserve(vintage, net);
            retired = new address[](1);
            amounts = new uint256[](1);
            (retired[0], amounts[0]) = (vintage, net);
        }
        address owner = beneficiary == address(0) ? msg.sender : beneficiary;
        certificateIds = new uint256[](retired.length);
        for (uint256 i = 0; i < retired.length; ++i) {
            // slither-disable-next-line calls-loop
            certificateIds[i] = IVintageToken(retired[i]).retire(
                amounts[i],
                owner,
                beneficiaryName,
                reason,
                reasonText
            );
            _removeIfEmpty(retired[i]);
            emit RetiredFromPool(msg.sender, retired[i], certificateIds[i], amounts[i]);
        }
    }

    /// @inheritdoc ICommodityPool
    function checkEligibility(address vintage) external view {
        _requireEligible(vintage);
    }

    /// @inheritdoc ICommodityPool
    function criteria() external view returns (PoolCriteria memory) {
        return PoolCriteria(_registries, _categories, _sectoralScopes, _minVintageYear, _requiredLabels);
    }

    /// @inheritdoc ICommodityPool
    function factory() external view returns (address) {
        return address(_factory);
    }

    /// @inheritdoc ICommodityPool
    function vintages() external view returns (address[] memory list) {
        uint256 count = 0;
        for (address v = _oldestHeld; v != address(0); v = _nextHeld[v]) {
            ++count;
        }
        list = new address[](count);
        uint256 i = 0;
        for (address v = _oldestHeld; v != address(0); v = _nextHeld[v]) {
            list[i++] = v;
        }
    }

    /// @inheritdoc ICommodityPool
    function feeBps() external view returns (uint256) {
        return _feeBps;
    }

    /// @inheritdoc ICommodityPool
    function feeRecipient() external view returns (address) {
        return _feeRecipient;
    }

    /// @inheritdoc ICommodityPool
    function setFee(uint256 newFeeBps) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setFee(newFeeBps);
    }

    /// @inheritdoc ICommodityPool
    function setFeeRecipient(address recipient) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (_feeBps != 0 && recipient == address(0)) {
            revert PoolInvalidFeeRecipient(recipient);
        }
        _setFeeRecipient(recipient);
    }

    /// @inheritdoc ICommodityPool
    function setAllowListed(address vintage, bool allowed) external onlyRole(POOL_MANAGER_ROLE) {
        if (_setList(vintage, _ALLOWED, allowed)) {
            emit VintageAllowListed(vintage, allowed);
        }
    }

    /// @inheritdoc ICommodityPool
    function setDenyListed(address vintage, bool denied) external onlyRole(POOL_MANAGER_ROLE) {
        if (_setList(vintage, _DENIED, denied)) {
            emit VintageDenyListed(vintage, denied);
        }
    }

    /// @inheritdoc ICommodityPool
    function pause() external onlyRole(GUARDIAN_ROLE) {
        _pause();
    }

    /// @inheritdoc ICommodityPool
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _unpause();
    }

    /// @inheritdoc ICommodityPool
    function isAllowListed(address vintage) external view returns (bool) {
        return _lists[vintage] & _ALLOWED != 0;
    }

    /// @inheritdoc ICommodityPool
    function isDenyListed(address vintage) external view returns (bool) {
        return _lists[vintage] & _DENIED != 0;
    }

    /// @dev Takes `amount` pool tokens from the caller: burns what is redeemed and pays the fee, unless the
    /// fee is above the `maxFeeBps` the caller accepted.
    function _collect(uint256 amount, uint256 maxFeeBps) private returns (uint256 net) {
        uint256 feeBps_ = _feeBps;
        if (feeBps_ > maxFeeBps) {
            revert PoolFeeAboveMaximum(feeBps_, maxFeeBps);
        }
        uint256 fee = feeBps_ == 0 ? 0 : Math.mulDiv(amount, feeBps_, _BPS, Math.Rounding.Ceil);
        if (amount <= fee) {
            revert PoolInvalidAmount(amount);
        }
        net = amount - fee;
        _burn(msg.sender, net);
        if (fee != 0) {
            _transfer(msg.sender, _feeRecipient, fee);
        }
    }

    function _requireReserve(address vintage, uint256 amount) private view {
        uint256 available = _heldStart[vintage] != 0 ? IERC20(vintage).balanceOf(address(this)) : 0;
        if (available < amount) {
            revert PoolInsufficientReserve(vintage, available, amount);
        }
    }

    /// @dev Splits `amount` over the held vintages, oldest first, passing over paused ones. No cap on how
    /// many: dust parked in many old vintages costs the redeemer a little gas per vintage, and each drained
    /// vintage leaves the list, so parking it again costs the parker a deposit each time.
    function _oldest(uint256 amount) private view returns (address[] memory list, uint256[] memory amounts) {
        address[] memory picked = new address[](8);
        uint256[] memory taken = new uint256[](8);
        uint256 count = 0;
        uint256 remaining = amount;
        for (address vintage = _oldestHeld; vintage != address(0) && remaining != 0; vintage = _nextHeld[vintage]) {
            // slither-disable-next-line calls-loop
            if (Pausable(vintage).paused()) {
                continue;
            }
            // slither-disable-next-line calls-loop
            uint256 take = Math.min(IERC20(vintage).balanceOf(address(this)), remaining);
            if (take != 0) {
                if (count == picked.length) {
                    (picked, taken) = _grown(picked, taken);
                }
                (picked[count], taken[count]) = (vintage, take);
                ++count;
                remaining -= take;
            }
        }
        if (remaining != 0) {
            revert PoolInsufficientReserve(address(0), amount - remaining, amount);
        }
        list = new address[](count);
        amounts = new uint256[](count);
        for (uint256 i = 0; i < count; ++i) {
            (list[i], amounts[i]) = (picked[i], taken[i]);
        }
    }

    function _grown(
        address[] memory picked,
        uint256[] memory taken
    ) private pure returns (address[] memory morePicked, uint256[] memory moreTaken) {
        morePicked = new address[](picked.length * 2);
        moreTaken = new uint256[](picked.length * 2);
        for (uint256 i = 0; i < picked.length; ++i) {
            (morePicked[i], moreTaken[i]) = (picked[i], taken[i]);
        }
    }

    /// @dev Links `vintage` into the held list after every vintage that does not start later.
    function _insertHolding(address vintage, uint32 vintageStart) private {
        address previous = address(0);
        address next = _oldestHeld;
        while (next != address(0) && _heldStart[next] <= vintageStart) {
            previous = next;
            next = _nextHeld[next];
        }
        _heldStart[vintage] = vintageStart;
        _nextHeld[vintage] = next;
        _previousHeld[vintage] = previous;
        if (previous == address(0)) {
            _oldestHeld = vintage;
        } else {
            _nextHeld[previous] = vintage;
        }
        if (next != address(0)) {
            _previousHeld[next] = vintage;
        }
    }

    /// @dev Unlinks `vintage` once the pool holds none of it: O(1), at most once per vintage redeemed.
    // slither-disable-start calls-loop,costly-loop
    function _removeIfEmpty(address vintage) private {
        if (_heldStart[vintage] == 0 || IERC20(vintage).balanceOf(address(this)) != 0) {
            return;
        }
        address previous = _previousHeld[vintage];
        address next = _nextHeld[vintage];
        if (previous == address(0)) {
            _oldestHeld = next;
        } else {
            _nextHeld[previous] = next;
        }
        if (next != address(0)) {
            _previousHeld[next] = previous;
        }
        delete _heldStart[vintage];
        delete _nextHeld[vintage];
        delete _previousHeld[vintage];
    }
    // slither-disable-end calls-loop,costly-loop

    function _requireEligible(address vintage) private view returns (VintageAttributes memory a) {
        if (!_factory.isVintage(vintage)) {
            revert PoolNotAVintage(vintage);
        }
        a = IVintageToken(vintage).attributes();
        uint8 lists = _lists[vintage];
        if (lists & _DENIED != 0) {
            revert PoolVintageDenied(vintage);
        }
        if (lists & _ALLOWED != 0) {
            return a;
        }
        if (!_accepts(_registries, a.registry)) {
            revert PoolRegistryNotAccepted(vintage, a.registry);
        }
        if (!_accepts(_categories, a.category)) {
            revert PoolCategoryNotAccepted(vintage, a.category);
        }
        if (!_accepts(_sectoralScopes, a.sectoralScope)) {
            revert PoolScopeNotAccepted(vintage, a.sectoralScope);
        }
        uint256 vintageYear = a.vintageStart / 10000;
        if (vintageYear < _minVintageYear) {
            revert PoolVintageTooOld(vintage, vintageYear, _minVintageYear);
        }
        if (a.labels & _requiredLabels != _requiredLabels) {
            revert PoolLabelsMissing(vintage, a.labels, _requiredLabels);
        }
    }

    /// @dev Sets or clears `bit` of `vintage`'s lists; whether that changed anything.
    function _setList(address vintage, uint8 bit, bool on) private returns (bool changed) {
        uint8 lists = _lists[vintage];
        uint8 updated = on ? lists | bit : lists & ~bit;
        if (updated == lists) {
            return false;
        }
        _lists[vintage] = updated;
        return true;
    }

    function _accepts(uint256 mask, uint8 id) private pure returns (bool) {
        return mask == 0 || (mask >> id) & 1 == 1;
    }

    function _setFee(uint256 newFeeBps) private {
        if (newFeeBps > MAX_FEE_BPS) {
            revert PoolFeeTooHigh(newFeeBps, MAX_FEE_BPS);
        }
        if (newFeeBps != 0 && _feeRecipient == address(0)) {
            revert PoolInvalidFeeRecipient(address(0));
        }
        // At most MAX_FEE_BPS (checked above), so it fits.
        _feeBps = uint16(newFeeBps);
        emit FeeUpdated(newFeeBps);
    }

    function _setFeeRecipient(address recipient) private {
        _feeRecipient = recipient;
        emit FeeRecipientUpdated(recipient);
    }
}
