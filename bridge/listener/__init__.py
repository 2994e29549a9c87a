"""Follows the vintage tokens' burn events and applies them to the serial ledger."""
