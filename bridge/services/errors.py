"""Errors a use case raises; the API turns them into 4xx JSON naming the problem."""

from __future__ import annotations

from typing import Any


class BridgeError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, *, field: str | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        body.update(self.extra)
        return body


class InvalidInput(BridgeError):
    status_code = 422
    code = "invalid_input"


class NotFound(BridgeError):
    status_code = 404
    code = "not_found"


class Conflict(BridgeError):
    status_code = 409
    code = "conflict"


class Forbidden(BridgeError):
    status_code = 403
    code = "forbidden"


class Unauthorized(BridgeError):
    status_code = 401
    code = "unauthorized"


class QuotaExceeded(BridgeError):
    """A limit over time (a key's daily quota): the same request may fit later."""

    status_code = 429
    code = "quota_exceeded"


class ChainUnavailable(BridgeError):
    status_code = 503
    code = "chain_unavailable"
