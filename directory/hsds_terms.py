"""Our own HSDS taxonomies, and HSDS identifiers for our records.

HSDS 3.0 identifies every object by a UUID; the directory's ids are readable strings
(``seed-00001``, ``hsds3:<uuid>``). Each HSDS id is derived from ours with UUIDv5 (an id that
already is a UUID is kept), so the same listing has the same HSDS ids in every export and in the API.

What HSDS has no field for travels as HSDS ``attribute`` objects under three taxonomies of ours:

- ``lead-needs``: the need taxonomy (``directory.taxonomy``), one term per need code, with parents.
  Every listing carries one attribute per leaf need.
- ``lead-eligibility``: one term per eligibility dimension of ``directory.eligibility`` (ages travel
  in the service's own ``minimum_age`` / ``maximum_age``). A list dimension gives one attribute per
  value; a stated empty list is the single value ``none``; yes/no dimensions are ``true``/``false``.
  A dimension that is not stated has no attribute.
- ``lead-directory``: the directory's own ids, hours as written, geocoding quality, walk-in and
  appointment flags, the capacity facts HSDS 3.1 ``service_capacity`` has no field for, the sample
  flag and the source feed's taxonomy terms, so an export imports back into the same listings.
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any, Iterable

from directory import eligibility, taxonomy

# Fixed for ever: changing it changes every HSDS id the directory has published.
NAMESPACE = uuid.UUID("2b564565-1547-4e2b-8690-cbb9be50f7d6")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

NEEDS = "lead-needs"
ELIGIBILITY = "lead-eligibility"
DIRECTORY = "lead-directory"


def is_uuid(value: Any) -> bool:
    return isinstance(value, str) and bool(_UUID.match(value))


def hsds_id(kind: str, value: Any) -> str:
    """The HSDS id of one of our objects: the id itself when it is a UUID, else a UUIDv5 of kind and id."""
    text = str(value)
    if is_uuid(text):
        return text.lower()
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{text}"))


@dataclass(frozen=True)
class Taxonomy:
    name: str
    description: str

    @property
    def id(self) -> str:
        return hsds_id("taxonomy", self.name)

    def as_hsds(self) -> dict:
        return {"id": self.id, "name": self.name, "description": self.description, "version": "1"}


TAXONOMIES: tuple[Taxonomy, ...] = (
    Taxonomy(NEEDS, "LEAD service directory needs: what a service offers, as dotted codes "
                    "(substance_use.withdrawal_management); a parent need includes its children."),
    Taxonomy(ELIGIBILITY, "LEAD service directory eligibility: who a service serves, one term per rule. "
                          "A list rule has one attribute per value ('none': stated, none); yes/no rules "
                          "are 'true' or 'false'; a rule that is not stated has no attribute."),
    Taxonomy(DIRECTORY, "LEAD service directory fields HSDS has no place for: the directory's own ids, "
                        "hours as written, geocoding quality, access and capacity details."),
)
TAXONOMY_BY_NAME = {t.name: t for t in TAXONOMIES}

# lead-directory terms: code -> (name, description, kind); kind tells how the value is written.
DIRECTORY_TERMS: dict[str, tuple[str, str, str]] = {
    "listing_id": ("Listing id", "The directory's id of this service at this location", "text"),
    "service_id": ("Service id", "The directory's (or the source feed's) id of the service", "text"),
    "organization_id": ("Organisation id", "The directory's id of the organisation", "text"),
    "location_id": ("Location id", "The directory's id of the location", "text"),
    "hours": ("Hours as written", "Opening hours in the directory's notation ('Mo-Fr 08:00-17:00', '24/7'); "
                                 "the schedules say the same in HSDS form", "text"),
    "geocode_quality": ("Geocoding quality", "How the coordinates were found: provided, cache, geocoder, "
                                             "zip_centroid, town_centroid or none", "text"),
    "walk_in": ("Walk-in", "Walk-ins are welcome", "bool"),
    "appointment_required": ("Appointment required", "An appointment is needed", "bool"),
    "sample": ("Sample data", "Fictional sample data, not a real program", "bool"),
    "source_term": ("Source taxonomy term", "A taxonomy term the source feed gave this service", "list"),
    "capacity_available": ("Capacity available", "Units available (when not given as service_capacity)", "int"),
    "capacity_maximum": ("Capacity maximum", "Maximum units (when not given as service_capacity)", "int"),
    "capacity_unit": ("Capacity unit", "beds, slots, appointments or spaces", "text"),
    "capacity_updated_at": ("Capacity updated", "When the capacity was last confirmed (ISO 8601)", "text"),
    "capacity_waitlist": ("Waitlist", "People on the waiting list", "int"),
    "capacity_wait_days": ("Wait in days", "Estimated wait in days", "int"),
    "capacity_accepting_new_clients": ("Accepting new clients", "The program takes new clients", "bool"),
    "capacity_updated_by": ("Capacity updated by", "Who last confirmed the capacity", "text"),
    "capacity_unit_name": ("Capacity unit as given", "The source feed's own unit, when it is none of ours "
                                                     "(capacity_unit is then 'other')", "text"),
    "location_name": ("Location name", "The name of a service's virtual location (a phone line, a website): a "
                                       "service with no site has no service_at_location to carry it", "text"),
    "audience": ("Audience", "Who the service is meant for, as the source feed says it", "text"),
    "payment_accepted": ("Payment accepted", "A way of paying the service accepts", "list"),
    "need_read_from": ("Need read from the text", "A need read from the service's own words, with the words "
                                                  "('legal_aid: legal')", "list"),
    "flag": ("Flagged for review", "Why the import wants a person's look ('organization_unknown: ...')", "list"),
    "inferred": ("Read from text", "An eligibility column read from the name or text, with where "
                                   "('min_age: read from text: ...')", "list"),
    "as_given": ("Kept as given", "A value the directory cannot model, as the source feed wrote it "
                                  "('schedule: byday=MO opens_at=sunrise')", "list"),
}


def eligibility_dimensions() -> list[eligibility.Dimension]:
    """The dimensions that travel as lead-eligibility attributes (ages are native HSDS fields)."""
    return [d for d in eligibility.DIMENSIONS if not d.kind.hsds_native]


def term_id(taxonomy_name: str, code: str) -> str:
    return hsds_id("taxonomy_term", f"{taxonomy_name}:{code}")


def _term(taxonomy_name: str, code: str, name: str, description: str, parent: str | None = None) -> dict:
    out = {"id": term_id(taxonomy_name, code), "code": code, "name": name, "description": description,
           "taxonomy": taxonomy_name, "taxonomy_id": TAXONOMY_BY_NAME[taxonomy_name].id, "language": "en"}
    if parent:
        out["parent_id"] = term_id(taxonomy_name, parent)
    return out


def _need_description(need: taxonomy.Need) -> str:
    words = ", ".join(need.words[:6])
    return f"{need.name} ({need.name_es})" + (f"; everyday words: {words}" if words else "")


def _dimension_description(dim: eligibility.Dimension) -> str:
    return dim.kind.hsds_description(dim)


def all_terms() -> list[dict]:
    """Every term of our three taxonomies, as HSDS ``taxonomy_term`` objects."""
    terms = [_term(NEEDS, n.code, n.name, _need_description(n), n.parent) for n in taxonomy.NEEDS]
    terms += [_term(ELIGIBILITY, d.columns[0], d.label.en, _dimension_description(d)) for d in eligibility_dimensions()]
    terms += [_term(DIRECTORY, code, name, description) for code, (name, description, _) in DIRECTORY_TERMS.items()]
    return terms


TERMS_BY_ID: dict[str, dict] = {t["id"]: t for t in all_terms()}


def need_code_for_term(term_id_: str) -> str | None:
    """The need code of a lead-needs term id (the API's ``taxonomy_term_id`` filter), else None."""
    term = TERMS_BY_ID.get(term_id_)
    return term["code"] if term and term["taxonomy"] == NEEDS else None


# ----- values as attribute strings, and back --------------------------------------------------------
def encode(value: Any) -> list[str]:
    """One attribute value per list item ('none' for a stated empty list); booleans as true/false."""
    if isinstance(value, bool):
        return ["true" if value else "false"]
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value] or ["none"]
    return [str(value)]


