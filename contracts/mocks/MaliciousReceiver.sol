// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

// TEST-ONLY: a test double for tests/contracts/test_abuse.py. Never deploy it outside tests.

/**
 * @dev A hostile contract account: certificate beneficiary, token holder, pool depositor or fee recipient.
 *
 * It implements every receiver/sender callback a token could invoke (ERC-721 `onERC721Received`, ERC-1363
 * `onTransferReceived`/`onApprovalReceived`, ERC-777 `tokensReceived`/`tokensToSend`) and counts the calls.
 * In {Mode-Revert} each callback reverts (trying to block the operation); in {Mode-Reenter} it calls back
 * into a target (trying to reenter) and records the outcome; {Mode-ReenterAndBubble} also bubbles a failed
 * reentry, so the outer operation reverts with the reentry's error.
 */
contract MaliciousReceiver {
    enum Mode {
        Record,
        Revert,
        Reenter,
        ReenterAndBubble
    }

    /// @dev The callback `hook` refused the operation.
    error ReceiverHookRejected(bytes4 hook);

    address public immutable owner;
    Mode public mode;
    address public reentryTarget;
    bytes public reentryData;

    uint256 public hookCalls;
    bytes4 public lastHook;
    uint256 public reentryAttempts;
    uint256 public reentrySuccesses;
    bytes public lastReentryReturnData;
    bool private _inHook;

    constructor() {
        owner = msg.sender;
    }

    modifier onlyOwner() {
        require(msg.sender == owner, "MaliciousReceiver: not owner");
        _;
    }

    function setMode(Mode newMode) external onlyOwner {
        mode = newMode;
    }

    /// @dev The call each callback makes in the reentering modes.
    function setReentry(address target, bytes calldata data) external onlyOwner {
        reentryTarget = target;
        reentryData = data;
    }

    /// @dev Acts as the caller of `target` (deposits, redeems, retires, approves...), bubbling reverts.
    function execute(address target, bytes calldata data) external onlyOwner returns (bytes memory) {
        return _call(target, data);
    }

    /// @dev Several calls in one transaction, in order, all or none.
    function executeBatch(address[] calldata targets, bytes[] calldata data) external onlyOwner {
        for (uint256 i = 0; i < targets.length; ++i) {
            _call(targets[i], data[i]);
        }
    }

    // ERC-721 (IERC721Receiver)
    function onERC721Received(address, address, uint256, bytes calldata) external returns (bytes4) {
        _hook(this.onERC721Received.selector);
        return this.onERC721Received.selector;
    }

    // ERC-1363 (IERC1363Receiver, IERC1363Spender)
    function onTransferReceived(address, address, uint256, bytes calldata) external returns (bytes4) {
        _hook(this.onTransferReceived.selector);
        return this.onTransferReceived.selector;
    }

    function onApprovalReceived(address, uint256, bytes calldata) external returns (bytes4) {
        _hook(this.onApprovalReceived.selector);
        return this.onApprovalReceived.selector;
    }

    // ERC-777 (IERC777Recipient, IERC777Sender)
    function tokensReceived(address, address, address, uint256, bytes calldata, bytes calldata) external {
        _hook(this.tokensReceived.selector);
    }

    function tokensToSend(address, address, address, uint256, bytes calldata, bytes calldata) external {
        _hook(this.tokensToSend.selector);
    }

    function _hook(bytes4 selector) private {
        ++hookCalls;
        lastHook = selector;
        Mode current = mode;
        if (current == Mode.Revert) {
            revert ReceiverHookRejected(selector);
        }
        if ((current == Mode.Reenter || current == Mode.ReenterAndBubble) && !_inHook) {
            _inHook = true;
            ++reentryAttempts;
            (bool ok, bytes memory returned) = reentryTarget.call(reentryData);
            lastReentryReturnData = returned;
            _inHook = false;
            if (ok) {
                ++reentrySuccesses;
            } else if (current == Mode.ReenterAndBubble) {
                _bubble(returned);
            }
        }
    }

    function _call(address target, bytes calldata data) private returns (bytes memory returned) {
        bool ok;
        (ok, returned) = target.call(data);
        if (!ok) {
            _bubble(returned);
        }
    }

    function _bubble(bytes memory returned) private pure {
        assembly ("memory-safe") {
            revert(add(returned, 0x20), mload(returned))
        }
    }
}
