// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

// TEST-ONLY: a test double for tests/contracts/test_abuse.py. Never deploy it outside tests.

import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {VintageAttributes, VintageAttributesCodec} from "../vintage/VintageAttributes.sol";

/**
 * @dev An attacker's "factory": clones any implementation (typically the bridge's real {VintageToken}
 * implementation) with the same immutable-argument encoding and the same salt as {VintageFactory}, but
 * outside it. The clone runs the real code and reports the real factory, certificate and attributes, yet
 * the real factory never catalogued it.
 */
contract VintageCloneFactoryMock {
    event Cloned(address indexed clone);

    /// @dev Clones `implementation` with `attributes` as clone arguments, salted like the real factory.
    function cloneWithAttributes(
        address implementation,
        VintageAttributes calldata attributes,
        bytes32 salt
    ) external returns (address clone) {
        clone = Clones.cloneDeterministicWithImmutableArgs(implementation, VintageAttributesCodec.encode(attributes), salt);
        emit Cloned(clone);
    }
}
