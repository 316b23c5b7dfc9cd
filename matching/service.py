"""The search side's one door: each search body from ``matching.query`` goes through ``Store.search``
once, and the answer is shaped here (explanations, facets, nearby tiers, bed-board rows, the public
listing). Routes and pages call this; they never build a query or touch the engine."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Callable

from directory import places, taxonomy
from directory.places import Corner, Located
from directory.referral_states import OUTCOME_DAYS
from directory.settings import Settings
from directory.store import Store
from matching import phrases, query
from matching import weights as W
from matching.explain import explain, listing_view, nearby_result
from matching.freshness import Moment
from matching.profile import Profile, resolve_location

# Officer quick-mode need groups -> taxonomy codes.
NEARBY_GROUPS: dict[str, list[str]] = {
    "detox": ["substance_use.withdrawal_management"],
    "shelter": ["housing.emergency_shelter"],
    "crisis": ["mental_health.crisis", "healthcare.hospital"],
    "harm_reduction": ["substance_use.harm_reduction"],
    "naloxone": ["substance_use.harm_reduction.naloxone"],
    "methadone": ["substance_use.opioid_treatment_program"],
    "suboxone": ["substance_use.moud_prescriber"],
    "food": ["basic_needs.food"],
    "treatment": ["substance_use.residential", "substance_use.outpatient", "substance_use.intensive_outpatient"],
    "health": ["healthcare.primary_care", "healthcare.health_center"],
}
# A street corner is located from the directory's own addresses (the midpoint of the closest pair of
# sites, one on each street) only when the two streets' sites come this close; else the town centre.
CORNER_MILES = 1.0


class SearchService:
    """Match, browse, nearby, the bed board, one listing and the organisation list."""

    def __init__(self, store: Store, settings: Settings, clock: Callable[[], datetime] | None = None):
        self.store = store
        self.settings = settings
        self.clock = clock or (lambda: datetime.now(timezone.utc))

    def moment(self) -> Moment:
        return Moment(self.clock(), self.settings.capacity_fresh_hours, self.settings.timezone)

    # ----- places ----------------------------------------------------------------------------
    def locate(self, *, lat: float | None = None, lon: float | None = None, zip_code: str | None = None,
               near: str | None = None) -> Located | None:
        """A point in Connecticut from coordinates, a ZIP, or words; raises ``PlaceError``."""
        found = resolve_location(lat=lat, lon=lon, zip_code=zip_code, near=near)
        return self._corner(found) if isinstance(found, Corner) else found

    def _corner(self, corner: Corner) -> Located:
        """Two crossing streets, located where the directory's own precise addresses on each come
        closest; the town centre (said so in the label) when they do not."""
        resp = self.store.search(query.street_points_body(corner.town, [corner.street_a, corner.street_b]))
        keys = (places.street_core(corner.street_a), places.street_core(corner.street_b))
        on: tuple[list, list] = ([], [])
        for hit in resp["hits"]["hits"]:
            src = hit["_source"]
            core = places.street_core(places.street_name_key((src.get("address") or {}).get("address_1")))
            point = (src.get("location") or {}).get("point")
            for i, key in enumerate(keys):
                if point and core == key:
                    on[i].append((point["lat"], point["lon"]))
        pairs = [(places.miles_between(*a, *b), a, b) for a in on[0] for b in on[1]]
        if pairs:
            miles, a, b = min(pairs)
            if miles <= CORNER_MILES:
                return Located((a[0] + b[0]) / 2, (a[1] + b[1]) / 2, "corner",
                               f"{corner.street_a} & {corner.street_b}, {places.town_label(corner.town)}", corner.town)
        centre = places.town_centre(corner.town)
        return Located(centre.lat, centre.lon, "town", places.town_label(corner.town), corner.town)

    # ----- match -----------------------------------------------------------------------------
    def match(self, profile: Profile, lang: str = "en", *, outcomes: bool = False) -> dict:
        """Ranked, explained listings for a participant profile (one engine request). With ``outcomes``
        (case managers), each result also carries its referral outcome rates over the last 90 days, from
        one more request over the referral index; with ``referral_outcomes_in_ranking`` set, those rates
        nudge the ranking (``weights.REFERRAL_ACCEPTANCE_WEIGHT``)."""
        moment = self.moment()
        resp = self.store.search(query.match_body(profile, moment))
        hits = resp["hits"]["hits"]
        ranked_on = self.settings.referral_outcomes_in_ranking
        rates = self.referral_outcomes([h["_source"]["id"] for h in hits], lang) if (outcomes or ranked_on) else {}
        if ranked_on and rates:
            hits = rerank_by_outcomes(hits, rates)
        hits = W.diversify(hits, limit=profile.limit, org=lambda h: h["_source"]["organization"]["id"],
                           score=lambda h: h["_score"]) \
            if profile.diversify else hits[:profile.limit]
        results = [explain(h["_source"], profile, moment, h["_score"], lang) for h in hits]
        for r in results:
            r["referral_outcomes"] = rates.get(r["listing_id"]) if outcomes else None
        point = profile.point
        return {"total": resp["hits"]["total"]["value"], "took_ms": resp["took"], "results": results,
                "needs": profile.needs,
                "location": location_view(point, lang) if point else None}

    # ----- referral outcomes -----------------------------------------------------------------
    def referral_outcomes(self, listing_ids: list[str], lang: str = "en") -> dict[str, dict]:
        """Acceptance and decline rates of these listings' referrals over the last
        ``OUTCOME_DAYS`` days (listings that received none are left out)."""
        if not listing_ids:
            return {}
        since = (self.clock() - timedelta(days=OUTCOME_DAYS)).isoformat()
        resp = self.store.search_referrals(query.referral_outcomes_body(listing_ids, since))
        if not resp:
            return {}
        out = {}
        for b in resp["aggregations"]["listings"]["buckets"]:
            received, accepted, declined = b["doc_count"], b["accepted"]["doc_count"], b["declined"]["doc_count"]
            out[b["key"]] = {
                "days": OUTCOME_DAYS, "received": received, "accepted": accepted, "declined": declined,
                "acceptance_rate": round(accepted / received, 3), "decline_rate": round(declined / received, 3),
                "decline_reasons": {r["key"]: r["doc_count"] for r in b["declined"]["reasons"]["buckets"]},
                "text": phrases.outcomes_text(accepted, declined, received, OUTCOME_DAYS, lang)}
        return out

    # ----- browse ----------------------------------------------------------------------------
    def browse(self, b: query.Browse, lang: str = "en") -> dict:
        moment = self.moment()
        resp = self.store.search(query.browse_body(b, moment))
        profile = Profile(needs=b.needs, point=b.point, facts=b.facts)
        results = [explain(h["_source"], profile, moment, h.get("_score"), lang) for h in resp["hits"]["hits"]]
        aggs = resp["aggregations"]
        return {
            "total": resp["hits"]["total"]["value"], "page": b.page, "page_size": b.page_size,
            "sort": b.effective_sort, "took_ms": resp["took"], "results": results,
            "location": location_view(b.point, lang) if b.point else None,
            "facets": {
                "needs": [{"code": x["key"], "name": taxonomy.BY_CODE[x["key"]].name_es if lang == "es"
                           else taxonomy.BY_CODE[x["key"]].name, "count": x["doc_count"]}
                          for x in aggs["needs"]["f"]["buckets"] if x["key"] in taxonomy.BY_CODE],
                "towns": [{"town": x["key"], "label": places.town_label(x["key"]), "count": x["doc_count"]}
                          for x in aggs["towns"]["f"]["buckets"]],
                "capacity": {k: v["doc_count"] for k, v in aggs["capacity"]["f"]["buckets"].items()},
            },
        }

    # ----- nearby ----------------------------------------------------------------------------
    def nearby(self, point: Located, group: str, *, miles: float = 5.0, limit: int = 5, lang: str = "en") -> dict:
        """The officer's quick mode: nearest open-and-ready first; when nothing is open, the nearest
        with their next opening, and a message that says so."""
        moment = self.moment()
        resp = self.store.search(query.nearby_body(point, NEARBY_GROUPS[group], moment, miles, limit))
        results = [nearby_result(h["_source"], point, moment, lang) for h in resp["hits"]["hits"]]
        open_count = sum(1 for r in results if r["open_now"])
        message = None
        if not results:
            message = phrases.say("nothing_near", lang, miles=f"{miles:g}")
        elif not open_count:
            message = phrases.say("nothing_open", lang, miles=f"{miles:g}")
        return {"need": group, "needs": NEARBY_GROUPS[group], "open_now_count": open_count, "message": message,
                "location": location_view(point, lang),
                "radius_miles": miles, "results": results, "took_ms": resp["took"]}

    # ----- bed board -------------------------------------------------------------------------
    def bed_board(self, lang: str = "en") -> dict:
        """Open beds by need group and town, counting only figures confirmed within the window."""
        moment = self.moment()
        resp = self.store.search(query.bed_board_body(moment))
        groups = []
        for name, group in query.BED_GROUPS.items():
            towns = []
            for b in resp["aggregations"][name]["towns"]["buckets"]:
                held = b["fresh"]["held"]["active"]["doc_count"]
                towns.append({
                    "town": places.town_label(b["key"]), "programs": b["doc_count"],
                    "available": max(0, int(b["fresh"]["available"]["value"]) - held), "held": held,
                    "waitlist": int(b["fresh"]["waitlist"]["value"]),
                    "programs_with_openings": b["fresh"]["with_beds"]["doc_count"],
                    "programs_confirmed": b["fresh"]["doc_count"], "programs_unconfirmed": b["stale"]["doc_count"],
                    "programs_no_capacity_reported": b["doc_count"] - b["fresh"]["doc_count"] - b["stale"]["doc_count"],
                    "newest_update": b["newest"].get("value_as_string"),
                })
            groups.append({"group": name, "label": group["label"][1 if lang == "es" else 0],
                           "available": sum(t["available"] for t in towns), "held": sum(t["held"] for t in towns),
                           "towns": towns})
        return {"fresh_hours": moment.fresh_hours, "as_of": moment.now.isoformat(), "groups": groups}

    # ----- one listing, organisations --------------------------------------------------------
    def listing(self, listing_id: str, lang: str = "en") -> tuple[dict, str, str]:
        """(public view, ETag, organisation id) of one listing; raises ``ListingNotFound``."""
        doc, etag = self.store.get(listing_id)
        return listing_view(doc, self.moment(), lang), etag, doc["organization"]["id"]

    def view(self, doc: dict, lang: str = "en") -> dict:
        """The public view of a listing document the caller already holds (after a write)."""
        return listing_view(doc, self.moment(), lang)

    def organizations(self) -> list[dict]:
        resp = self.store.search(query.organizations_body())
        return [{"id": b["key"], "name": b["name"]["hits"]["hits"][0]["_source"]["organization"]["name"],
                 "listings": b["doc_count"], "active_listings": b["active"]["doc_count"]}
                for b in resp["aggregations"]["orgs"]["buckets"]]


    # ----- the HSDS 3.0 read API -------------------------------------------------------------
    def hsds_listings(self, **params) -> tuple[list[dict], int]:
        """(listing records, total) for one page of ``query.hsds_listings_body(**params)``."""
        resp = self.store.search(query.hsds_listings_body(**params))
        return [h["_source"]["record"] for h in resp["hits"]["hits"]], resp["hits"]["total"]["value"]

    def hsds_records(self, field_name: str, value: str) -> list[dict]:
        """The listing records whose HSDS id ``field_name`` (service_id, organization_id, ...) is ``value``."""
        resp = self.store.search(query.hsds_lookup_body(field_name, value))
        return [h["_source"]["record"] for h in resp["hits"]["hits"]]

    def hsds_organizations(self, *, search: str | None, page: int, per_page: int) -> tuple[list[list[dict]], int]:
        """One page of organisations (each as its listing records, in HSDS id order) and how many there are."""
        ids = [b["key"] for b in self.store.search(query.hsds_organization_ids_body(search))
               ["aggregations"]["orgs"]["buckets"]]
        chosen = ids[(page - 1) * per_page: page * per_page]
        if not chosen:
            return [], len(ids)
        buckets = {b["key"]: [h["_source"]["record"] for h in b["listings"]["hits"]["hits"]]
                   for b in self.store.search(query.hsds_organizations_body(chosen))["aggregations"]["orgs"]["buckets"]}
        return [buckets[i] for i in chosen if i in buckets], len(ids)


def location_view(point: Located, lang: str = "en") -> dict:
    """Where a search was centred, as the answer says it: a street corner located from the directory's own
    addresses says it is approximate, in the answer's language."""
    label = point.label
    if point.resolved_by == "corner" and label:
        label = f"{label} ({phrases.say('approximate', lang)})"
    return {"lat": point.lat, "lon": point.lon, "resolved_by": point.resolved_by, "label": label,
            "town": places.town_label(point.town)}


def rerank_by_outcomes(hits: list[dict], rates: dict[str, dict]) -> list[dict]:
    """Engine hits with each score multiplied by its listing's referral acceptance factor
    (``weights.REFERRAL_ACCEPTANCE_WEIGHT``, only with enough referrals counted), re-sorted."""
    out = []
    for h in hits:
        rate = rates.get(h["_source"]["id"])
        factor = 1.0
        if rate and rate["received"] >= W.REFERRAL_OUTCOME_MIN_REFERRALS:
            factor = 1.0 + W.REFERRAL_ACCEPTANCE_WEIGHT * (rate["acceptance_rate"] - 0.5)
        out.append({**h, "_score": h["_score"] * factor})
    return sorted(out, key=lambda h: (-h["_score"], h["_source"]["id"]))
