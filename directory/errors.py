"""The directory's domain errors: raised by the stores and the use cases, each mapped to one HTTP answer
by the API (``api.problem``)."""
from __future__ import annotations


class ListingNotFound(LookupError):
    """No listing with this id in the live directory (HTTP 404)."""


class VersionConflict(Exception):
    """The caller's version of a listing is not the current one (HTTP 412)."""

    def __init__(self, current: str | None):
        super().__init__("the listing changed since it was read")
        self.current = current


class RebuildFailed(RuntimeError):
    """A rebuild that could not go live; the alias still serves the previous directory."""
