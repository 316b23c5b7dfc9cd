"""HSDS CSV datapackages: 3.0 (``service_at_location``, ``schedules``, ``attributes``, 3.1 ``service_capacity``)
and 1.x (``services_at_location``, ``physical_addresses``, ``regular_schedules``, ``service_taxonomy``,
``eligibility``), and the variations real feeds have: a table whose id column has another name
(``taxonomy_id``), blank service-at-location ids, no service-at-location table at all, hours given
for a location, phones given for an organisation, taxonomy ids and keywords on the service row.

Tables are read into the nested shape ``hsds.service_records`` takes. A folder that is not HSDS at
all, or is another known layout (Ohana), is rejected as a whole with a reason that says which.
"""
from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from pathlib import Path
from typing import Iterator

from directory.hsds_tables import read_text_cell
from ingest.readers import hsds_fields as F
from ingest.readers.hsds import service_records
from ingest.records import Candidate, ReadItem, Rejection, text

# Table names of either version, and the other names real feeds give a table's own id column.
TABLES = {
    "organization": ("organization", "organizations"),
    "service": ("service", "services"),
    "location": ("location", "locations"),
    "service_at_location": ("service_at_location", "service_at_locations", "services_at_location",
                            "services_at_locations"),
    "address": ("address", "addresses", "physical_address", "physical_addresses"),
    "phone": ("phone", "phones"),
    "schedule": ("schedule", "schedules", "regular_schedule", "regular_schedules"),
    "language": ("language", "languages"),
    "required_document": ("required_document", "required_documents"),
    "taxonomy_term": ("taxonomy_term", "taxonomy_terms", "taxonomy"),
    "attribute": ("attribute", "attributes"),
    "service_taxonomy": ("service_taxonomy",),
    "eligibility": ("eligibility",),
    "service_capacity": ("service_capacity", "service_capacities"),
    "unit": ("unit", "units"),
    # Kept for the listing (ingest.readers.hsds_keep): 1.x and 3.0 names.
    "holiday_schedule": ("holiday_schedule", "holiday_schedules"),
    "contact": ("contact", "contacts"),
    "service_area": ("service_area", "service_areas"),
    "accessibility": ("accessibility", "accessibility_for_disabilities", "accessibilities"),
    "funding": ("funding", "fundings"),
    "payment_accepted": ("payment_accepted", "payments_accepted", "payment_accepteds"),
}
ID_ALIASES = {"taxonomy_term": ("taxonomy_id", "taxonomy_term_id", "term_id", "code"),
              "organization": ("organization_id",), "service": ("service_id",), "location": ("location_id",)}
OHANA_CSV = ("this looks like an Ohana API CSV export (services belong to locations, no services_at_location "
             "table), not an HSDS datapackage; load it as ohana-csv:PATH")


class TableError(ValueError):
    pass


def _read_csv(file: Path) -> list[dict]:
    try:
        raw = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raw = file.read_text(encoding="latin-1")
    # A text our export wrote behind an apostrophe (it would run as a formula in a spreadsheet) is read back
    # as it was (directory.hsds_tables.text_cell).
    return [{k: read_text_cell(v) if isinstance(v, str) else v for k, v in row.items()}
            for row in csv.DictReader(io.StringIO(raw, newline=""))
            if any((v or "").strip() for v in row.values() if isinstance(v, str))]


