"""HTTP API: thin routes that validate with pydantic and call the services."""
