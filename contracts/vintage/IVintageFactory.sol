// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {VintageAttributes} from "./VintageAttributes.sol";

/**
 * @dev Creates one vintage token per (registry, project, vintage period) and mints against off-chain locks.
 * It is also the catalogue of vintages and the place where the bridge's roles live.
 *
 * What one stolen minter key can do is bounded here: minting is limited per rolling window (overall and
 * per vintage), a new vintage cannot be minted into before a delay, a lock id is consumed by one order
 * only, and a guardian can pause minting and vintage creation; only the admin (a timelock) un-pauses.
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
    /// @dev The lock already backs tokens: the order with hash `orderHash` (see {orderHash}) consumed it.
    error FactoryLockAlreadyMinted(bytes32 lockId, bytes32 orderHash);
    /// @dev Minting and vintage creation are paused by the guardian.
    error FactoryMintingPaused();
    /// @dev Minting is not paused, so there is nothing to un-pause.
    error FactoryMintingNotPaused();
    /// @dev The mint exceeds the overall limit: only `availableTonnes` may be minted now.
    error FactoryTotalMintLimitExceeded(uint256 requestedTonnes, uint256 availableTonnes);
    /// @dev The mint exceeds the per-vintage limit of `vintage`: only `availableTonnes` may be minted now.
    error FactoryVintageMintLimitExceeded(address vintage, uint256 requestedTonnes, uint256 availableTonnes);
    /// @dev `vintage` was created recently: it can be minted into from `mintableAt` (a timestamp) on.
    error FactoryVintageNotYetMintable(address vintage, uint256 mintableAt);
    /// @dev A limit window must be at least one second long.
    error FactoryInvalidMintWindow(uint256 window);
    /// @dev Mints are whole, positive tonnes, like the serial blocks they come from.
    error FactoryInvalidMintAmount(uint256 amount);
    /// @dev Lock ids must not be zero.
    error FactoryZeroLockId();

    /// @dev The guardian `account` paused minting and vintage creation.
    event MintingPaused(address indexed account);
    /// @dev The admin `account` resumed minting and vintage creation.
    event MintingUnpaused(address indexed account);
    /// @dev At most `totalTonnes` overall and `vintageTonnes` per vintage may be minted per `window` seconds.
    event MintLimitsSet(uint256 totalTonnes, uint256 vintageTonnes, uint256 window);
    /// @dev A vintage created from now on can be minted into `delay` seconds after its creation.
    event VintageMintDelaySet(uint256 delay);

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
     * @notice Creates the token for a vintage. Minter role; not while paused.
     * @return vintage The new token, at {predictVintageAddress}.
     *
     * Emits a {VintageCreated} event.
     */
    function createVintage(VintageAttributes calldata attributes) external returns (address vintage);

    /**
     * @notice Mints `amount` of `vintage` to `to`, backed by off-chain lock `lockId`. Minter role.
     * @dev Reverts if `lockId` was ever minted, so a retried request can never mint twice; while paused; above
     * a mint limit; and before the vintage's {mintableAt}. Records the {orderHash} under `lockId`.
     *
     * Emits a {Tokenized} event.
     */
    function mint(address vintage, address to, uint256 amount, bytes32 lockId, bytes32 serialHash) external;

    /// @notice Several {mint}s in one transaction; all or none. Minter role. The overall limit counts their sum.
    function mintBatch(MintOrder[] calldata orders) external;

    /// @notice Stops minting and vintage creation. Guardian role. Reverts if paused already.
    function pause() external;

    /// @notice Resumes minting and vintage creation. Admin only (the timelock), after an investigation.
    /// Reverts if not paused.
    function unpause() external;

    /// @notice Whether minting and vintage creation are paused.
    function paused() external view returns (bool);

    /**
     * @notice Sets the mint limits. Admin only.
     * @dev Each limit is a rolling window: what was minted counts fully at first and decays linearly to
     * zero over `window` seconds, so a full burst must wait a whole window and at most twice a limit can
     * be minted in any `window` seconds. Zero limits stop minting.
     */
    function setMintLimits(uint48 totalTonnes, uint48 vintageTonnes, uint32 window) external;

    /// @notice Seconds a vintage created from now on waits before its first mint. Admin only.
    function setVintageMintDelay(uint32 delay) external;

    /// @notice The limits: tonnes overall and per vintage per `window` seconds, and the new-vintage delay.
    function mintLimits()
        external
        view
        returns (uint256 totalTonnes, uint256 vintageTonnes, uint256 window, uint256 vintageDelay);

    /// @notice Tonnes that may be minted now: overall, and into `vintage` (both bound a mint).
    function mintCapacity(address vintage) external view returns (uint256 totalTonnes, uint256 vintageTonnes);

    /// @notice When `vintage` can first be minted into (a timestamp; zero for an unknown vintage).
    function mintableAt(address vintage) external view returns (uint256);

    /// @notice The hash that binds a lock to its order: `keccak256(abi.encode(lockId, vintage, to, amount, serialHash))`.
    function orderHash(
        address vintage,
        address to,
        uint256 amount,
        bytes32 lockId,
        bytes32 serialHash
    ) external pure returns (bytes32);

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

    /// @notice The {orderHash} of the order that consumed `lockId` (zero when the lock never minted).
    function lockOrder(bytes32 lockId) external view returns (bytes32);

    /// @notice Role that creates vintages and mints (the bridge's hot key).
    // slither-disable-next-line naming-convention
    function MINTER_ROLE() external view returns (bytes32);

    /// @notice Role that pauses minting, vintage creation and vintage tokens (never un-pauses).
    // slither-disable-next-line naming-convention
    function GUARDIAN_ROLE() external view returns (bytes32);
}
