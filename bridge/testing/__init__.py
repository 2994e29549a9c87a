"""Test-only machinery the bridge loads when a setting asks for it (never imported otherwise)."""
