"""The best number that reaches a listing that states no phone of its own.

The substance use list gives no phone at all; many programs are reached through another program of
their organisation. A listing with no callable number of its own gets, in this order:

1. **the site's intake line**: a callable number of a program of the same organisation at the same
   address (``dedupe.SiteIndex``; the mental health list's "Wheeler Clinic / Psychiatric Outpt Clinic"
   beside the substance use list's "Wheeler Clinic / Hartford Outpatient");
2. **the organisation's number**: the nearest callable number of a program of the same organisation
   (named alike by ``dedupe``'s rules) elsewhere.

The number is kept in ``record["reach"]`` with where it came from (which program, which town), shown
beside it, never as the listing's own phone: the HSDS export leaves it out and a provider's own phone
replaces it. The seed's fictional listings take no part, as in ``ingest.sites``.
"""
from __future__ import annotations

from collections import defaultdict

from directory.documents import callable_phones
from ingest import dedupe, sites


def _phone(record: dict) -> dict | None:
    phones = callable_phones(record.get("phones"))
    return phones[0] if phones else None


def _lent(record: dict, other: dict, via: str) -> dict:
    phone = _phone(other) or {}
    return {"number": phone["number"], "extension": phone.get("extension"), "via": via, "listing_id": other["id"],
            "organization": other["organization"]["name"], "service": other["service"]["name"],
            "town": (other.get("address") or {}).get("city")}


def _miles(a: dict, b: dict) -> float:
    pa, pb = dedupe.precise_point(a), dedupe.precise_point(b)
    return dedupe.distance_m(pa, pb) / 1609.344 if pa and pb else 1e9


def annotate(records: list[dict]) -> dict[str, int]:
    """Give every real listing without a callable number of its own the best number that reaches it
    (``record["reach"]``); returns how many got one from their site and from their organisation."""
    real = [r for r in records if not r.get("sample")]
    index = dedupe.SiteIndex()
    for r in real:
        index.add(r)
    by_org: dict[str, list[dict]] = defaultdict(list)
    for r in real:
        if _phone(r):
            by_org[dedupe.org_key(r["organization"]["name"])].append(r)
    counts = {"site": 0, "organization": 0}
    for record in real:
        record.pop("reach", None)
        if _phone(record):
            continue
        beside = [o for o in index.near(record) if o is not record and _phone(o) and sites.related(record, o)]
        beside.sort(key=lambda o: (not sites.same_organisation(record, o), o["id"]))
        if beside:
            record["reach"] = _lent(record, beside[0], "site")
            counts["site"] += 1
            continue
        kin = [o for o in by_org.get(dedupe.org_key(record["organization"]["name"]), []) if o is not record]
        if kin:
            record["reach"] = _lent(record, min(kin, key=lambda o: (_miles(record, o), o["id"])), "organization")
            counts["organization"] += 1
    return counts
