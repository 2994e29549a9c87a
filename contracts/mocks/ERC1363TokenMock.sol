// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

// TEST-ONLY: a test double for tests/contracts/test_abuse.py. Never deploy it outside tests.

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC1363} from "@openzeppelin/contracts/token/ERC20/extensions/ERC1363.sol";

/**
 * @dev A token that does call ERC-1363 receivers (`transferAndCall`): the positive control showing that
 * {MaliciousReceiver}'s callbacks fire when a token invokes them, so their silence with vintage tokens
 * means the vintage token never calls out.
 */
contract ERC1363TokenMock is ERC1363 {
    constructor() ERC20("ERC-1363 Mock", "M1363") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}
