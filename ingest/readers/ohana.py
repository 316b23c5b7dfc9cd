"""The Ohana API layouts older deployments still export: its CSV folder and its JSON(-lines) locations.

Ohana attaches services to a *location* (``services.location_id``); each location has one address,
phones and regular schedules, and belongs to an organisation. Both layouts are read into the nested
HSDS shape and listed through ``hsds.service_records``, one listing per service at its location.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

from ingest.readers import hsds_fields as F
from ingest.readers.hsds import service_records
from ingest.readers.hsds_csv import _read_csv
from ingest.records import ReadItem, Rejection, text

NOT_OHANA_CSV = "not an Ohana CSV export: it needs locations.csv and services.csv (with location_id)"


def _service(svc: dict) -> dict:
    """An Ohana service as an HSDS service (keywords, categories and eligibility kept for reading)."""
    out = dict(svc)
    out["url"] = svc.get("website") or svc.get("url")
    out["_keywords"] = F.split_list(svc.get("keywords"))
    names = [c.get("name") for c in svc.get("categories") or [] if isinstance(c, dict)]
    out["_taxonomy_names"] = [n for n in names if n] + F.split_list(svc.get("taxonomy_ids"))
    out["languages"] = F.split_list(svc.get("languages"))
    out["_eligibility"] = F.split_list(svc.get("eligibility")) if isinstance(svc.get("eligibility"), list) else \
        [svc["eligibility"]] if text(svc.get("eligibility")) else []
    if out["_eligibility"] and not text(svc.get("eligibility_description")):
        out["eligibility_description"] = "; ".join(out["_eligibility"])
    out["required_documents"] = F.split_list(svc.get("required_documents"))
    out["fees_description"] = svc.get("fees")
    out["schedules"] = svc.get("regular_schedules") or svc.get("schedules") or []
    out["holiday_schedules"] = svc.get("holiday_schedules") or []
    out["funding"] = F.split_list(svc.get("funding_sources"))
    out["payment_accepted"] = F.split_list(svc.get("accepted_payments"))
    out["service_areas_text"] = F.split_list(svc.get("service_areas"))
    out.pop("service_areas", None)
    out["contacts"] = svc.get("contacts") if isinstance(svc.get("contacts"), list) else []
    return out


def _location(loc: dict, address: dict | None) -> dict:
    out = dict(loc)
    out["addresses"] = [address] if address else []
    # Ohana writes accessibility as words ("wheelchair", "ramp") and languages as names, both lists.
    out["accessibility_text"] = F.split_list(loc.get("accessibility"))
    out.pop("accessibility", None)
    out["languages"] = F.split_list(loc.get("languages"))
    out["holiday_schedules"] = loc.get("holiday_schedules") or []
    out["contacts"] = loc.get("contacts") if isinstance(loc.get("contacts"), list) else []
    if str(loc.get("virtual") or "").lower() in ("true", "1", "yes"):
        out["location_type"] = "virtual"
    return out


# ----- CSV ------------------------------------------------------------------------------------------
def read_ohana_csv(path: str | Path, *, source: str = "ohana") -> Iterator[ReadItem]:
    folder = Path(path)
    folder = folder.parent if folder.is_file() else folder
    if not (folder / "locations.csv").exists() or not (folder / "services.csv").exists():
        yield Rejection(str(folder), "-", "_file", NOT_OHANA_CSV)
        return
    table = {name: _read_csv(folder / f"{name}.csv") if (folder / f"{name}.csv").exists() else []
             for name in ("organizations", "locations", "addresses", "services", "phones", "regular_schedules")}
    if table["services"] and "location_id" not in table["services"][0]:
        yield Rejection(str(folder), "-", "_file", NOT_OHANA_CSV)
        return
    orgs = {r["id"]: r for r in table["organizations"] if text(r.get("id"))}
    addresses = {r["location_id"]: r for r in table["addresses"] if text(r.get("location_id"))}
    locations = {r["id"]: r for r in table["locations"] if text(r.get("id"))}
    phones, schedules = table["phones"], table["regular_schedules"]
    for line, row in enumerate(table["services"], start=2):
        sid = text(row.get("id"))
        if not sid:
            yield Rejection(str(folder), f"services row {line}", "id", "the service has no id")
            continue
        loc_row = locations.get((row.get("location_id") or "").strip())
        if loc_row is None:
            yield Rejection(str(folder), sid, "location_id", f"no location {row.get('location_id')!r} in locations.csv")
            continue
        loc = _location(loc_row, addresses.get(loc_row["id"]))
        loc["phones"] = [p for p in phones if p.get("location_id") == loc_row["id"] and not text(p.get("service_id"))]
        loc["schedules"] = [s for s in schedules if s.get("location_id") == loc_row["id"]
                            and not text(s.get("service_id"))]
        org = dict(orgs.get(loc_row.get("organization_id")) or {})
        org["phones"] = [p for p in phones if p.get("organization_id") == org.get("id")
                         and not text(p.get("location_id")) and not text(p.get("service_id"))]
        svc = _service(row)
        svc["phones"] = [p for p in phones if p.get("service_id") == sid]
        svc["schedules"] = [s for s in schedules if s.get("service_id") == sid]
        yield from service_records(svc, org, [{"id": sid, "location": loc}], source=source, file=str(folder))


# ----- JSON lines -----------------------------------------------------------------------------------
def read_ohana_json(path: str | Path, *, source: str = "ohana") -> Iterator[ReadItem]:
    """Ohana API locations, one JSON object a line (or a JSON array of them)."""
    path = Path(path)
    files = sorted(p for p in path.iterdir() if p.suffix.lower() in (".json", ".jsonl", ".ndjson")) \
        if path.is_dir() else [path]
    for file in files:
        try:
            raw = file.read_text(encoding="utf-8-sig")
            stripped = raw.lstrip()
            objects: list[Any] = json.loads(raw) if stripped.startswith("[") else \
                [json.loads(line) for line in raw.splitlines() if line.strip()]
        except (OSError, ValueError) as exc:
            yield Rejection(str(file), "-", "_file", f"not readable JSON lines: {exc}")
            continue
        # The export writes one organisation a line with its locations nested, or one location a line with
        # its organisation nested: both become (location, organisation) pairs.
        pairs: list[Any] = []
        for obj in objects:
            if F.looks_like_ohana_organization(obj):
                org = {k: v for k, v in obj.items() if k != "locations"}
                pairs.extend({**loc, "organization": org, "_from_org": True} if isinstance(loc, dict) else loc
                             for loc in obj["locations"])
            else:
                pairs.append(obj)
        for n, obj in enumerate(pairs, start=1):
            nested = isinstance(obj, dict) and obj.pop("_from_org", False) and isinstance(obj.get("services"), list)
            if not (nested or F.looks_like_ohana_location(obj)):
                yield Rejection(str(file), f"line {n}", "_object",
                                "not an Ohana location (expected organization, address and services)")
                continue
            loc = _location(obj, obj.get("address"))
            loc["schedules"] = obj.get("regular_schedules") or []
            org = obj["organization"]
            for svc in obj["services"]:
                if not isinstance(svc, dict):
                    continue
                hsds_svc = _service(svc)
                hsds_svc["phones"] = svc.get("phones") or []
                sal = {"id": f"{obj.get('id')}.{svc.get('id')}", "location": loc}
                yield from service_records(hsds_svc, org, [sal], source=source, file=str(file))
