// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {Base64} from "@openzeppelin/contracts/utils/Base64.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {IRetirementCertificate, Retirement, RetirementReason} from "./IRetirementCertificate.sol";
import {IVintageFactory} from "../vintage/IVintageFactory.sol";

/**
 * @dev ERC-721 retirement certificates. Only vintage tokens created by the factory issue them, in the same
 * transaction as the burn; the registrar role (the bridge) later records the registry's own reference,
 * which the default admin (a timelock) may correct once. Metadata is served on-chain as a JSON data URI.
 */
contract RetirementCertificate is IRetirementCertificate, ERC721, AccessControlDefaultAdminRules {
    using Strings for uint256;
    using Strings for address;
    using Strings for string;

    bytes32 public constant REGISTRAR_ROLE = keccak256("REGISTRAR_ROLE");

    /// @dev The highest minimum retirement: one tonne, so whole tonnes can always retire.
    uint256 private constant _MAX_MINIMUM = 1e18;

    IVintageFactory private immutable _factory;

    // One slot: `issue` reads and writes the counter, so checking the minimum costs no extra read.
    uint128 private _totalIssued;
    uint128 private _minimumRetirement;
    mapping(uint256 certificateId => Retirement) private _retirements;
    mapping(uint256 certificateId => bool) private _corrected;

    /**
     * @param adminDelay Delay before a default admin transfer takes effect.
     * @param admin The initial default admin.
     * @param factory_ The vintage factory whose tokens may issue certificates.
     * @param minimumRetirement_ The smallest amount a retirement may have (18 decimals), at most one tonne.
     */
    constructor(
        uint48 adminDelay,
        address admin,
        address factory_,
        uint128 minimumRetirement_
    ) ERC721("Carbon Retirement Certificate", "CRC") AccessControlDefaultAdminRules(adminDelay, admin) {
        _factory = IVintageFactory(factory_);
        _setMinimumRetirement(minimumRetirement_);
    }

    /// @notice The vintage factory whose tokens may issue certificates.
    function factory() external view returns (address) {
        return address(_factory);
    }

    /// @inheritdoc IRetirementCertificate
    function issue(address owner, Retirement calldata r) external returns (uint256 certificateId) {
        if (r.vintage != msg.sender || !_factory.isVintage(msg.sender)) {
            revert CertificateUnauthorizedIssuer(msg.sender);
        }
        uint256 minimum = _minimumRetirement;
        if (r.amount < minimum) {
            revert CertificateBelowMinimum(r.amount, minimum);
        }
        certificateId = ++_totalIssued;
        Retirement storage stored = _retirements[certificateId];
        stored.vintage = r.vintage;
        stored.retiredAt = r.retiredAt;
        stored.reason = r.reason;
        stored.beneficiary = r.beneficiary;
        stored.amount = r.amount;
        stored.detailsHash = r.detailsHash;
        // Not a safe mint: a retirement must not depend on, or call into, the receiver.
        _mint(owner, certificateId);
        emit CertificateIssued(certificateId, r.vintage, owner, r.amount, r.reason);
    }

    /// @inheritdoc IRetirementCertificate
    function confirmRegistryRetirement(
        uint256 certificateId,
        string calldata registryReference
    ) external onlyRole(REGISTRAR_ROLE) {
        _requireOwned(certificateId);
        if (bytes(registryReference).length == 0) {
            revert CertificateEmptyReference();
        }
        Retirement storage stored = _retirements[certificateId];
        if (bytes(stored.registryReference).length != 0) {
            revert CertificateAlreadyConfirmed(certificateId);
        }
        stored.registryReference = registryReference;
        emit RegistryRetirementConfirmed(certificateId, registryReference);
    }

    /// @inheritdoc IRetirementCertificate
    function correctRegistryReference(
        uint256 certificateId,
        string calldata corrected
    ) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _requireOwned(certificateId);
        if (bytes(corrected).length == 0) {
            revert CertificateEmptyReference();
        }
        Retirement storage stored = _retirements[certificateId];
        string memory previous = stored.registryReference;
        if (bytes(previous).length == 0) {
            revert CertificateNotConfirmed(certificateId);
        }
        if (_corrected[certificateId]) {
            revert CertificateAlreadyCorrected(certificateId);
        }
        if (keccak256(bytes(previous)) == keccak256(bytes(corrected))) {
            revert CertificateReferenceUnchanged(certificateId);
        }
        _corrected[certificateId] = true;
        stored.registryReference = corrected;
        emit RegistryReferenceCorrected(certificateId, previous, corrected);
    }

    /// @inheritdoc IRetirementCertificate
    function registryReferenceCorrected(uint256 certificateId) external view returns (bool) {
        return _corrected[certificateId];
    }

    /// @inheritdoc IRetirementCertificate
    function retirement(uint256 certificateId) external view returns (Retirement memory) {
        _requireOwned(certificateId);
        return _retirements[certificateId];
    }

    /// @inheritdoc IRetirementCertificate
    function totalIssued() external view returns (uint256) {
        return _totalIssued;
    }

    /// @inheritdoc IRetirementCertificate
    function minimumRetirement() external view returns (uint256) {
        return _minimumRetirement;
    }

    /// @inheritdoc IRetirementCertificate
    function setMinimumRetirement(uint128 minimum) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setMinimumRetirement(minimum);
    }

    /**
     * @notice The certificate as JSON metadata, in a data URI.
     * @dev The beneficiary's name and the reason's text are not stored (see {Retirement}): the metadata
     * names the beneficiary's address and carries `detailsHash`.
     */
    function tokenURI(uint256 certificateId) public view override returns (string memory) {
        _requireOwned(certificateId);
        Retirement storage r = _retirements[certificateId];
        string memory json = string.concat(
            '{"name":"Carbon retirement certificate #',
            certificateId.toString(),
            '","description":"',
            _tonnes(r.amount),
            " t CO2e retired for ",
            r.beneficiary.toChecksumHexString(),
            '","attributes":[',
            _attribute("vintage", r.vintage.toChecksumHexString()),
            ",",
            _attribute("amount", _tonnes(r.amount)),
            ",",
            _attribute("beneficiary", r.beneficiary.toChecksumHexString()),
            ",",
            _attribute("reason", uint256(r.reason).toString()),
            ",",
            _attribute("detailsHash", uint256(r.detailsHash).toHexString(32)),
            ",",
            _attribute("retiredAt", uint256(r.retiredAt).toString()),
            ",",
            _attribute("registryReference", r.registryReference.escapeJSON()),
            "]}"
        );
        return string.concat("data:application/json;base64,", Base64.encode(bytes(json)));
    }

    /// @notice ERC-165: ERC-721, its metadata extension and AccessControl.
    function supportsInterface(
        bytes4 interfaceId
    ) public view override(ERC721, AccessControlDefaultAdminRules) returns (bool) {
        return super.supportsInterface(interfaceId);
    }

    function _setMinimumRetirement(uint128 minimum) private {
        if (minimum > _MAX_MINIMUM) {
            revert CertificateMinimumTooHigh(minimum, _MAX_MINIMUM);
        }
        uint256 previous = _minimumRetirement;
        if (previous == minimum) {
            return;
        }
        _minimumRetirement = minimum;
        emit MinimumRetirementChanged(previous, minimum);
    }

    function _attribute(string memory trait, string memory value) private pure returns (string memory) {
        return string.concat('{"trait_type":"', trait, '","value":"', value, '"}');
    }

    /// @dev `amount` (18 decimals) as a decimal number of tonnes, without trailing zeros.
    function _tonnes(uint256 amount) private pure returns (string memory) {
        uint256 whole = amount / 1e18;
        uint256 fraction = amount % 1e18;
        if (fraction == 0) {
            return whole.toString();
        }
        uint256 digits = 18;
        while (fraction % 10 == 0) {
            fraction /= 10;
            --digits;
        }
        string memory fractionText = fraction.toString();
        while (bytes(fractionText).length < digits) {
            fractionText = string.concat("0", fractionText);
        }
        return string.concat(whole.toString(), ".", fractionText);
    }
}
