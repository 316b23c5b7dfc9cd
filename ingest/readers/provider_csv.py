"""The provider spreadsheet template (CSV), also the format of ``seed_data/``.

One row per service at a location. Blank cells mean *not stated*; ``none`` in a list column
means *stated: none*. Lists are separated by ``;``. See README.md, "Provider spreadsheet".
"""
from __future__ import annotations

import csv
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator

from directory import eligibility, taxonomy, vocabulary
from ingest.records import (Candidate, ReadItem, Rejection, drop_none, integer, items, number, stable_id,
                            text, yes_no)

# Eligibility columns come from the eligibility table, one per dimension (two for the age range).
ELIGIBILITY_COLUMNS: tuple[str, ...] = tuple(c for d in eligibility.DIMENSIONS for c in d.columns)
# How a cell of each shape a rule kind reads is converted (``rule_kinds.Kind.cell``).
CELLS = {"int": integer, "bool": yes_no, "list": items}
COLUMNS: tuple[str, ...] = (
    "listing_id", "organization_id", "organization_name", "service_id", "service_name", "location_id",
    "location_name", "address_1", "address_2", "city", "state", "postal_code", "latitude", "longitude",
    "phone", "website", "email", "description", "needs", "hours", "walk_in", "appointment_required",
    *ELIGIBILITY_COLUMNS, "languages",
    "required_documents", "capacity_available", "capacity_maximum", "capacity_unit", "capacity_waitlist",
    "capacity_wait_days", "accepting_new_clients", "capacity_updated_at", "assured_date", "status", "sample",
)
REQUIRED = ("organization_name", "service_name", "needs")


def template_header() -> str:
    return ",".join(COLUMNS)


def read_provider_path(path: str | Path, *, source: str = "provider") -> Iterator[ReadItem]:
    """Read one CSV file, or every ``*.csv`` in a folder (sorted, for stable ids and order)."""
    path = Path(path)
    files = sorted(path.glob("*.csv")) if path.is_dir() else [path]
    if not files:
        yield Rejection(str(path), "-", "_file", "no CSV files found")
    for file in files:
        yield from _read_file(file, source)


def _read_file(file: Path, source: str) -> Iterator[ReadItem]:
    with file.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
        if missing:
            yield Rejection(str(file), "header", ",".join(missing), "required columns are missing")
            return
        unknown = [c for c in reader.fieldnames or [] if c not in COLUMNS]
        for line, row in enumerate(reader, start=2):
            ref = text(row.get("listing_id")) or f"row {line}"
            try:
                cand = Candidate(raw=row_to_record(row, source=source, file=file.name), file=str(file), ref=ref)
            except ValueError as exc:
                field, _, message = str(exc).partition(": ")
                yield Rejection(str(file), ref, field if message else "_row", message or str(exc))
                continue
            if unknown:
                cand.warnings.append(f"ignored unknown columns: {', '.join(unknown)}")
            yield cand


RELATIVE = re.compile(r"now(?:-(\d+)([hdm]))?")


def is_relative(value: object) -> bool:
    raw = text(value)
    return bool(raw and RELATIVE.fullmatch(raw))


def timestamp(value: object) -> str | None:
    """An ISO timestamp, or ``now-6h`` / ``now-2d`` relative to the ingest (used by sample data)."""
    raw = text(value)
    if raw is None:
        return None
    m = RELATIVE.fullmatch(raw)
    if not m:
        return raw
    amount = int(m.group(1) or 0)
    delta = {"h": timedelta(hours=amount), "d": timedelta(days=amount), "m": timedelta(minutes=amount)}[m.group(2) or "h"]
    return (datetime.now(timezone.utc) - delta).replace(microsecond=0).isoformat()


def _cell(row: dict, column: str, convert):  # noqa: ANN001 - small local helper
    try:
        return convert(row.get(column))
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{column}: {exc}") from None


