"""web3.py side of the bridge: contract bindings and the outbox sender."""
