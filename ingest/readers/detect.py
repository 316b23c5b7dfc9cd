"""What a path looks like, and which reader to load it with (``lead ingest detect PATH``).

It reads file names, CSV headers and the first JSON objects, never a whole feed, and says what it saw, so
a person can check the guess before a rebuild.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from ingest.readers import hsds_fields as F
from ingest.readers.hsds_csv import TABLES, csv_files
from ingest.readers.hsds_objects import TYPE_OF_NAME, is_object_tree, is_type_keyed, objects_of
from ingest.readers.provider_csv import template_header

HSDS1_TABLES = {"services_at_location", "physical_addresses", "regular_schedules", "service_taxonomy",
                "holiday_schedules", "accessibility_for_disabilities", "payment_accepted", "eligibility"}
HSDS3_TABLES = {"service_at_location", "schedules", "attributes", "taxonomy_terms", "service_capacity", "units",
                "cost_options", "service_areas", "accessibility", "organization_identifiers"}
FEDERAL_MARKS = ("samhsa", "otp", "hrsa", "hospital", "health_center", "n-ssats", "mh", "sa_")


@dataclass
class Detection:
    kind: str | None  # a reader kind of ingest.readers.READERS, or None when nothing fits
    what: str  # what the path looks like, in words
    evidence: list[str] = field(default_factory=list)

    @property
    def command(self) -> str | None:
        return f"lead ingest run {self.kind}:{{path}}" if self.kind else None

    def as_dict(self, path: str) -> dict:
        return {"path": path, "kind": self.kind, "what": self.what, "evidence": self.evidence,
                "command": f"lead ingest run {self.kind}:{path}" if self.kind else None}


def _header(file: Path) -> list[str]:
    try:
        raw = file.read_bytes()[:8192].decode("utf-8-sig", errors="replace")
        return next(csv.reader(io.StringIO(raw)), [])
    except OSError:
        return []


def detect(path: str | Path) -> Detection:
    """The reader kind for ``path`` (a folder or a file) and why."""
    path = Path(path)
    if not path.exists():
        return Detection(None, "no such file or folder")
    if path.is_dir() and is_object_tree(path):
        folders = sorted(p.name for p in path.iterdir() if p.is_dir() and p.name in TYPE_OF_NAME)
        return Detection("hsds3-json", "an HSDS 3.0 API dump, one folder per object type",
                         [f"folders: {', '.join(folders) or 'none'}"] + (["root.json"] if (path / "root.json").exists() else []))
    csvs = csv_files(path) if path.is_dir() else ([path] if path.suffix.lower() == ".csv" else [])
    jsons = sorted(p for p in (path.rglob("*") if path.is_dir() else [path])
                   if p.is_file() and p.suffix.lower() in (".json", ".ndjson", ".jsonl") and p.name != "datapackage.json")
    if csvs:
        return _detect_csv(path, csvs)
    if jsons:
        return _detect_json(jsons)
    return Detection(None, "no CSV or JSON files here")


def _detect_csv(path: Path, csvs: list[Path]) -> Detection:
    stems = {f.stem.lower() for f in csvs}
    nested = sorted({str(f.parent.relative_to(path)) for f in csvs if path.is_dir() and f.parent != path})
    where = [f"tables in {', '.join(nested)}"] if nested else []
    package = next(iter(sorted(path.rglob("datapackage.json"))), None) if path.is_dir() else None
    if package is not None:
        where.append(f"{package.relative_to(path)} ({'empty' if not package.read_text(errors='replace').strip() else 'descriptor'})")
    names = sorted(stems)
    services = next((f for f in csvs if f.stem.lower() in ("services", "service")), None)
    service_header = _header(services) if services else []
    phones = next((f for f in csvs if f.stem.lower() == "phones"), None)
    locations = next((f for f in csvs if f.stem.lower() == "locations"), None)
    ohana_marks = "mail_addresses" in stems or (phones and "number_type" in _header(phones)) or \
        (locations and {"short_desc", "admin_emails"} & set(_header(locations)))
    if locations and services and "location_id" in service_header and ohana_marks and not (
            stems & {"services_at_location", "service_at_location"}):
        return Detection("ohana-csv", "an Ohana API CSV export (services belong to locations)",
                         [f"tables: {', '.join(names)}"] + where)
    if stems & HSDS1_TABLES and not stems & (HSDS3_TABLES - {"eligibility"}):
        return Detection("hsds1-csv", "an HSDS 1.x CSV datapackage", [f"tables: {', '.join(names)}"] + where)
    known = {n for names_ in TABLES.values() for n in names_}
    if stems & known and (services or "organizations" in stems):
        return Detection("hsds3-csv", "an HSDS 3.0 CSV datapackage", [f"tables: {', '.join(names)}"] + where)
    header = _header(csvs[0])
    wanted = set(template_header().split(","))
    if len(wanted & set(header)) >= 5 and {"organization_name", "service_name"} <= set(header):
        return Detection("provider", "a provider spreadsheet (one row per service at a location)",
                         [f"{csvs[0].name}: {len(wanted & set(header))} of the template's columns"])
    if any(any(mark in f.name.lower() for mark in FEDERAL_MARKS) for f in csvs):
        return Detection("federal", "federal facility lists", [f"files: {', '.join(f.name for f in csvs[:6])}"])
    return Detection(None, "CSV files the directory has no reader for", [f"files: {', '.join(f.name for f in csvs[:8])}"])


def _detect_json(files: list[Path]) -> Detection:
    for file in files[:20]:
        try:
            objects = objects_of(file)
        except (OSError, ValueError):
            continue
        first = next((o for o in objects if isinstance(o, dict)), None)
        if first is None:
            continue
        if F.looks_like_ohana_organization(first):
            return Detection("ohana-jsonl", "the Ohana API JSON export, one organisation a line with its locations",
                             [f"{file.name}: {len(objects)} organisations"])
        if F.looks_like_ohana_location(first):
            return Detection("ohana-jsonl", "the Ohana API JSON export, one location a line",
                             [f"{file.name}: {len(objects)} locations"])
        if is_type_keyed(first):
            keys = sorted(k for k in first if k in TYPE_OF_NAME)
            return Detection("hsds3-json", "HSDS 3.0 objects in one file, a list per type", [f"{file.name}: {', '.join(keys)}"])
        if "service_at_locations" in first or "service" in first or isinstance(first.get("services"), list) \
                or ("organization_id" in first and "name" in first):
            shape = "newline-delimited" if file.suffix.lower() in (".ndjson", ".jsonl") else "JSON"
            return Detection("hsds3-json", f"HSDS 3.0 API objects ({shape})", [f"{file.name}: {len(objects)} objects"])
    return Detection(None, "JSON files the directory has no reader for", [f"files: {', '.join(f.name for f in files[:8])}"])