def decode(kind: str, values: list[str]) -> Any:
    """Attribute values back to a field value; raises ValueError on a value of the wrong kind."""
    if kind == "list":
        return [] if values == ["none"] else values
    value = values[-1]
    if kind == "bool":
        if value.lower() not in ("true", "false"):
            raise ValueError(f"expected true or false, got {value!r}")
        return value.lower() == "true"
    if kind == "int":
        return int(float(value))
    return value


def lead_attributes(pairs: Iterable[tuple[str | None, str | None, str | None]]) -> dict[str, Any]:
    """Read our attributes from (taxonomy name or id, term code, value) triples.

    Returns ``{"needs": [...], "eligibility": {dimension name: value}, "directory": {code: value}}``
    holding only what was present. Attributes of other taxonomies are left to the caller.
    """
    needs: list[str] = []
    elig: dict[str, list[str]] = {}
    direct: dict[str, list[str]] = {}
    by_id = {t.id: t.name for t in TAXONOMIES}
    for tax, code, value in pairs:
        name = by_id.get(tax or "", tax)
        if name == NEEDS and code and taxonomy.is_code(code):
            needs.append(code)
        elif name == ELIGIBILITY and code and value is not None:
            elig.setdefault(code, []).append(value)
        elif name == DIRECTORY and code in DIRECTORY_TERMS and value is not None:
            direct.setdefault(code, []).append(value)
    out: dict[str, Any] = {}
    if needs:
        out["needs"] = sorted(set(needs))
    dims = {d.columns[0]: d for d in eligibility_dimensions()}
    elig_out: dict[str, Any] = {}
    for column, values in elig.items():
        dim = dims.get(column)
        if dim:
            elig_out[dim.name] = decode(dim.kind.hsds_value(), values)
    if elig_out:
        out["eligibility"] = elig_out
    if direct:
        out["directory"] = {code: decode(DIRECTORY_TERMS[code][2], values) for code, values in direct.items()}
    return out


