// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

// BENCHMARK-ONLY: the baseline of `make bench`. Never deploy it outside benchmarks and tests.

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";

/**
 * @dev A plain OpenZeppelin ERC-20 (plus `burn`), compiled with the same settings as the bridge's
 * contracts: what each bridge operation is measured against.
 */
contract PlainERC20 is ERC20Burnable {
    constructor() ERC20("Plain OpenZeppelin ERC-20", "PLAIN") {}

    /// @notice Mints `amount` to `to`; anyone may (a baseline, not a token).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}