def _codes(vocab: vocabulary.Vocabulary):  # noqa: ANN202 - a cell converter
    """A list cell of a fixed vocabulary: everyday words ('HUSKY', 'Spanish') become codes."""
    def convert(value: object) -> list[str] | None:
        values = items(value)
        if values is None:
            return None
        try:
            return vocabulary.normalise_list(vocab, values)
        except vocabulary.UnknownTerm as exc:
            raise ValueError(str(exc)) from None
    return convert


def row_to_record(row: dict, *, source: str, file: str) -> dict:
    """One spreadsheet row -> a raw listing record. Raises ValueError('column: message')."""
    org_name = text(row.get("organization_name"))
    service_name = text(row.get("service_name"))
    org_id = text(row.get("organization_id")) or stable_id(org_name, prefix=f"{source}-org")
    loc_key = (row.get("address_1"), row.get("city"), row.get("postal_code"))
    location_id = text(row.get("location_id")) or stable_id(org_name, *loc_key, prefix=f"{source}-loc")
    service_id = text(row.get("service_id")) or stable_id(org_name, service_name, prefix=f"{source}-svc")
    listing_id = text(row.get("listing_id")) or stable_id(service_id, location_id, prefix=source)

    needs: list[str] = []
    for term in _cell(row, "needs", items) or []:
        codes = taxonomy.resolve(term)
        if not codes:
            raise ValueError(f"needs: unknown need {term!r}")
        needs.extend(codes)

    capacity = drop_none({
        "available": _cell(row, "capacity_available", integer),
        "maximum": _cell(row, "capacity_maximum", integer),
        "waitlist": _cell(row, "capacity_waitlist", integer),
        "wait_days": _cell(row, "capacity_wait_days", integer),
        "accepting_new_clients": _cell(row, "accepting_new_clients", yes_no),
        "updated_at": _cell(row, "capacity_updated_at", timestamp),
    })
    if capacity:
        capacity["unit"] = text(row.get("capacity_unit")) or "beds"
        capacity["updated_by"] = f"{source}:{file}"
        if is_relative(row.get("capacity_updated_at")):
            capacity["relative_time"] = True

    lat, lon = _cell(row, "latitude", number), _cell(row, "longitude", number)
    phone = text(row.get("phone"))
    status = (text(row.get("status")) or "active").lower().replace(" ", "_")
    record = {
        "id": listing_id,
        "organization": drop_none({"id": org_id, "name": org_name, "website": text(row.get("website"))}),
        "service": drop_none({
            "id": service_id, "name": service_name, "description": text(row.get("description")),
            "url": text(row.get("website")), "email": text(row.get("email")), "status": status,
            "assured_date": text(row.get("assured_date")),
        }),
        "location": drop_none({"id": location_id, "name": text(row.get("location_name")), "latitude": lat,
                               "longitude": lon}),
        "address": drop_none({
            "address_1": text(row.get("address_1")), "address_2": text(row.get("address_2")),
            "city": text(row.get("city")), "state_province": text(row.get("state")) or "CT",
            "postal_code": text(row.get("postal_code")),
        }),
        "phones": [{"number": phone, "type": "voice"}] if phone else [],
        "hours_text": text(row.get("hours")),
        "needs": needs,
        "languages": _cell(row, "languages", _codes(vocabulary.LANGUAGES)),
        "required_documents": _cell(row, "required_documents", items) or [],
        "eligibility": {},
        "access": drop_none({"walk_in": _cell(row, "walk_in", yes_no),
                             "appointment_required": _cell(row, "appointment_required", yes_no)}),
        "capacity": capacity or None,
        "sources": [{"source": source, "source_id": listing_id, "file": file}],
        "sample": bool(_cell(row, "sample", yes_no)),
    }
    for dim in eligibility.DIMENSIONS:
        convert = _codes(dim.vocabulary) if dim.vocabulary else CELLS[dim.kind.cell]
        for column, path in zip(dim.columns, dim.listing_paths):
            value = _cell(row, column, convert)
            if value is not None:
                section, key = path.split(".", 1)
                record[section][key] = value
    return record

