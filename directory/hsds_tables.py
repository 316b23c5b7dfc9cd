"""The directory as an HSDS 3.0 tabular datapackage (one CSV table per object) or as JSON files.

Tables carry every column of the HSDS 3.0 tabular schema, in its order, plus the HSDS 3.1
``service_capacity`` and ``unit`` tables for capacity. Pure: records in, rows and descriptors out;
``lead export`` writes them.
"""
from __future__ import annotations

from typing import Iterable

from directory import hsds, hsds_terms

# Columns (and Table Schema types) of each table written, as the HSDS 3.0 datapackage defines them.
_S, _N, _D, _T, _DT = "string", "number", "date", "time", "datetime"
COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "organizations": (("id", _S), ("name", _S), ("alternate_name", _S), ("description", _S), ("email", _S),
                      ("website", _S), ("tax_status", _S), ("tax_id", _S), ("year_incorporated", _N),
                      ("legal_status", _S), ("logo", _S), ("uri", _S), ("parent_organization_id", _S)),
    "services": (("id", _S), ("organization_id", _S), ("program_id", _S), ("name", _S), ("alternate_name", _S),
                 ("description", _S), ("url", _S), ("email", _S), ("status", _S), ("interpretation_services", _S),
                 ("application_process", _S), ("fees_description", _S), ("wait_time", _S), ("fees", _S),
                 ("accreditations", _S), ("eligibility_description", _S), ("minimum_age", _N), ("maximum_age", _N),
                 ("assured_date", _D), ("assurer_email", _S), ("licenses", _S), ("alert", _S),
                 ("last_modified", _DT)),
    "locations": (("id", _S), ("location_type", _S), ("url", _S), ("organization_id", _S), ("name", _S),
                  ("alternate_name", _S), ("description", _S), ("transportation", _S), ("latitude", _N),
                  ("longitude", _N), ("external_identifier", _S), ("external_identifier_type", _S)),
    "service_at_location": (("id", _S), ("service_id", _S), ("location_id", _S), ("description", _S)),
    "addresses": (("id", _S), ("location_id", _S), ("attention", _S), ("address_1", _S), ("address_2", _S),
                  ("city", _S), ("region", _S), ("state_province", _S), ("postal_code", _S), ("country", _S),
                  ("address_type", _S)),
    "phones": (("id", _S), ("location_id", _S), ("service_id", _S), ("organization_id", _S), ("contact_id", _S),
               ("service_at_location_id", _S), ("number", _S), ("extension", _N), ("type", _S),
               ("description", _S)),
    "schedules": (("id", _S), ("service_id", _S), ("location_id", _S), ("service_at_location_id", _S),
                  ("valid_from", _D), ("valid_to", _D), ("dtstart", _D), ("timezone", _N), ("until", _D),
                  ("count", _N), ("wkst", _S), ("freq", _S), ("interval", _N), ("byday", _S), ("byweekno", _S),
                  ("bymonthday", _S), ("byyearday", _S), ("description", _S), ("opens_at", _T), ("closes_at", _T),
                  ("schedule_link", _S), ("attending_type", _S), ("notes", _S)),
    "languages": (("id", _S), ("service_id", _S), ("location_id", _S), ("phone_id", _S), ("name", _S),
                  ("code", _S), ("note", _S)),
    "required_documents": (("id", _S), ("service_id", _S), ("document", _S), ("uri", _S)),
    "attributes": (("id", _S), ("link_id", _S), ("taxonomy_term_id", _S), ("link_type", _S), ("link_entity", _S),
                   ("value", _S)),
    "taxonomies": (("id", _S), ("name", _S), ("description", _S), ("uri", _S), ("version", _S)),
    "taxonomy_terms": (("id", _S), ("code", _S), ("name", _S), ("description", _S), ("parent_id", _S),
                       ("taxonomy", _S), ("language", _S), ("taxonomy_id", _S), ("term_uri", _S)),
    "contacts": (("id", _S), ("organization_id", _S), ("service_id", _S), ("service_at_location_id", _S),
                 ("location_id", _S), ("name", _S), ("title", _S), ("department", _S), ("email", _S)),
    "service_areas": (("id", _S), ("service_id", _S), ("name", _S), ("description", _S), ("extent", _S),
                      ("extent_type", _S), ("uri", _S)),
    "funding": (("id", _S), ("organization_id", _S), ("service_id", _S), ("source", _S)),
    "accessibility": (("id", _S), ("location_id", _S), ("description", _S), ("details", _S), ("url", _S)),
    # HSDS 3.1
    "service_capacity": (("id", _S), ("service_id", _S), ("unit_id", _S), ("available", _N), ("maximum", _N),
                         ("description", _S), ("updated", _DT)),
    "units": (("id", _S), ("name", _S), ("scheme", _S), ("identifier", _S), ("uri", _S)),
}
# The HSDS object each table holds (the tabular schema's names).
OBJECTS = {"organizations": "organization", "services": "service", "locations": "location",
           "service_at_location": "service_at_location", "addresses": "address", "phones": "phone",
           "schedules": "schedule", "languages": "language", "required_documents": "required_document",
           "attributes": "attribute", "taxonomies": "taxonomy", "taxonomy_terms": "taxonomy_term",
           "service_capacity": "service_capacity", "units": "unit", "contacts": "contact",
           "service_areas": "service_area", "funding": "funding", "accessibility": "accessibility"}


