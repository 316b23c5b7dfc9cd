"""Bounded request fields shared by every schema: a value outside them is a 422 naming the field before
anything reaches the engine, which would otherwise refuse it with an error of its own (a 5xx for us).

- ``search_text``: free text a search expands into clauses (``q``, HSDS ``search``): at most 200 characters.
- ``identifier``: an id or code to look up or filter by: 1-200 characters (the engine's ids stop at 512 bytes).
- ``Instant``: a date-time with a zone that is real (UTC offsets lie within ±18:00) and a year the engine and
  Python both handle after any shift to UTC (1900-9998).
- ``REVISION_MAX``: capacity revisions are the engine's ``integer`` type.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from marshmallow import ValidationError, fields, validate

MAX_TEXT = 200
MAX_ID = 200
REVISION_MAX = 2**31 - 1
EARLIEST_YEAR, LATEST_YEAR = 1900, 9998
MAX_OFFSET = timedelta(hours=18)


def search_text(**kwargs) -> fields.String:
    """Words to search for (everyday and Spanish words are expanded), as long as ``q`` allows."""
    return fields.String(validate=validate.Length(max=MAX_TEXT), **kwargs)


def identifier(**kwargs) -> fields.String:
    """An id or code (of a listing, organisation, group, term...) to filter or look up by."""
    return fields.String(validate=validate.Length(min=1, max=MAX_ID), **kwargs)


def _real_instant(value: datetime) -> None:
    offset = value.utcoffset()
    if offset is None or abs(offset) > MAX_OFFSET:
        raise ValidationError("the UTC offset must be between -18:00 and +18:00")
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValidationError(f"the year must be between {EARLIEST_YEAR} and {LATEST_YEAR}")


class Instant(fields.AwareDateTime):
    """An ISO 8601 date-time with its zone (``2026-11-27T09:00:00-05:00``), within real bounds."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.insert(0, _real_instant)