def is_ours(taxonomy_name_or_id: str | None) -> bool:
    return bool(taxonomy_name_or_id) and (taxonomy_name_or_id in TAXONOMY_BY_NAME
                                          or taxonomy_name_or_id in {t.id for t in TAXONOMIES})


def profile(*, taxonomies_url: str, terms_url: str) -> dict:
    """This directory's HSDS profile: what it adds to HSDS 3.0 and how it publishes a listing."""
    return {
        "name": "lead-directory", "hsds_version": "3.0",
        "description": "The LEAD service directory's HSDS 3.0 profile: HSDS 3.0 objects and API, with HSDS 3.1 "
                       "service_capacity for beds and openings, and what HSDS has no field for carried as "
                       "attributes under three taxonomies of its own.",
        "listing": "Each listing (a service at one site) is one HSDS service with one service_at_location; a "
                   "service with no site has none. Ids are UUIDv5 of the directory's ids, stable across exports.",
        "taxonomies": [{"id": t.id, "name": t.name, "description": t.description,
                        "terms": f"{terms_url}?taxonomy_id={t.id}"} for t in TAXONOMIES],
        "extensions": [
            "service.capacities: HSDS 3.1 service_capacity with its unit (a unit the directory does not model is "
            "published under the source's own name, identifier 'other')",
            "attributes of lead-needs: one per need, parents included through parent_id",
            "attributes of lead-eligibility: one per stated eligibility rule value ('none': stated, none)",
            "attributes of lead-directory: " + ", ".join(DIRECTORY_TERMS),
            "schedules with notes 'holiday': a closure (no times) or other hours on the dates valid_from..valid_to",
        ],
        "taxonomies_url": taxonomies_url,
    }
