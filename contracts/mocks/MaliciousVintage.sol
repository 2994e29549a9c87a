// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

// TEST-ONLY: a test double for tests/contracts/test_abuse.py. Never deploy it outside tests.

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {VintageAttributes} from "../vintage/VintageAttributes.sol";
import {IRetirementCertificate, Retirement, RetirementReason} from "../certificates/IRetirementCertificate.sol";

/**
 * @dev A look-alike vintage token written by an attacker: a plain ERC-20 with the vintage interface that
 * claims the real factory and certificate, lies in {attributes} (whatever a pool wants to read), lets anyone
 * mint, and tries to issue retirement certificates for credits that never existed.
 */
contract MaliciousVintage is ERC20 {
    address private immutable _factory;
    IRetirementCertificate private immutable _certificate;
    VintageAttributes private _attributes;

    constructor(
        address factory_,
        address certificate_,
        VintageAttributes memory attributes_
    ) ERC20("Carbon Vintage VCS-1748-2016", "VCS-1748-2016") {
        _factory = factory_;
        _certificate = IRetirementCertificate(certificate_);
        _attributes = attributes_;
    }

    /// @dev Claims to belong to the real factory.
    function factory() external view returns (address) {
        return _factory;
    }

    function certificate() external view returns (address) {
        return address(_certificate);
    }

    /// @dev Whatever the attacker last set: the lie is chosen to pass any pool's criteria.
    function attributes() external view returns (VintageAttributes memory) {
        return _attributes;
    }

    function setAttributes(VintageAttributes calldata attributes_) external {
        _attributes = attributes_;
    }

    /// @dev No lock, no role: anyone mints.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /**
     * @dev Burns like a real retirement, then asks the certificate contract for a certificate naming
     * `claimedVintage` (this token, or a real vintage it impersonates).
     */
    function retireAs(address claimedVintage, uint256 amount, address beneficiary) external returns (uint256) {
        _burn(msg.sender, amount);
        return
            _certificate.issue(
                beneficiary,
                Retirement({
                    vintage: claimedVintage,
                    retiredAt: uint40(block.timestamp),
                    reason: RetirementReason.Compliance,
                    beneficiary: beneficiary,
                    amount: uint96(amount),
                    detailsHash: keccak256("credits that never existed"),
                    registryReference: ""
                })
            );
    }
}
