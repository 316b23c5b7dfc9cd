"""What the other programs of one organisation at one address say about the place.

The federal lists describe one site several times: the substance use list's "Wheeler Clinic / Hartford
Outpatient" and the mental health list's "Wheeler Clinic / Psychiatric Outpt Clinic for Adults" at 43
Woodland Street, "REACH Adult and Youth Services" beside "Bridgeport Hospital REACH / IOP Services".
When dedupe keeps them apart (they are different programs), each still tells something about the site:

- **Services at this address** (``record["site"]``): the needs the organisation's other programs there
  offer, with their ids and names. Matching reads them for one thing: a site that offers both mental
  health and substance use care can treat the two together (co-occurring), shown with a caution. (A
  need offered only by the other program does not make this one a match: that program is a result of
  its own, and a case manager would see one place twice.)
- **Ages served by the facility**: the SAMHSA locator's age groups (the 2017 directory's ``Keys``) are
  facility-wide. A listing of the same organisation at the same address that states no ages takes them,
  marked as inferred with the row it came from, so a 16-year-old is not sent to an adults-only site.

Programs of one organisation are those named alike (``dedupe``'s rules) or whose organisation names share
a distinctive word ("InterCommunity Healthcare" and "InterCommunity Inc"); ages travel only between
programs that ``dedupe`` would call the same organisation. A program for another group than the
listing ("Adolescent IOP" beside an adult clinic) lends it nothing.
"""
from __future__ import annotations

from directory import eligibility, taxonomy
from directory.taxonomy import fold
from ingest import dedupe

# Words too common in organisation names to tie two of them together.
COMMON_ORG_WORDS = {
    "community", "health", "healthcare", "center", "centre", "centers", "services", "service", "mental",
    "behavioral", "behavioural", "hospital", "connecticut", "family", "families", "counseling", "clinic",
    "program", "programs", "treatment", "recovery", "care", "association", "agency", "network", "system",
    "systems", "group", "council", "institute", "medical", "children", "childrens", "youth", "adult", "adults",
    "human", "help", "alcohol", "alcoholism", "substance", "abuse", "addiction", "wellness", "southwest",
    "southeastern", "western", "eastern", "northeast", "central", "greater", "region", "regional", "valley",
    "area", "county", "city", "town", "saint", "catholic", "charities", "general", "university", "yale",
    "haven", "hartford", "bridgeport", "waterbury", "stamford", "norwalk", "britain", "london",
}
SITE_PROGRAMS_MAX = 6
# Who a program is for: a sibling stating one of these differently serves another group.
WHO_COLUMNS = eligibility.WHO_COLUMNS


def _distinctive(record: dict) -> set[str]:
    return {w for w in fold(record["organization"]["name"]).split() if len(w) > 3 and w not in COMMON_ORG_WORDS}


def same_organisation(a: dict, b: dict) -> bool:
    """Named alike by ``dedupe``'s rules (strict: ages travel only between these)."""
    return dedupe.same_organisation(a, b) or dedupe.same_by_acronym(a, b) \
        or dedupe.program_in_organisation(a, b) or dedupe.program_in_organisation(b, a)


def related(a: dict, b: dict) -> bool:
    """Programs of one organisation, loosely: named alike, or organisation names sharing a distinctive word."""
    return same_organisation(a, b) or bool(_distinctive(a) & _distinctive(b))


def for_another_group(program: dict, record: dict) -> bool:
    """``program`` states who it serves differently from ``record`` ("Adolescent IOP" beside an adult clinic)."""
    return any(dedupe.column_value(program, c) not in (None, dedupe.column_value(record, c)) for c in WHO_COLUMNS)


def _neighbours(records: list[dict]) -> dict[str, list[dict]]:
    """Each record's other records at the same site (``dedupe.SiteIndex``); the seed's fictional
    listings take no part."""
    index = dedupe.SiteIndex()
    real = [r for r in records if not r.get("sample")]
    for r in real:
        index.add(r)
    return {r["id"]: [o for o in index.near(r) if o is not r] for r in real}


def _stated_ages(record: dict) -> dict[str, int]:
    """Ages the SAMHSA 2017 directory states for this facility (not read from a name)."""
    if not any(s["source"] == "samhsa-otp2017" for s in record["sources"]):
        return {}
    inferred = record.get("inferred") or {}
    service = record["service"]
    return {key: service[key] for key, column in (("minimum_age", "min_age"), ("maximum_age", "max_age"))
            if service.get(key) is not None and column not in inferred}


def annotate(records: list[dict]) -> int:
    """Fill ``site`` and facility ages on every record that has programs of its organisation beside it;
    returns how many records gained something."""
    neighbours = _neighbours(records)
    gained: set[str] = set()
    for record in records:  # first what the site offers, from the records as read ...
        siblings = [o for o in neighbours.get(record["id"], []) if related(record, o)
                    and not for_another_group(o, record) and not for_another_group(record, o)]
        own = set(taxonomy.with_ancestors(record["needs"]))
        offered = sorted({n for o in siblings for n in o["needs"]} - own)
        if offered:
            record["site"] = {"needs": offered, "programs": [
                {"id": o["id"], "name": f"{o['organization']['name']} / {o['service']['name']}", "needs": o["needs"]}
                for o in siblings[:SITE_PROGRAMS_MAX]]}
            gained.add(record["id"])
    for record in records:  # ... then the facility's ages (inferred ones never travel on)
        service = record["service"]
        if service.get("minimum_age") is not None or service.get("maximum_age") is not None:
            continue
        for o in neighbours.get(record["id"], []):
            ages = _stated_ages(o)
            if ages and same_organisation(record, o):
                service.update(ages)
                why = (f"from the SAMHSA directory entry for this address "
                       f"(\u201c{o['organization']['name']} / {o['service']['name']}\u201d)")
                record.setdefault("inferred", {}).update(
                    {("min_age" if k == "minimum_age" else "max_age"): why for k in ages})
                gained.add(record["id"])
                break
    return len(gained)
