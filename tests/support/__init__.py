"""What the tests share: the chain, the deployment, the running bridge, payloads, checks."""
