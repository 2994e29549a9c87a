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
 * @dev What one retirement certificate records. The first two fields pack into one storage slot each,
 * so a certificate with short texts costs four new slots.
 */
struct Retirement {
    address vintage;
    uint40 retiredAt;
    RetirementReason reason;
    address beneficiary;
    uint96 amount;
    string beneficiaryName;
    string reasonText;
    string registryReference;
}

/// @dev One ERC-721 certificate per on-chain retirement of vintage tokens.
interface IRetirementCertificate {
    /// @dev `caller` is not a vintage token created by the factory.
    error CertificateUnauthorizedIssuer(address caller);
    /// @dev The registry already confirmed certificate `certificateId`.
    error CertificateAlreadyConfirmed(uint256 certificateId);
    /// @dev A registry reference must not be empty.
    error CertificateEmptyReference();

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

    /**
     * @notice Issues a certificate for a retirement. Called by the vintage token that burned the credits.
     * @param owner Receives the certificate.
     * @param r What was retired; `vintage` must be the caller and `registryReference` empty.
     * @return certificateId The new certificate's id (counting from 1).
     */
    function issue(address owner, Retirement calldata r) external returns (uint256 certificateId);

    /**
     * @notice Records the registry's reference once the credits are retired at the registry.
     * @dev Only the registrar role; once per certificate.
     */
    function confirmRegistryRetirement(uint256 certificateId, string calldata registryReference) external;

    /// @notice The retirement recorded by `certificateId`.
    function retirement(uint256 certificateId) external view returns (Retirement memory);

    /// @notice How many certificates were issued.
    function totalIssued() external view returns (uint256);
}
