// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/**
 * @dev OpenZeppelin's TimelockController, unchanged: the default admin of the factory, the certificate and the
 * pools, so that every admin action (granting the minter role, setting the implementation, registering
 * registries, pool fees and allow lists, un-pausing) waits out its delay in public before it takes effect.
 *
 * A named contract of this project rather than a bare import, so that Ape compiles and deploys it.
 */
contract BridgeTimelock is TimelockController {
    /**
     * @param minDelay Seconds between scheduling an operation and its earliest execution.
     * @param proposers Accounts that schedule (and cancel) operations.
     * @param executors Accounts that execute ready operations.
     * @param admin Optional admin that configures the timelock's roles without delay; zero for none.
     */
    constructor(
        uint256 minDelay,
        address[] memory proposers,
        address[] memory executors,
        address admin
    ) TimelockController(minDelay, proposers, executors, admin) {}
}
