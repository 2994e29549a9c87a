// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {IVintageFactory} from "./IVintageFactory.sol";
import {IVintageToken} from "./IVintageToken.sol";
import {VintageAttributes, VintageAttributesCodec} from "./VintageAttributes.sol";

/**
 * @dev Creates vintage tokens as ERC-1167 clones (with the attributes as immutable clone arguments), keeps
 * the catalogue of vintages, and mints against off-chain locks: each lock id mints once, ever.
 *
 * Roles: the default admin (two-step transfer with a delay) sets the implementation, registers registries
 * and grants roles; {BRIDGE_ROLE} creates vintages and mints; {PAUSER_ROLE} pauses vintage tokens.
 *
 * NOTE: the factory has no global pause on minting, so the mint path reads no extra flag. To stop a
 * compromised bridge key, the admin revokes {BRIDGE_ROLE}; to freeze a vintage, a pauser pauses its token.
 */
contract VintageFactory is IVintageFactory, AccessControlDefaultAdminRules {
    bytes32 public constant BRIDGE_ROLE = keccak256("BRIDGE_ROLE");
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    uint256 private constant _TONNE = 1e18;

    address private _implementation;
    mapping(uint8 registry => string code) private _registryCodes;
    mapping(bytes32 key => address vintage) private _vintageOf;
    mapping(address vintage => bool) private _isVintage;
    address[] private _vintages;
    mapping(bytes32 lockId => address vintage) private _lockMinted;

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
    ) external onlyRole(BRIDGE_ROLE) returns (address vintage) {
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
        _isVintage[vintage] = true;
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
    ) external onlyRole(BRIDGE_ROLE) {
        _mintAgainstLock(vintage, to, amount, lockId, serialHash);
    }

    /// @inheritdoc IVintageFactory
    function mintBatch(MintOrder[] calldata orders) external onlyRole(BRIDGE_ROLE) {
        for (uint256 i = 0; i < orders.length; ++i) {
            MintOrder calldata o = orders[i];
            _mintAgainstLock(o.vintage, o.to, o.amount, o.lockId, o.serialHash);
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
        return _isVintage[vintage];
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
    function lockMinted(bytes32 lockId) external view returns (address) {
        return _lockMinted[lockId];
    }

    // The callee is a vintage this factory created (checked first), whose `mint` calls nothing; the lock is
    // recorded before the call; in a batch, all or nothing is what we want.
    // slither-disable-start calls-loop,reentrancy-events
    function _mintAgainstLock(address vintage, address to, uint256 amount, bytes32 lockId, bytes32 serialHash) private {
        if (!_isVintage[vintage]) {
            revert FactoryUnknownVintage(vintage);
        }
        if (amount == 0 || amount % _TONNE != 0) {
            revert FactoryInvalidMintAmount(amount);
        }
        if (lockId == bytes32(0)) {
            revert FactoryZeroLockId();
        }
        address previous = _lockMinted[lockId];
        if (previous != address(0)) {
            revert FactoryLockAlreadyMinted(lockId, previous);
        }
        _lockMinted[lockId] = vintage;
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
