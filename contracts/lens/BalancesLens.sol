// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/**
 * @title Balances lens: one holder's balance of many tokens, in one call
 * @notice Never deployed. The bridge runs this contract's creation code with `eth_call` (no `to`; data =
 * creation code + ABI-encoded constructor arguments), and the constructor returns the ABI-encoded
 * {Balances} instead of runtime code (a "deployless multicall"): one round trip for a wallet's vintage and
 * pool balances, on any chain, with nothing to deploy.
 * @dev Read-only: the constructor only calls `balanceOf`, a view function, so it cannot change state even
 * if run in a real transaction (which would only deploy nothing).
 */
contract BalancesLens {
    /// @notice What the call returns.
    /// @param blockNumber The block the call ran at.
    /// @param balances `holder`'s balance of each token, in the order the tokens were given; 0 for an
    /// address with no code.
    struct Balances {
        uint256 blockNumber;
        uint256[] balances;
    }

    /**
     * @notice Reads the balances and returns them ABI-encoded as the call's output (see the notice).
     * @param holder The wallet.
     * @param tokens The ERC-20 tokens to read its balance of.
     */
    constructor(address holder, IERC20[] memory tokens) {
        bytes memory result = abi.encode(read(holder, tokens));
        // Return the result instead of runtime code: an `eth_call` of the creation code outputs it.
        // slither-disable-next-line assembly
        assembly ("memory-safe") {
            return(add(result, 32), mload(result))
        }
    }

    /**
     * @notice `holder`'s balance of each of `tokens`, at this block.
     * @param holder The wallet.
     * @param tokens The tokens.
     * @return result The block number and the balances.
     */
    function read(address holder, IERC20[] memory tokens) internal view returns (Balances memory result) {
        result.blockNumber = block.number;
        result.balances = new uint256[](tokens.length);
        // The callees are the vintage and pool tokens the bridge lists, read with a view call each: a
        // call per token is what this lens is for.
        // slither-disable-start calls-loop
        for (uint256 i = 0; i < tokens.length; ++i) {
            if (address(tokens[i]).code.length != 0) {
                result.balances[i] = tokens[i].balanceOf(holder);
            }
        }
        // slither-disable-end calls-loop
    }
}
