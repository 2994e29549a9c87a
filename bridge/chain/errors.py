"""What a chain call's failure means to the bridge's workers."""

from __future__ import annotations

from web3.exceptions import ContractLogicError, Web3Exception

from bridge.chain.contracts import decode_revert

#: Errors from an RPC that is down or restarting: the work stays where it is and is retried.
TRANSIENT = (ConnectionError, OSError, TimeoutError, Web3Exception)


def revert_reason(err: ContractLogicError) -> str:
    """`Name(args)` of one of our custom errors, else what the node said."""
    return decode_revert(err.data) or str(err.message or err)
