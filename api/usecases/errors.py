"""Refusals a use case raises; ``api.app`` answers each as problem+json (or an error page) in one place."""
from __future__ import annotations

from typing import Any


class Refused(Exception):
    """A request the service will not carry out, with what the caller needs to fix it.

    ``errors`` names failing fields (``[{"field": ..., "message": ...}]``); ``headers`` go on the
    response; ``extra`` are further members of the problem body (``current_etag``, ``current_status``).
    """
    status = 400

    def __init__(self, detail: str, *, errors: list[dict] | None = None, headers: dict[str, str] | None = None,
                 status: int | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}
        self.extra = extra
        if status is not None:
            self.status = status


class Invalid(Refused):
    """One field is wrong (422), named."""
    status = 422

    def __init__(self, field: str, message: str, **kwargs: Any) -> None:
        entry = {"field": field, "message": message}
        entry.update({k: kwargs.pop(k) for k in ("accepted", "did_you_mean") if k in kwargs})
        super().__init__(kwargs.pop("detail", f"The request has invalid fields: {field}"), errors=[entry], **kwargs)
        self.field = field


class Forbidden(Refused):
    status = 403


class NotFound(Refused):
    status = 404


class Conflict(Refused):
    status = 409


class Stale(Refused):
    """If-Match named a version that is no longer current (412)."""
    status = 412


class PreconditionRequired(Refused):
    status = 428
