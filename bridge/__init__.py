"""Carbon credit bridge: registry serials locked off-chain, vintage tokens minted on-chain."""
