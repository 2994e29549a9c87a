// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {VintageAttributes} from "./VintageAttributes.sol";

/**
 * @dev Creates one vintage token per (registry, project, vintage period) and mints against off-chain locks.
 * It is also the catalogue of vintages and the place where the bridge's roles live.
 */
interface IVintageFactory {
    /// @dev One tokenization: `amount` of `vintage` to `to`, backed by off-chain lock `lockId`.
    struct MintOrder {
        address vintage;
        address to;
        uint256 amount;
        bytes32 lockId;
        bytes32 serialHash;
    }

    /// @dev No implementation is set yet.
    error FactoryImplementationNotSet();
    /// @dev The implementation was built for another factory.
    error FactoryImplementationMismatch(address implementation, address itsFactory);
    /// @dev The implementation has no certificate contract, so every retirement would revert.
    error FactoryImplementationWithoutCertificate(address implementation);
    /// @dev Registry ids start at 1, and each is registered once with a non-empty code.
    error FactoryInvalidRegistry(uint8 registry);
    /// @dev The registry id is already registered.
    error FactoryRegistryAlreadyRegistered(uint8 registry);
    /// @dev The vintage attributes are unusable (`field` names the bad one).
    error FactoryInvalidAttributes(string field);
    /// @dev A token exists for this (registry, project, vintage) key.
    error FactoryVintageExists(bytes32 key, address vintage);
    /// @dev The address is not a vintage token of this factory.
    error FactoryUnknownVintage(address vintage);
    /// @dev The lock already backs tokens: it minted `amount` of `vintage` before.
    error FactoryLockAlreadyMinted(bytes32 lockId, address vintage);
    /// @dev Mints are whole, positive tonnes, like the serial blocks they come from.
    error FactoryInvalidMintAmount(uint256 amount);
    /// @dev Lock ids must not be zero.
    error FactoryZeroLockId();

    /// @dev Vintage tokens are now cloned from `implementation`.
    event ImplementationSet(address indexed implementation);
    /// @dev Registry `registry` is known by `code` (e.g. 1 is "VCS").
    event RegistryRegistered(uint8 indexed registry, string code);
    /// @dev A token was created for a vintage.
    event VintageCreated(bytes32 indexed key, address indexed vintage, uint8 indexed registry, bytes32 projectId);
    /// @dev `amount` of `vintage` was minted to `to`, backed by off-chain lock `lockId` over serials `serialHash`.
    event Tokenized(
        bytes32 indexed lockId,
        address indexed vintage,
        address indexed to,
        uint256 amount,
        bytes32 serialHash
    );

    /// @notice Sets the vintage token implementation new vintages are cloned from. Admin only.
    function setImplementation(address newImplementation) external;

    /// @notice The vintage token implementation.
    function implementation() external view returns (address);

    /// @notice Registers a registry id and its code, used in token names. Admin only; once per id.
    function registerRegistry(uint8 registry, string calldata code) external;

    /// @notice The code of a registry id ("" when unknown).
    function registryCode(uint8 registry) external view returns (string memory);

    /**
     * @notice Creates the token for a vintage. Bridge role.
     * @return vintage The new token, at {predictVintageAddress}.
     *
     * Emits a {VintageCreated} event.
     */
    function createVintage(VintageAttributes calldata attributes) external returns (address vintage);

    /**
     * @notice Mints `amount` of `vintage` to `to`, backed by off-chain lock `lockId`. Bridge role.
     * @dev Reverts if `lockId` was ever minted, so a retried request can never mint twice.
     *
     * Emits a {Tokenized} event.
     */
    function mint(address vintage, address to, uint256 amount, bytes32 lockId, bytes32 serialHash) external;

    /// @notice Several {mint}s in one transaction; all or none. Bridge role.
    function mintBatch(MintOrder[] calldata orders) external;

    /// @notice The key of a vintage: hash of registry, project id and vintage period.
    function vintageKey(VintageAttributes calldata attributes) external pure returns (bytes32);

    /// @notice The token of a key (zero when none).
    function vintageOf(bytes32 key) external view returns (address);

    /// @notice Where {createVintage} puts the token of these attributes.
    function predictVintageAddress(VintageAttributes calldata attributes) external view returns (address);

    /// @notice Whether `vintage` is a token created by this factory.
    function isVintage(address vintage) external view returns (bool);

    /// @notice The number of vintages created.
    function vintageCount() external view returns (uint256);

    /// @notice The `index`-th vintage created.
    function vintageAt(uint256 index) external view returns (address);

    /// @notice The vintage a lock minted (zero when the lock never minted).
    function lockMinted(bytes32 lockId) external view returns (address);

    /// @notice Role that creates vintages and mints.
    // slither-disable-next-line naming-convention
    function BRIDGE_ROLE() external view returns (bytes32);

    /// @notice Role that pauses vintage tokens.
    // slither-disable-next-line naming-convention
    function PAUSER_ROLE() external view returns (bytes32);
}
