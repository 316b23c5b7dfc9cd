"""What readers hand to the pipeline: candidate records and read-time rejections."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any, Iterator, Union

from directory.taxonomy import fold


@dataclass
class Candidate:
    """A raw listing record (shaped like ``directory.model.ListingRecordSchema``) and where it came from."""
    raw: dict
    file: str
    ref: str  # the record's id or row number in its file
    # Facility-level records (federal lists) describe a site, not one service: they may merge
    # with another source's record of the same organisation at the same site.
    facility_level: bool = False
    warnings: list[str] = field(default_factory=list)
    # The service name is the reader's default ("Substance use treatment"), not a program the source named.
    generic_service: bool = False


@dataclass
class Rejection:
    file: str
    ref: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file} [{self.ref}] {self.field}: {self.message}"


@dataclass
class Skipped:
    """A row or object a reader read and did not turn into a listing, by design (an office, a chronic-care
    hospital, a taxonomy, a list page of ids only): counted and reported with its reason, never silent,
    never a rejection."""
    file: str
    ref: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file} [{self.ref}]: {self.reason}"


ReadItem = Union[Candidate, Rejection, Skipped]
Reader = Iterator[ReadItem]


def stable_id(*parts: Any, prefix: str) -> str:
    """A short id that stays the same across runs for the same source facts."""
    text = "|".join(fold(str(p or "")) for p in parts)
    return f"{prefix}:{hashlib.sha1(text.encode()).hexdigest()[:16]}"


LISTING_ID = re.compile(r"^[A-Za-z0-9._:-]{1,200}$")


def listing_id(source: str, *parts: Any) -> str:
    """A listing id from a source's own ids: ``source:part.part`` when those are safe id characters,
    else a stable hash of them (a feed's ids may hold spaces, slashes or ``@``)."""
    raw = ".".join(str(p).strip() for p in parts if p is not None and str(p).strip())
    candidate = f"{source}:{raw}"
    if raw and LISTING_ID.match(candidate):
        return candidate
    return stable_id(raw, prefix=source)


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() in ("", "NA", "N/A", "None", "null"))


def text(value: Any) -> str | None:
    if blank(value):
        return None
    return re.sub(r"\s+", " ", str(value)).strip()


def yes_no(value: Any) -> bool | None:
    """yes/no/true/false/1/0/y/n -> bool; blank or 'unknown' -> None (not stated)."""
    if blank(value):
        return None
    v = str(value).strip().lower()
    if v in ("yes", "y", "true", "t", "1", "si", "sí"):
        return True
    if v in ("no", "n", "false", "f", "0"):
        return False
    if v in ("unknown", "?", "not stated"):
        return None
    raise ValueError(f"expected yes or no, got {value!r}")


def items(value: Any) -> list[str] | None:
    """'a; b; c' -> ['a','b','c']; blank -> None (not stated); 'none' -> [] (stated: none)."""
    if blank(value):
        return None
    v = str(value).strip()
    if v.lower() in ("none", "no", "-"):
        return []
    return [p.strip() for p in re.split(r"[;|]", v) if p.strip()]


def integer(value: Any) -> int | None:
    if blank(value):
        return None
    return int(float(str(value).strip()))


def number(value: Any) -> float | None:
    if blank(value):
        return None
    return float(str(value).strip())


def drop_none(d: dict) -> dict:
    return {k: v for k, v in d.items() if v is not None}
