"""The one exception handlers raise to answer with an error envelope."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from starlette.exceptions import HTTPException

T = TypeVar("T")


class ApiError(HTTPException):
    """An error answer: HTTP status and the envelope's responseMessage.

    A Starlette ``HTTPException``, so the app's exception handler turns it (and Starlette's
    own 404 and 405) into the envelope.
    """

    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(status, message, headers)

    @property
    def status(self) -> int:
        return self.status_code

    @property
    def message(self) -> str:
        return self.detail


def not_found(message: str) -> ApiError:
    return ApiError(404, message)


def found(value: T | None, what: str) -> T:
    """``value``, which the request names; ApiError 404 ``WHAT not found`` when it is None."""
    if value is None:
        raise not_found(f"{what} not found")
    return value


def bad_request(message: str) -> ApiError:
    return ApiError(400, message)


def conflict(message: str) -> ApiError:
    return ApiError(409, message)
