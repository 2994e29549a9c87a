// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IVintageFactory} from "../vintage/IVintageFactory.sol";

/**
 * @title Reserves lens: a factory's vintages, their supplies and pool holdings, in one call
 * @notice Never deployed. The bridge runs this contract's creation code with `eth_call` (no `to`; data =
 * creation code + ABI-encoded constructor arguments) at the block it reconciles, and the constructor
 * returns the ABI-encoded {Page} instead of runtime code (a "deployless multicall"). It therefore works at
 * any block, including blocks before the factory existed, and costs nothing.
 * @dev Read-only: the constructor only calls view functions of the factory and of the tokens the factory
 * lists, so it cannot change state even if run in a real transaction (which would only deploy nothing).
 */
contract ReservesLens {
    /// @notice One vintage token at the block of the call.
    /// @param vintage The token, as {IVintageFactory-vintageAt} lists it.
    /// @param totalSupply Its `totalSupply()`.
    /// @param poolBalances Its `balanceOf(pool)` for each pool, in the order the pools were given.
    struct VintageSupply {
        address vintage;
        uint256 totalSupply;
        uint256[] poolBalances;
    }

    /// @notice What the call returns.
    /// @param blockNumber The block the call ran at.
    /// @param vintageCount {IVintageFactory-vintageCount}: 0 when the factory has no code at that block.
    /// @param vintages The vintages at indexes `start` to `start + limit - 1` (fewer at the end).
    struct Page {
        uint256 blockNumber;
        uint256 vintageCount;
        VintageSupply[] vintages;
    }

    /**
     * @notice Reads the page and returns it ABI-encoded as the call's output (see the contract's notice).
     * @param factory The vintage factory.
     * @param pools The pools whose holdings to read (any addresses: a balance is read whatever their code).
     * @param start The index of the first vintage to read.
     * @param limit The most vintages to read (a large catalogue is read in pages, all at one block).
     */
    constructor(IVintageFactory factory, address[] memory pools, uint256 start, uint256 limit) {
        bytes memory result = abi.encode(read(factory, pools, start, limit));
        // Return the result instead of runtime code: an `eth_call` of the creation code outputs it.
        // slither-disable-next-line assembly
        assembly ("memory-safe") {
            return(add(result, 32), mload(result))
        }
    }

    /**
     * @notice The page of vintages `start` to `start + limit - 1` of `factory`, with supplies and pool holdings.
     * @param factory The vintage factory.
     * @param pools The pools whose holdings to read.
     * @param start The index of the first vintage to read.
     * @param limit The most vintages to read.
     * @return page The block number, the factory's vintage count, and the vintages read.
     */
    function read(
        IVintageFactory factory,
        address[] memory pools,
        uint256 start,
        uint256 limit
    ) internal view returns (Page memory page) {
        page.blockNumber = block.number;
        if (address(factory).code.length == 0) {
            return page; // before the factory's deployment: no vintages, no supply
        }
        page.vintageCount = factory.vintageCount();
        uint256 end = start < page.vintageCount ? page.vintageCount : start;
        if (end - start > limit) {
            end = start + limit;
        }
        page.vintages = new VintageSupply[](end - start);
        // The callees are the factory and the tokens it created (clones of its implementation), read with
        // view calls only; a call per vintage is what this lens is for.
        // slither-disable-start calls-loop
        for (uint256 i = start; i < end; ++i) {
            IERC20 token = IERC20(factory.vintageAt(i));
            VintageSupply memory entry = page.vintages[i - start];
            entry.vintage = address(token);
            entry.totalSupply = token.totalSupply();
            entry.poolBalances = new uint256[](pools.length);
            for (uint256 p = 0; p < pools.length; ++p) {
                entry.poolBalances[p] = token.balanceOf(pools[p]);
            }
        }
        // slither-disable-end calls-loop
    }
}