def tables(records: Iterable[dict]) -> dict[str, list[dict]]:
    """Rows of every table for these listing records (each object once, in a stable order)."""
    out: dict[str, dict[str, dict]] = {name: {} for name in COLUMNS}

    def put(table: str, row: dict) -> None:
        out[table].setdefault(row["id"], row)

    for record in records:
        service = hsds.service_full(record)
        put("organizations", service["organization"])
        put("services", hsds.service_basic(record))
        for sal in service["service_at_locations"]:
            location = sal["location"]
            for address in location.get("addresses", []):
                put("addresses", address)
            put("locations", {k: v for k, v in location.items() if k not in ("addresses", "languages", "accessibility")})
            for row in location.get("languages", []):
                put("languages", row)
            for row in location.get("accessibility", []):
                put("accessibility", row)
            put("service_at_location", {k: sal[k] for k in ("id", "service_id", "location_id")})
            for row in sal.get("schedules", []):
                put("schedules", row)
        for key, table in (("schedules", "schedules"), ("phones", "phones"), ("languages", "languages"),
                           ("required_documents", "required_documents"), ("service_areas", "service_areas"),
                           ("funding", "funding")):
            for row in service.get(key, []):
                put(table, {k: v for k, v in row.items() if k != "languages"})
                for language in row.get("languages", []) if key == "phones" else []:
                    put("languages", language)
        for contact in service.get("contacts", []):
            put("contacts", {k: v for k, v in contact.items() if k != "phones"})
            for phone in contact.get("phones", []):
                put("phones", {k: v for k, v in phone.items() if k != "languages"})
        for attribute in service.get("attributes", []):
            put("attributes", {k: v for k, v in attribute.items() if k != "taxonomy_term"})
        for capacity in service.get("capacities", []):
            put("units", capacity["unit"])
            put("service_capacity", {k: v for k, v in capacity.items() if k != "unit"})
    for taxonomy in hsds_terms.TAXONOMIES:
        put("taxonomies", taxonomy.as_hsds())
    for term in hsds_terms.all_terms():
        put("taxonomy_terms", term)
    return {name: list(rows.values()) for name, rows in out.items()}


# A spreadsheet runs a cell that starts with one of these (=HYPERLINK(...), @SUM(...), -2+3, and a tab or
# carriage return before them); listings carry text from imports and provider edits, so the export never
# writes such a cell as it is.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def text_cell(value: str) -> str:
    """A text cell no spreadsheet would run: text starting with a formula character gets a leading
    apostrophe (which spreadsheets read as "this is text" and do not show). Text that already starts with an
    apostrophe before one of those, or before another apostrophe, gets one more, so ``read_text_cell`` can
    always take exactly one off."""
    if value.startswith(FORMULA_START) or (value.startswith("'") and value[1:2] in (*FORMULA_START, "'")
                                           and len(value) > 1):
        return "'" + value
    return value


def read_text_cell(value: str) -> str:
    """The text ``text_cell`` was given (importing our own export)."""
    if len(value) > 1 and value[0] == "'" and value[1] in (*FORMULA_START, "'"):
        return value[1:]
    return value


def cell(value: object, kind: str = "string") -> str:
    """One CSV cell of a column of this Table Schema type: numbers as numbers, text made safe to open."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if kind == "number" and isinstance(value, (int, float)):
        return str(value)
    return text_cell(str(value))


def datapackage(names: Iterable[str]) -> dict:
    """The Frictionless tabular datapackage descriptor of the tables written."""
    return {
        "name": "lead-directory-hsds", "title": "LEAD service directory (Open Referral HSDS 3.0)",
        "profile": "tabular-data-package", "version": "3.0.0",
        "description": "Each listing is one HSDS service with one service_at_location; needs, eligibility and "
                       "directory fields are attributes under the lead-needs, lead-eligibility and lead-directory "
                       "taxonomies; capacity is HSDS 3.1 service_capacity.",
        "resources": [{"name": OBJECTS[name], "path": f"{name}.csv", "profile": "tabular-data-resource",
                       "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
                       "schema": {"fields": [{"name": c, "type": t} for c, t in COLUMNS[name]], "primaryKey": "id"}}
                      for name in names],
    }


def json_package(records: list[dict]) -> dict[str, dict]:
    """The JSON form: every service fully nested, organizations with their services, our taxonomies."""
    services = [hsds.service_full(r) for r in records]
    organizations = hsds.organizations(records)
    taxonomies = [t.as_hsds() for t in hsds_terms.TAXONOMIES]
    terms = hsds_terms.all_terms()
    files = {"services.json": hsds.page(services, len(services), 1, len(services) or 1),
             "organizations.json": hsds.page(organizations, len(organizations), 1, len(organizations) or 1),
             "taxonomies.json": hsds.page(taxonomies, len(taxonomies), 1, len(taxonomies)),
             "taxonomy_terms.json": hsds.page(terms, len(terms), 1, len(terms))}
    files["datapackage.json"] = {
        "name": "lead-directory-hsds-json", "profile": "data-package", "version": "3.0.0",
        "description": "HSDS 3.0 API objects: services.json holds every service fully nested (read it back with "
                       "`lead ingest run hsds3-json:DIR`).",
        "resources": [{"name": name[:-5], "path": name, "format": "json", "mediatype": "application/json"}
                      for name in files]}
    return files
