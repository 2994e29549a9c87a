"""Follows the vintage tokens' burn events into the serial ledger, and watches the factory, the roles
and the bridge's nonces for what no bridge record explains (alerts)."""
