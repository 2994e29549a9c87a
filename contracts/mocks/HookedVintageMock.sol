// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

// TEST-ONLY: a test double for tests/contracts/test_abuse.py. Never deploy it outside tests.

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {VintageToken} from "../vintage/VintageToken.sol";

interface IERC777Hooks {
    function tokensToSend(address, address, address, uint256, bytes calldata, bytes calldata) external;

    function tokensReceived(address, address, address, uint256, bytes calldata, bytes calldata) external;
}

/**
 * @dev A {VintageToken} that, unlike the real one, calls ERC-777 style hooks on transfers: the sender's
 * `tokensToSend` before the move and the recipient's `tokensReceived` after it, for accounts that registered
 * for hooks with {registerHooks} (the role the ERC-1820 registry plays for ERC-777).
 *
 * Used as the implementation of a separate test factory so the pool's {ReentrancyGuardTransient} can be
 * attacked directly: the real vintage token has no hooks, so against it no attacker code ever runs inside a
 * pool call. This mock shows the guard still holds if a vintage ever gained hooks.
 */
contract HookedVintageMock is VintageToken {
    mapping(address account => bool) private _hooksRegistered;

    constructor(address factory_, address certificate_) VintageToken(factory_, certificate_) {}

    /// @dev Opts the caller in to (or out of) the transfer hooks.
    function registerHooks(bool registered) external {
        _hooksRegistered[msg.sender] = registered;
    }

    function transfer(address to, uint256 value) public override(ERC20, IERC20) returns (bool) {
        _sendHook(msg.sender, to, value);
        bool ok = super.transfer(to, value);
        _receiveHook(msg.sender, to, value);
        return ok;
    }

    function transferFrom(address from, address to, uint256 value) public override(ERC20, IERC20) returns (bool) {
        _sendHook(from, to, value);
        bool ok = super.transferFrom(from, to, value);
        _receiveHook(from, to, value);
        return ok;
    }

    function _sendHook(address from, address to, uint256 value) private {
        if (_hooksRegistered[from]) {
            IERC777Hooks(from).tokensToSend(msg.sender, from, to, value, "", "");
        }
    }

    function _receiveHook(address from, address to, uint256 value) private {
        if (_hooksRegistered[to]) {
            IERC777Hooks(to).tokensReceived(msg.sender, from, to, value, "", "");
        }
    }
}
