// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {IVintageFactory} from "./IVintageFactory.sol";
import {IVintageToken} from "./IVintageToken.sol";
import {VintageAttributes, VintageAttributesCodec} from "./VintageAttributes.sol";
import {MintGovernor} from "./MintGovernor.sol";

/**
 * @dev Creates vintage tokens as ERC-1167 clones (with the attributes as immutable clone arguments), keeps
 * the catalogue of vintages, and mints against off-chain locks: each lock id mints once, ever, and records
 * the hash of the order that consumed it.
 *
 * Roles: the default admin (a TimelockController; two-step transfer with a delay) sets the implementation,
 * registers registries, sets the mint limits, grants roles and un-pauses; {MINTER_ROLE} (the bridge)
 * creates vintages and mints; {GUARDIAN_ROLE} pauses minting here and pauses vintage tokens.
 *
 * The mint governor: one storage slot holds the pause flag, the overall rolling-window counter and every
 * limit, and each vintage's slot holds its known flag, its counter and when it becomes mintable. A mint
 * reads exactly the two slots it read before the governor existed (the vintage check) plus this one, and
 * writes both back (see `make bench` for the gas).
 *
 * A new vintage waits {mintLimits}'s `vintageDelay` before its first mint (rather than needing a second
 * role to create it): creation stays one automatic step of the bridge, and a vintage a stolen key creates
 * is visible on-chain, to the bridge's listener and to anyone, for that long before it can hold a tonne.
 */