def load_tables(folder: Path) -> tuple[dict[str, list[dict]], dict[str, list[str]], list[str]]:
    """(rows by our table name, header by table name, warnings)."""
    files: dict[str, Path] = {}
    warnings: list[str] = []
    packages = sorted(folder.rglob("datapackage.json"), key=lambda p: (len(p.parts), str(p)))
    for package in packages[:1]:
        try:
            descriptor = json.loads(package.read_text(encoding="utf-8-sig") or "null")
        except ValueError as exc:
            descriptor = None
            warnings.append(f"{package.relative_to(folder)} is not readable JSON ({exc}); tables read by file name")
        if descriptor is None or not isinstance(descriptor, dict) or not descriptor.get("resources"):
            if descriptor is None or isinstance(descriptor, dict):
                warnings.append(f"{package.relative_to(folder)} lists no tables; tables read by file name")
            descriptor = {}
        for res in descriptor.get("resources") or []:
            if isinstance(res, dict) and isinstance(res.get("path"), str) and (package.parent / res["path"]).is_file():
                files.setdefault(str(res.get("name")), package.parent / res["path"])
    # Tables by file name: at the top first, then in sub-folders (data/, v1/...), the shallowest of a name winning.
    for file in csv_files(folder):
        if file.stem in files and files[file.stem] != file and file.parent != folder:
            warnings.append(f"{file.relative_to(folder)} left out: {files[file.stem].relative_to(folder)} "
                            "is read as that table")
            continue
        files.setdefault(file.stem, file)
    nested = sorted({str(f.parent.relative_to(folder)) for f in files.values() if f.parent != folder})
    if nested:
        warnings.append(f"tables read from the sub-folder{'s' if len(nested) > 1 else ''} {', '.join(nested)}")
    tables: dict[str, list[dict]] = {}
    headers: dict[str, list[str]] = {}
    for ours, names in TABLES.items():
        name = next((n for n in names if n in files), None)
        if name is None:
            continue
        rows = _read_csv(files[name])
        header = list(rows[0]) if rows else []
        if rows and "id" not in header and ours in ID_ALIASES:
            alias = next((a for a in ID_ALIASES[ours] if a in header), None)
            if alias is None:
                raise TableError(f"{files[name].name} has no id column (nor {', '.join(ID_ALIASES[ours])})")
            warnings.append(f"{files[name].name} has no id column; its {alias} column is read as the id")
            rows = [{**r, "id": r.get(alias)} for r in rows]
        tables[ours], headers[ours] = rows, header
    return tables, headers, warnings


def csv_files(folder: Path) -> list[Path]:
    """The CSV files of a feed folder: its own, then its sub-folders', shallowest first (stable order)."""
    return sorted(folder.rglob("*.csv"), key=lambda p: (len(p.relative_to(folder).parts), str(p)))


def _by(rows: list[dict], key: str) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        if text(row.get(key)):
            out[row[key].strip()].append(row)
    return out


def _blank(row: dict, *keys: str) -> bool:
    return all(not text(row.get(k)) for k in keys)


def read_hsds_csv(path: str | Path, *, source: str = "hsds-csv") -> Iterator[ReadItem]:
    """An HSDS CSV datapackage (a folder, or any file in it), version 3.0 or 1.x."""
    path = Path(path)
    folder = path.parent if path.is_file() else path
    where = str(folder)
    if not folder.is_dir():
        yield Rejection(where, "-", "_file", "no such folder")
        return
    try:
        tables, headers, warnings = load_tables(folder)
    except (TableError, csv.Error, OSError) as exc:
        yield Rejection(where, "-", "_file", str(exc))
        return
    found = [str(p.relative_to(folder)) for p in csv_files(folder)]
    if "service" not in tables and "organization" not in tables and "location" not in tables:
        yield Rejection(where, "-", "_file", "not an HSDS datapackage: no services, organizations or locations "
                                             f"table (found: {', '.join(found) or 'no CSV files'})")
        return
    if _ohana(tables, headers, folder):
        yield Rejection(where, "-", "_file", OHANA_CSV)
        return
    if not tables.get("service"):
        yield Rejection(where, "-", "services", "no services table, or it is empty: nothing to list")
        return
    missing = [c for c in ("id", "name") if c not in headers["service"]]
    if missing:
        yield Rejection(where, "-", "services", f"the services table has no {' or '.join(missing)} column")
        return
    yield from _services(tables, headers, source=source, file=where, warnings=warnings)


def _ohana(tables: dict, headers: dict, folder: Path) -> bool:
    if "service_at_location" in tables:
        return False
    service_on_location = "location_id" in headers.get("service", [])
    ohana_marks = (folder / "mail_addresses.csv").exists() or "number_type" in headers.get("phone", []) or \
        bool({"short_desc", "admin_emails"} & set(headers.get("location", [])))
    return service_on_location and ohana_marks


