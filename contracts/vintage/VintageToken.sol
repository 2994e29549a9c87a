// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Pausable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Pausable.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {IVintageToken} from "./IVintageToken.sol";
import {IVintageFactory} from "./IVintageFactory.sol";
import {VintageAttributes, VintageAttributesCodec} from "./VintageAttributes.sol";
import {IRetirementCertificate, Retirement, RetirementDetails, RetirementReason} from "../certificates/IRetirementCertificate.sol";

/**
 * @dev The token of one registry project vintage (Toucan TCO2 style), deployed by {VintageFactory} as an
 * ERC-1167 clone whose vintage attributes are immutable clone arguments: a new vintage writes no storage
 * and needs no initializer. Name and symbol are derived from the attributes (`VCS-1748-2016`).
 *
 * Roles live in the factory: it alone mints, its guardian role pauses this token and its admin un-pauses it. Transfers add one
 * storage read (the pause flag) to a plain OpenZeppelin ERC-20 and make no external call.
 *
 * NOTE: the EIP-712 domain name ("Carbon Vintage Token") is shared by every vintage: clones cannot
 * change the implementation's immutables. Signatures stay bound to one token by `verifyingContract`.
 */
contract VintageToken is ERC20Pausable, ERC20Permit, IVintageToken {
    uint256 private constant _MAX_NAME_LENGTH = 128;
    uint256 private constant _MAX_REASON_LENGTH = 512;
    uint256 private constant _MAX_ACCOUNT_LENGTH = 128;
    uint256 private constant _TONNE = 1e18;

    address private immutable _factory;
    IRetirementCertificate private immutable _certificate;

    /// @dev Builds the implementation. Clones share `factory_` and `certificate_` through its code.
    constructor(
        address factory_,
        address certificate_
    ) ERC20("Carbon Vintage Token", "VINTAGE") ERC20Permit("Carbon Vintage Token") {
        // The factory checks both when it adopts this implementation (setImplementation).
        // slither-disable-next-line missing-zero-check
        _factory = factory_;
        _certificate = IRetirementCertificate(certificate_);
    }

    modifier onlyFactory() {
        if (msg.sender != _factory) {
            revert VintageUnauthorizedMinter(msg.sender);
        }
        _;
    }

    modifier onlyAdmin() {
        // The factory's default admin (its timelock): un-pausing follows an investigation, not a hot key.
        if (!IAccessControl(_factory).hasRole(bytes32(0), msg.sender)) {
            revert IAccessControl.AccessControlUnauthorizedAccount(msg.sender, bytes32(0));
        }
        _;
    }

    modifier onlyPauser() {
        bytes32 role = IVintageFactory(_factory).GUARDIAN_ROLE();
        if (!IAccessControl(_factory).hasRole(role, msg.sender)) {
            revert IAccessControl.AccessControlUnauthorizedAccount(msg.sender, role);
        }
        _;
    }

    /// @notice `Carbon Vintage <symbol>`.
    function name() public view override returns (string memory) {
        return string.concat("Carbon Vintage ", symbol());
    }

    /// @notice `<registry code>-<project id>-<vintage year>`, e.g. `VCS-1748-2016`.
    function symbol() public view override returns (string memory) {
        VintageAttributes memory a = attributes();
        uint256 startYear = a.vintageStart / 10000;
        uint256 endYear = a.vintageEnd / 10000;
        string memory period = Strings.toString(startYear);
        if (endYear != startYear) {
            period = string.concat(period, "-", Strings.toString(endYear));
        }
        string memory registry = IVintageFactory(_factory).registryCode(a.registry);
        return string.concat(registry, "-", _trimmed(a.projectId), "-", period);
    }

    /// @inheritdoc IVintageToken
    function factory() external view returns (address) {
        return _factory;
    }

    /// @inheritdoc IVintageToken
    function certificate() external view returns (address) {
        return address(_certificate);
    }

    /// @inheritdoc IVintageToken
    function attributes() public view returns (VintageAttributes memory) {
        return VintageAttributesCodec.decode(Clones.fetchCloneArgs(address(this)));
    }

    /// @inheritdoc IVintageToken
    function mint(address to, uint256 amount) external onlyFactory {
        _mint(to, amount);
    }

    /// @inheritdoc IVintageToken
    function retire(
        uint256 amount,
        address beneficiary,
        string calldata beneficiaryName,
        RetirementReason reason,
        string calldata reasonText
    ) external returns (uint256 certificateId) {
        if (amount == 0) {
            revert VintageZeroAmount();
        }
        _checkLength(bytes(beneficiaryName).length, _MAX_NAME_LENGTH);
        _checkLength(bytes(reasonText).length, _MAX_REASON_LENGTH);
        if (reason == RetirementReason.EcologicalDamageCompensation && bytes(reasonText).length == 0) {
            revert VintageCaseReferenceRequired();
        }
        address owner = beneficiary == address(0) ? msg.sender : beneficiary;

        _burn(msg.sender, amount);
        // The certificate contract is fixed at deployment and mints without calling the receiver;
        // the event needs the id it returns.
        // slither-disable-next-line reentrancy-events
        certificateId = _certificate.issue(
            owner,
            Retirement({
                vintage: address(this),
                retiredAt: uint40(block.timestamp),
                reason: reason,
                beneficiary: owner,
                amount: SafeCast.toUint96(amount),
                detailsHash: RetirementDetails.hash(beneficiaryName, reasonText),
                registryReference: ""
            })
        );
        emit Retired(msg.sender, owner, certificateId, amount, reason, beneficiaryName, reasonText);
    }

    /// @inheritdoc IVintageToken
    function redeem(uint256 amount, string calldata registryAccount) external {
        if (amount == 0) {
            revert VintageZeroAmount();
        }
        if (amount % _TONNE != 0) {
            revert VintageRedemptionNotWholeTonnes(amount);
        }
        uint256 accountLength = bytes(registryAccount).length;
        if (accountLength == 0) {
            revert VintageEmptyRegistryAccount();
        }
        _checkLength(accountLength, _MAX_ACCOUNT_LENGTH);

        _burn(msg.sender, amount);
        emit RedemptionRequested(msg.sender, amount, registryAccount);
    }

    /// @inheritdoc IVintageToken
    function pause() external onlyPauser {
        _pause();
    }

    /// @inheritdoc IVintageToken
    function unpause() external onlyAdmin {
        _unpause();
    }

    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Pausable) {
        super._update(from, to, value);
    }

    function _checkLength(uint256 length, uint256 maxLength) private pure {
        if (length > maxLength) {
            revert VintageTextTooLong(length, maxLength);
        }
    }

    /// @dev A left-aligned short string stored in bytes32, without its trailing zero bytes.
    function _trimmed(bytes32 value) private pure returns (string memory) {
        uint256 length = 0;
        while (length < 32 && value[length] != 0) {
            ++length;
        }
        bytes memory out = new bytes(length);
        for (uint256 i = 0; i < length; ++i) {
            out[i] = value[i];
        }
        return string(out);
    }
}