contract VintageFactory is IVintageFactory, AccessControlDefaultAdminRules {
    using MintGovernor for MintGovernor.Governor;
    using MintGovernor for MintGovernor.VintageState;
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");

    uint256 private constant _TONNE = 1e18;

    MintGovernor.Governor private _governor; // pause flag, overall window, limits (see {MintGovernor})
    address private _implementation;
    mapping(uint8 registry => string code) private _registryCodes;
    mapping(bytes32 key => address vintage) private _vintageOf;
    mapping(address vintage => MintGovernor.VintageState) private _vintageState; // known flag, window, mintable-at
    address[] private _vintages;
    mapping(bytes32 lockId => bytes32 orderHash) private _lockOrder;

    /**
     * @param adminDelay Delay before a default admin transfer takes effect (see {AccessControlDefaultAdminRules}).
     * @param admin The initial default admin.
     */
    constructor(uint48 adminDelay, address admin) AccessControlDefaultAdminRules(adminDelay, admin) {}

    /// @inheritdoc IVintageFactory
    function setImplementation(address newImplementation) external onlyRole(DEFAULT_ADMIN_ROLE) {
        // The calls revert for an address without code, so a zero implementation cannot get here.
        address itsFactory = IVintageToken(newImplementation).factory();
        if (itsFactory != address(this)) {
            revert FactoryImplementationMismatch(newImplementation, itsFactory);
        }
        if (IVintageToken(newImplementation).certificate() == address(0)) {
            revert FactoryImplementationWithoutCertificate(newImplementation);
        }
        // slither-disable-next-line missing-zero-check
        _implementation = newImplementation;
        emit ImplementationSet(newImplementation);
    }

    /// @inheritdoc IVintageFactory
    function implementation() external view returns (address) {
        return _implementation;
    }

    /// @inheritdoc IVintageFactory
    function registerRegistry(uint8 registry, string calldata code) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (registry == 0 || bytes(code).length == 0 || bytes(code).length > 16) {
            revert FactoryInvalidRegistry(registry);
        }
        if (bytes(_registryCodes[registry]).length != 0) {
            revert FactoryRegistryAlreadyRegistered(registry);
        }
        _registryCodes[registry] = code;
        emit RegistryRegistered(registry, code);
    }

    /// @inheritdoc IVintageFactory
    function registryCode(uint8 registry) external view returns (string memory) {
        return _registryCodes[registry];
    }

    /// @inheritdoc IVintageFactory
    function createVintage(
        VintageAttributes calldata attributes
    ) external onlyRole(MINTER_ROLE) returns (address vintage) {
        MintGovernor.Governor g = _governor;
        if (g.paused()) {
            revert FactoryMintingPaused();
        }
        address impl = _implementation;
        if (impl == address(0)) {
            revert FactoryImplementationNotSet();
        }
        _validate(attributes);
        bytes32 key = vintageKey(attributes);
        address existing = _vintageOf[key];
        if (existing != address(0)) {
            revert FactoryVintageExists(key, existing);
        }

        vintage = Clones.cloneDeterministicWithImmutableArgs(impl, VintageAttributesCodec.encode(attributes), key);
        _vintageOf[key] = vintage;
        _vintageState[vintage] = MintGovernor.newVintage(block.timestamp + g.vintageDelay());
        _vintages.push(vintage);
        emit VintageCreated(key, vintage, attributes.registry, attributes.projectId);
    }

    /// @inheritdoc IVintageFactory
    function mint(
        address vintage,
        address to,
        uint256 amount,
        bytes32 lockId,
        bytes32 serialHash
    ) external onlyRole(MINTER_ROLE) {
        MintGovernor.Governor g = _governor;
        if (g.paused()) {
            revert FactoryMintingPaused();
        }
        uint256 tonnes = amount / _TONNE;
        _governor = g.countTotal(tonnes);
        _mintAgainstLock(g, vintage, to, amount, tonnes, lockId, serialHash);
    }

    /// @inheritdoc IVintageFactory
    function mintBatch(MintOrder[] calldata orders) external onlyRole(MINTER_ROLE) {
        MintGovernor.Governor g = _governor;
        if (g.paused()) {
            revert FactoryMintingPaused();
        }
        // The batch counts as its sum against the overall limit, checked before any token is minted (an
        // order of a fraction of a tonne reverts below, whatever the sum).
        uint256 total = 0;
        for (uint256 i = 0; i < orders.length; ++i) {
            total += orders[i].amount;
        }
        _governor = g.countTotal(total / _TONNE);
        for (uint256 i = 0; i < orders.length; ++i) {
            MintOrder calldata o = orders[i];
            _mintAgainstLock(g, o.vintage, o.to, o.amount, o.amount / _TONNE, o.lockId, o.serialHash);
        }
    }

    /// @inheritdoc IVintageFactory
    function pause() external onlyRole(GUARDIAN_ROLE) {
        MintGovernor.Governor g = _governor;
        if (g.paused()) {
            revert FactoryMintingPaused();
        }
        _governor = g.withPaused(true);
        emit MintingPaused(msg.sender);
    }

    /// @inheritdoc IVintageFactory
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        MintGovernor.Governor g = _governor;
        if (!g.paused()) {
            revert FactoryMintingNotPaused();
        }
        _governor = g.withPaused(false);
        emit MintingUnpaused(msg.sender);
    }

    /// @inheritdoc IVintageFactory
    function paused() external view returns (bool) {
        return _governor.paused();
    }

    /// @inheritdoc IVintageFactory
    function setMintLimits(
        uint48 totalTonnes,
        uint48 vintageTonnes,
        uint32 window
    ) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (window == 0) {
            revert FactoryInvalidMintWindow(window);
        }
        _governor = _governor.withLimits(totalTonnes, vintageTonnes, window);
        emit MintLimitsSet(totalTonnes, vintageTonnes, window);
    }

    /// @inheritdoc IVintageFactory
    function setVintageMintDelay(uint32 delay) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _governor = _governor.withVintageDelay(delay);
        emit VintageMintDelaySet(delay);
    }

    /// @inheritdoc IVintageFactory
    function mintLimits()
        external
        view
        returns (uint256 totalTonnes, uint256 vintageTonnes, uint256 window, uint256 vintageDelay)
    {
        MintGovernor.Governor g = _governor;
        return (g.totalLimit(), g.vintageLimit(), g.window(), g.vintageDelay());
    }

    /// @inheritdoc IVintageFactory
    function mintCapacity(address vintage) external view returns (uint256 totalTonnes, uint256 vintageTonnes) {
        MintGovernor.Governor g = _governor;
        MintGovernor.VintageState v = _vintageState[vintage];
        totalTonnes = MintGovernor.available(g.totalLimit(), g.totalMinted());
        if (v.known()) {
            vintageTonnes = MintGovernor.available(g.vintageLimit(), v.vintageMinted(g.window()));
        }
    }

    /// @inheritdoc IVintageFactory
    function mintableAt(address vintage) external view returns (uint256) {
        return _vintageState[vintage].mintableAt();
    }

    /// @inheritdoc IVintageFactory
    function orderHash(
        address vintage,
        address to,
        uint256 amount,
        bytes32 lockId,
        bytes32 serialHash
    ) public pure returns (bytes32 hash) {
        // keccak256(abi.encode(lockId, vintage, to, amount, serialHash)), hashed in scratch memory above the
        // free memory pointer (which stays where it is): abi.encode would allocate and copy on every mint.
        // slither-disable-next-line assembly
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, lockId)
            mstore(add(m, 0x20), vintage)
            mstore(add(m, 0x40), to)
            mstore(add(m, 0x60), amount)
            mstore(add(m, 0x80), serialHash)
            hash := keccak256(m, 0xa0)
        }
    }

    /// @inheritdoc IVintageFactory
    function vintageKey(VintageAttributes calldata attributes) public pure returns (bytes32) {
        return
            keccak256(
                abi.encode(attributes.registry, attributes.projectId, attributes.vintageStart, attributes.vintageEnd)
            );
    }

    /// @inheritdoc IVintageFactory
    function vintageOf(bytes32 key) external view returns (address) {
        return _vintageOf[key];
    }

    /// @inheritdoc IVintageFactory
    function predictVintageAddress(VintageAttributes calldata attributes) external view returns (address) {
        return
            Clones.predictDeterministicAddressWithImmutableArgs(
                _implementation,
                VintageAttributesCodec.encode(attributes),
                vintageKey(attributes)
            );
    }

    /// @inheritdoc IVintageFactory
    function isVintage(address vintage) external view returns (bool) {
        return _vintageState[vintage].known();
    }

    /// @inheritdoc IVintageFactory
    function vintageCount() external view returns (uint256) {
        return _vintages.length;
    }

    /// @inheritdoc IVintageFactory
    function vintageAt(uint256 index) external view returns (address) {
        return _vintages[index];
    }

    /// @inheritdoc IVintageFactory
    function lockOrder(bytes32 lockId) external view returns (bytes32) {
        return _lockOrder[lockId];
    }

    // The callee is a vintage this factory created (checked first), whose `mint` calls nothing; the lock is
    // recorded before the call; in a batch, all or nothing is what we want.
    // slither-disable-start calls-loop,reentrancy-events
    function _mintAgainstLock(
        MintGovernor.Governor g,
        address vintage,
        address to,
        uint256 amount,
        uint256 tonnes,
        bytes32 lockId,
        bytes32 serialHash
    ) private {
        MintGovernor.VintageState v = _vintageState[vintage];
        if (!v.known()) {
            revert FactoryUnknownVintage(vintage);
        }
        // `tonnes` is amount / 10^18: zero below a tonne, and short of `amount` for a fraction (no overflow).
        unchecked {
            if (tonnes == 0 || tonnes * _TONNE != amount) {
                revert FactoryInvalidMintAmount(amount);
            }
        }
        // A block producer's few seconds of leeway on the timestamp barely shorten a delay of an hour.
        // slither-disable-next-line timestamp
        if (block.timestamp < v.mintableAt()) {
            revert FactoryVintageNotYetMintable(vintage, v.mintableAt());
        }
        if (lockId == bytes32(0)) {
            revert FactoryZeroLockId();
        }
        bytes32 previous = _lockOrder[lockId];
        if (previous != bytes32(0)) {
            revert FactoryLockAlreadyMinted(lockId, previous);
        }
        _vintageState[vintage] = v.countVintage(g, vintage, tonnes);
        _lockOrder[lockId] = orderHash(vintage, to, amount, lockId, serialHash);
        IVintageToken(vintage).mint(to, amount);
        emit Tokenized(lockId, vintage, to, amount, serialHash);
    }
    // slither-disable-end calls-loop,reentrancy-events

    function _validate(VintageAttributes calldata a) private view {
        if (bytes(_registryCodes[a.registry]).length == 0) {
            revert FactoryInvalidRegistry(a.registry);
        }
        if (a.projectId == bytes32(0)) {
            revert FactoryInvalidAttributes("projectId");
        }
        if (!_isDate(a.vintageStart)) {
            revert FactoryInvalidAttributes("vintageStart");
        }
        if (!_isDate(a.vintageEnd) || a.vintageEnd < a.vintageStart) {
            revert FactoryInvalidAttributes("vintageEnd");
        }
    }

    /// @dev A plausible `YYYYMMDD` day (month 1-12, day 1-31, year 1900-2999).
    function _isDate(uint32 day) private pure returns (bool) {
        uint32 year = day / 10000;
        uint32 month = (day / 100) % 100;
        uint32 dayOfMonth = day % 100;
        return year >= 1900 && year <= 2999 && month >= 1 && month <= 12 && dayOfMonth >= 1 && dayOfMonth <= 31;
    }
}