def _services(tables: dict, headers: dict, *, source: str, file: str, warnings: list[str]) -> Iterator[ReadItem]:
    file_warnings = list(warnings)
    orgs = {r["id"].strip(): r for r in tables.get("organization", []) if text(r.get("id"))}
    locations = {r["id"].strip(): dict(r) for r in tables.get("location", []) if text(r.get("id"))}
    terms = {r["id"].strip(): r for r in tables.get("taxonomy_term", []) if text(r.get("id"))}
    units = {r["id"].strip(): r for r in tables.get("unit", []) if text(r.get("id"))}
    addresses = _by(tables.get("address", []), "location_id")
    phones, schedules = tables.get("phone", []), tables.get("schedule", [])
    sal_table = "service_at_location" in tables
    sals_by_service = _by(tables.get("service_at_location", []), "service_id")
    attributes = _by(tables.get("attribute", []), "link_id")
    languages = _by(tables.get("language", []), "service_id")
    location_languages = _by([r for r in tables.get("language", []) if _blank(r, "service_id", "phone_id")],
                             "location_id")
    phone_languages = _by(tables.get("language", []), "phone_id")
    holidays = tables.get("holiday_schedule", [])
    contacts = tables.get("contact", [])
    areas = _by(tables.get("service_area", []), "service_id")
    access = _by(tables.get("accessibility", []), "location_id")
    funding = tables.get("funding", [])
    payments = _by(tables.get("payment_accepted", []), "service_id")
    documents = _by(tables.get("required_document", []), "service_id")
    service_taxonomy = _by(tables.get("service_taxonomy", []), "service_id")
    eligibility = _by(tables.get("eligibility", []), "service_id")
    capacities = _by(tables.get("service_capacity", []), "service_id")
    locations_of_org = _by(list(locations.values()), "organization_id")
    # Links a feed without service_at_location rows gives another way: hours or phones of a service at a location.
    implied: dict[str, set[str]] = defaultdict(set)
    for row in schedules + phones:
        if text(row.get("service_id")) and text(row.get("location_id")):
            implied[row["service_id"].strip()].add(row["location_id"].strip())

    for p in phones:
        if text(p.get("id")) and phone_languages.get(p["id"].strip()):
            p["languages"] = [r.get("name") or r.get("code") or r.get("language")
                              for r in phone_languages[p["id"].strip()]]
    contact_phones = _by(phones, "contact_id")
    for c in contacts:
        c["phones"] = contact_phones.get((c.get("id") or "").strip(), [])
    for loc_id, loc in locations.items():
        loc["languages"] = [r.get("name") or r.get("code") or r.get("language") for r in location_languages.get(loc_id, [])]
        loc["accessibility"] = [{**a, "description": a.get("description") or a.get("accessibility")}
                                for a in access.get(loc_id, [])]
        loc["holiday_schedules"] = [h for h in holidays if (h.get("location_id") or "").strip() == loc_id
                                    and _blank(h, "service_id", "service_at_location_id")]
        loc["contacts"] = [c for c in contacts if (c.get("location_id") or "").strip() == loc_id
                           and _blank(c, "service_id", "service_at_location_id", "organization_id")]
        loc["addresses"] = [{**a, "address_type": a.get("address_type") or "physical"} for a in addresses.get(loc_id, [])]
        loc["phones"] = [p for p in phones if (p.get("location_id") or "").strip() == loc_id
                         and _blank(p, "service_id", "service_at_location_id", "contact_id")]
        loc["schedules"] = [s for s in schedules if (s.get("location_id") or "").strip() == loc_id
                            and _blank(s, "service_id", "service_at_location_id")]

    for line, svc in enumerate(tables["service"], start=2):
        svc = dict(svc)
        sid = (svc.get("id") or "").strip()
        if not sid:
            yield Rejection(file, f"services row {line}", "id", "the service has no id")
            continue
        org = dict(orgs.get((svc.get("organization_id") or "").strip()) or {})
        org["phones"] = [p for p in phones if (p.get("organization_id") or "").strip() == org.get("id")
                         and _blank(p, "service_id", "location_id", "service_at_location_id", "contact_id")]
        org["funding"] = [f for f in funding if org.get("id") and (f.get("organization_id") or "").strip() == org["id"]
                          and _blank(f, "service_id")]
        if not org.get("id") and text(svc.get("organization_id")):
            org["id"] = svc["organization_id"].strip()  # not in the organisations table: kept as given
        svc["attributes"] = [{"taxonomy_term": terms.get((a.get("taxonomy_term_id") or "").strip()) or {},
                              "value": a.get("value")} for a in attributes.get(sid, [])
                             if (a.get("link_entity") or "service").strip().lower() in ("service", "")]
        names = [terms[t["taxonomy_id"].strip()]["name"] for t in service_taxonomy.get(sid, [])
                 if (t.get("taxonomy_id") or "").strip() in terms]
        for tid in F.split_list(svc.get("taxonomy_ids")):
            names.append(terms[tid]["name"] if tid in terms else tid)
        svc["_taxonomy_names"] = [n for n in names if n]
        svc["_keywords"] = F.split_list(svc.get("keywords"))
        svc["languages"] = languages.get(sid, []) + F.split_list(svc.get("languages"))
        svc["holiday_schedules"] = [h for h in holidays if (h.get("service_id") or "").strip() == sid
                                    and _blank(h, "service_at_location_id")]
        svc["contacts"] = [c for c in contacts if (c.get("service_id") or "").strip() == sid
                           and _blank(c, "service_at_location_id")]
        svc["service_areas"] = [{**a, "name": a.get("name") or a.get("service_area")} for a in areas.get(sid, [])]
        svc["funding"] = [f for f in funding if (f.get("service_id") or "").strip() == sid]
        svc["payment_accepted"] = payments.get(sid, [])
        svc["required_documents"] = documents.get(sid, [])
        elig_rows = eligibility.get(sid, [])
        svc["_eligibility"] = [r.get("eligibility") for r in elig_rows if text(r.get("eligibility"))]
        if text(svc.get("eligibility")):
            svc["_eligibility"].append(svc["eligibility"])
        for r in elig_rows:
            for key in ("minimum_age", "maximum_age", "age_min", "age_max"):
                if text(r.get(key)) and not text(svc.get(key)):
                    svc[key] = r[key]
        if not text(svc.get("eligibility_description")) and svc["_eligibility"]:
            svc["eligibility_description"] = "; ".join(svc["_eligibility"])
        svc["capacities"] = [{**c, "unit": units.get((c.get("unit_id") or "").strip(), {})}
                             for c in capacities.get(sid, [])]
        svc["phones"] = [p for p in phones if (p.get("service_id") or "").strip() == sid
                         and _blank(p, "service_at_location_id", "location_id")]
        svc["schedules"] = [s for s in schedules if (s.get("service_id") or "").strip() == sid
                            and _blank(s, "service_at_location_id", "location_id")]

        svc_warnings: list[str] = []
        links = [dict(s) for s in sals_by_service.get(sid, [])]
        if not links:
            loc_ids = sorted({(svc.get("location_id") or "").strip()} - {""}) or sorted(implied.get(sid, ()))
            how = "its location_id column" if text(svc.get("location_id")) else "its hours or phones at a location"
            if not loc_ids and not sal_table and len(locations_of_org.get(org.get("id") or "", [])) == 1:
                loc_ids = [locations_of_org[org["id"]][0]["id"].strip()]
                how = "its organisation's only location"
            if loc_ids:
                svc_warnings.append(f"no service_at_location row; located by {how}")
            links = [{"id": None, "service_id": sid, "location_id": lid} for lid in loc_ids]
        sals = []
        for sal in links:
            lid = (sal.get("location_id") or "").strip()
            sal_id = (sal.get("id") or "").strip()
            sal["id"] = sal_id or None
            sal["location"] = locations.get(lid, {"id": lid or None})
            sal["contacts"] = [c for c in contacts if sal_id and (c.get("service_at_location_id") or "").strip() == sal_id]
            sal["phones"] = [p for p in phones if sal_id and (p.get("service_at_location_id") or "").strip() == sal_id
                             or ((p.get("service_id") or "").strip() == sid and (p.get("location_id") or "").strip() == lid
                                 and lid)]
            sal["schedules"] = [s for s in schedules
                                if sal_id and (s.get("service_at_location_id") or "").strip() == sal_id] or \
                [s for s in schedules if lid and (s.get("service_id") or "").strip() == sid
                 and (s.get("location_id") or "").strip() == lid and _blank(s, "service_at_location_id")]
            sals.append(sal)
        for item in service_records(svc, org, sals, source=source, file=file):
            if isinstance(item, Candidate):
                item.warnings[:0] = svc_warnings + file_warnings
                file_warnings = []  # said once, on the first listing
            yield item
