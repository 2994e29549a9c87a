// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @dev Why credits were retired; mirrors the reasons registries record.
enum RetirementReason {
    EnvironmentalBenefit,
    OnBehalfOfOrganisation,
    Compliance,
    // Court-ordered compensation for ecological damage (practised in Fujian); needs a case reference.
    EcologicalDamageCompensation,
    Other
}

/**
 * @dev What one retirement certificate records: three new storage slots, whatever the length of the texts.
 * The beneficiary's name and the reason's text are in the vintage's {IVintageToken-Retired} event;
 * `detailsHash` commits to them (see {RetirementDetails}), so anyone holding the event can prove them.
 * Storing the texts themselves would cost a slot (22,100 gas) per 32 bytes.
 */
struct Retirement {
    address vintage;
    uint40 retiredAt;
    RetirementReason reason;
    address beneficiary;
    uint96 amount;
    bytes32 detailsHash;
    string registryReference;
}

/// @dev The commitment a certificate stores to the retirement's texts.
library RetirementDetails {
    /// @dev `keccak256(abi.encode(beneficiaryName, reasonText))`.
    function hash(string memory beneficiaryName, string memory reasonText) internal pure returns (bytes32) {
        return keccak256(abi.encode(beneficiaryName, reasonText));
    }
}

/**
 * @dev One ERC-721 certificate per on-chain retirement of vintage tokens.
 *
 * The registrar (the bridge's key) records the registry's reference once; a wrong one can be corrected
 * once, by the admin (a timelock), in public: a stolen registrar key cannot rewrite what is recorded.
 */
interface IRetirementCertificate {
    /// @dev `caller` is not a vintage token created by the factory.
    error CertificateUnauthorizedIssuer(address caller);
    /// @dev The registry already confirmed certificate `certificateId`.
    error CertificateAlreadyConfirmed(uint256 certificateId);
    /// @dev A registry reference must not be empty.
    error CertificateEmptyReference();
    /// @dev Certificate `certificateId` has no registry reference yet: there is nothing to correct.
    error CertificateNotConfirmed(uint256 certificateId);
    /// @dev The registry reference of `certificateId` was corrected already; it is final.
    error CertificateAlreadyCorrected(uint256 certificateId);
    /// @dev The correction repeats the reference `certificateId` already records.
    error CertificateReferenceUnchanged(uint256 certificateId);
    /// @dev A retirement of `amount` is below the `minimum` one: dust would flood the registry's queue.
    error CertificateBelowMinimum(uint256 amount, uint256 minimum);
    /// @dev A minimum retirement of `minimum` is above `ceiling` (one tonne): whole tonnes could not retire.
    error CertificateMinimumTooHigh(uint256 minimum, uint256 ceiling);

    /// @dev Certificate `certificateId` was issued to `owner` for `amount` of `vintage` retired.
    event CertificateIssued(
        uint256 indexed certificateId,
        address indexed vintage,
        address indexed owner,
        uint256 amount,
        RetirementReason reason
    );

    /// @dev The registry retired the credits behind `certificateId`, under `registryReference`.
    event RegistryRetirementConfirmed(uint256 indexed certificateId, string registryReference);

    /// @dev The admin replaced the registry reference `previous` of `certificateId` by `corrected`.
    event RegistryReferenceCorrected(uint256 indexed certificateId, string previous, string corrected);

    /// @dev The smallest amount a retirement may have changed from `previous` to `minimum`.
    event MinimumRetirementChanged(uint256 previous, uint256 minimum);

    /**
     * @notice Issues a certificate for a retirement. Called by the vintage token that burned the credits.
     * @param owner Receives the certificate.
     * @param r What was retired; `vintage` must be the caller, `amount` at least {minimumRetirement} and
     * `registryReference` empty.
     * @return certificateId The new certificate's id (counting from 1).
     */
    function issue(address owner, Retirement calldata r) external returns (uint256 certificateId);

    /**
     * @notice Records the registry's reference once the credits are retired at the registry.
     * @dev Only the registrar role; once per certificate.
     */
    function confirmRegistryRetirement(uint256 certificateId, string calldata registryReference) external;

    /**
     * @notice Replaces a wrong registry reference. Admin only; once per certificate, after its confirmation.
     *
     * Emits a {RegistryReferenceCorrected} event.
     */
    function correctRegistryReference(uint256 certificateId, string calldata corrected) external;

    /// @notice Whether the registry reference of `certificateId` was corrected (and is therefore final).
    function registryReferenceCorrected(uint256 certificateId) external view returns (bool);

    /// @notice The retirement recorded by `certificateId`.
    function retirement(uint256 certificateId) external view returns (Retirement memory);

    /// @notice How many certificates were issued.
    function totalIssued() external view returns (uint256);

    /// @notice The smallest amount (18 decimals) a retirement may have; smaller ones revert.
    function minimumRetirement() external view returns (uint256);

    /**
     * @notice Sets the smallest amount a retirement may have, at most one tonne. Admin only (a timelock).
     *
     * Emits a {MinimumRetirementChanged} event when it changes.
     */
    function setMinimumRetirement(uint128 minimum) external;
}
