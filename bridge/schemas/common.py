"""Shared response shapes: refusals (with the field at fault) and pages of a list."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

T = TypeVar("T")


class ErrorDetail(BaseModel):
    """A refused request: what went wrong, and the field at fault."""

    model_config = ConfigDict(extra="allow")  # e.g. `conflicting_lock` on an overlap

    error: str
    message: str
    field: str | None = None


class ErrorResponse(BaseModel):
    detail: ErrorDetail


class FieldError(BaseModel):
    """A request that does not fit the schema, as FastAPI reports it: `loc` names the field."""

    model_config = ConfigDict(extra="allow")

    loc: list[str | int]
    msg: str
    type: str


class InvalidInputResponse(BaseModel):
    detail: ErrorDetail | list[FieldError]


def error_responses(descriptions: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for the ways a route refuses a request, by status code."""
    return {
        status: {"model": InvalidInputResponse if status == 422 else ErrorResponse, "description": text}
        for status, text in descriptions.items()
    }


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int
