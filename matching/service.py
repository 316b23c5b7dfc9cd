"""The search side's one door: each search body from ``matching.query`` goes through ``Store.search``
once, and the answer is shaped here (explanations, facets, nearby tiers, bed-board rows, the public
listing). Routes and pages call this; they never build a query or touch the engine."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Callable

from directory import always_open, places, taxonomy
from directory.places import Corner, Located
from directory.referral_states import OUTCOME_DAYS
from directory.settings import Settings
from directory.store import Store
from matching import phrases, query
from matching import weights as W
from matching.explain import explain, listing_view, nearby_result, need_name
from matching.freshness import Moment
from matching.profile import Profile, resolve_location

# Officer quick-mode need groups -> taxonomy codes (the taxonomy's ``nearby`` groups).
NEARBY_GROUPS: dict[str, list[str]] = {g.name: list(g.codes) for g in taxonomy.groups("nearby")}
# What the officer's buttons leave out: "Detox" is withdrawal management, not a methadone clinic that
# tapers people off.
NEARBY_EXCLUDE: dict[str, list[dict]] = {"detox": [query.methadone_not_detox()]}
# How far the 24/7 places that stand in for a need (an emergency department) are looked for, at least.
ALWAYS_OPEN_MILES = 10.0
ALWAYS_OPEN_PLACES = 2
# A street corner is located from the directory's own addresses (the midpoint of the closest pair of
# sites, one on each street) only when the two streets' sites come this close; else the town centre.
CORNER_MILES = 1.0


class SearchService:
    """Match, browse, nearby, the bed board, one listing and the organisation list."""

    def __init__(self, store: Store, settings: Settings, clock: Callable[[], datetime] | None = None):
        self.store = store
        self.settings = settings
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self.always_open = always_open.load(settings.always_open_file)  # a broken file stops start-up
        # Told of every nearby answer for now (not for another time): the unmet-need tally of the reports.
        self.on_nearby: Callable[[dict, datetime], None] | None = None

    def moment(self, at: datetime | None = None) -> Moment:
        """Now, and the time whose opening hours count (``at``: "what is open at 10 pm tonight")."""
        return Moment(self.clock(), self.settings.capacity_fresh_hours, self.settings.timezone, at=at)

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
        """Ranked, explained listings for a participant profile, in one round trip to the engine. With
        several needs, also one section per need, each ranked on its own (``sections``); each list is
        headed by the groups of ``query.leading_clauses`` (youth programs for a minor, speakers of the
        participant's language) and carries what can be done at any hour (``now``). With ``outcomes``
        (case managers), each result also carries its referral outcome rates over the last 90 days, from
        one more request over the referral index; with ``referral_outcomes_in_ranking`` set, those rates
        nudge the ranking (``weights.REFERRAL_ACCEPTANCE_WEIGHT``)."""
        moment = self.moment(profile.at)
        needs = section_needs(profile.needs)
        lists = [profile] + ([replace(profile, needs=[n], limit=profile.section_limit) for n in needs]
                             if len(needs) > 1 else [])
        bodies: list[dict] = []
        plans = []
        for p in lists:
            plan = {"main": len(bodies), "leads": [], "places": None, "rules": []}
            bodies.append(query.match_body(p, moment))
            for _name, clause in query.leading_clauses(p):
                plan["leads"].append(len(bodies))
                bodies.append(query.match_body(p, moment, lead=clause, size=W.LEADING))
            plan["rules"] = self.always_open.place_rules(p.needs)
            if plan["rules"] and p.point:
                plan["places"] = len(bodies)
                bodies.append(query.always_open_body(
                    p.point, sorted({n for r in plan["rules"] for n in r.place_needs}), moment,
                    max(ALWAYS_OPEN_MILES, p.max_miles or 0), ALWAYS_OPEN_PLACES, facts=p.eligibility_facts))
            plans.append(plan)
        answers = self.store.msearch(bodies)
        every_id = sorted({h["_source"]["id"] for a in answers for h in a["hits"]["hits"]})
        ranked_on = self.settings.referral_outcomes_in_ranking
        rates = self.referral_outcomes(every_id, lang) if (outcomes or ranked_on) else {}
        shaped = []
        for p, plan in zip(lists, plans):
            hits = ranked(p, answers[plan["main"]]["hits"]["hits"],
                          [answers[i]["hits"]["hits"] for i in plan["leads"]], rates if ranked_on else {})
            results = [explain(h["_source"], p, moment, h["_score"], lang) for h in hits]
            for r in results:
                r["referral_outcomes"] = rates.get(r["listing_id"]) if outcomes else None
            self._reach(results, lang)
            places_hits = answers[plan["places"]]["hits"]["hits"] if plan["places"] is not None else []
            now = self._now(p.needs, results, places_hits, plan["rules"], p.point, moment, lang,
                            age=p.facts.get("age"), miles=p.max_miles,
                            real=query.real_in_directory(answers[plan["main"]]))
            shaped.append({"total": answers[plan["main"]]["hits"]["total"]["value"], "results": results, "now": now})
        point = profile.point
        main = shaped[0]
        return {"total": main["total"], "took_ms": max(a["took"] for a in answers), "results": main["results"],
                "needs": profile.needs, "at": moment.at.isoformat() if moment.at else None, "now": main["now"],
                "sections": [{"need": n, "name": need_name(n, lang), **s} for n, s in zip(needs, shaped[1:])],
                "location": location_view(point, lang) if point else None}

    def _reach(self, results: list[dict], lang: str) -> None:
        """A result with no number at all offers the line that finds any program's number (2-1-1)."""
        fallback = self.always_open.fallback().view(lang)
        for r in results:
            r["no_phone_line"] = None if r["phone"] else fallback

    def _now(self, needs: list[str], results: list[dict], places_hits: list[dict], rules: list, point, moment: Moment,
             lang: str, *, age: int | None = None, miles: float | None = None, real: bool = True) -> dict:
        """What can be done at any hour for these needs: the statewide 24/7 lines that answer them and the
        nearest 24/7 places that stand in (an emergency department for detox); ``first`` when nothing that
        meets the need is open, so results begin with it. A sample listing counts as open only in a
        directory with no ``real`` listing (the demo)."""
        first = not any(r["open_now"] for r in results if real_or_demo(r, real))
        shown = {r["listing_id"] for r in results}
        stand_ins = []
        for hit in places_hits:
            doc = hit["_source"]
            if doc["id"] in shown:
                continue
            rule = next((r for r in rules if set(r.place_needs) & set(doc.get("needs_leaf") or [])), rules[0])
            stand_ins.append({**nearby_result(doc, point, moment, lang), "why": rule.why["es" if lang == "es" else "en"]})
        self._reach(stand_ins, lang)
        reach = f"{miles:g}" if miles else None
        message = None
        if first:
            later = moment.at is not None
            key = ("nothing_open_then" if later else "nothing_open_now") if reach else \
                ("nothing_open_then_anywhere" if later else "nothing_open_now_anywhere")
            message = phrases.say(key, lang, miles=reach)
        return {"first": first, "message": message, "places": stand_ins,
                "lines": [line.view(lang) for line in self.always_open.lines_for(needs, age)]}

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
        self._reach(results, lang)
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
    def nearby(self, point: Located, group: str, *, miles: float = 5.0, limit: int = 5, lang: str = "en",
               at: datetime | None = None, languages: list[str] | None = None) -> dict:
        """The officer's quick mode: real listings first, then nearest first among those the person can go
        to now, then open now, then hours not stated, then closed (with their next opening); a card above
        a nearer one says why. ``now`` holds what answers at any hour, first when nothing is open; with
        ``languages``, only places whose staff speak one of them."""
        moment = self.moment(at)
        codes = NEARBY_GROUPS[group]
        rules = self.always_open.place_rules(codes)
        bodies = [query.nearby_body(point, codes, moment, miles, limit, exclude=NEARBY_EXCLUDE.get(group),
                                    languages=languages)]
        if rules:
            bodies.append(query.always_open_body(point, sorted({n for r in rules for n in r.place_needs}), moment,
                                                 max(miles, ALWAYS_OPEN_MILES), ALWAYS_OPEN_PLACES))
        answers = self.store.msearch(bodies)
        results = [nearby_result(h["_source"], point, moment, lang) for h in answers[0]["hits"]["hits"]]
        self._reach(results, lang)
        order_reasons(results, lang)
        real = query.real_in_directory(answers[0])
        open_count = sum(1 for r in results if r["open_now"] and real_or_demo(r, real))
        now = self._now(codes, results, answers[1]["hits"]["hits"] if rules else [], rules, point, moment, lang,
                        miles=miles, real=real)
        message = None
        if not results:
            message = phrases.say("nothing_near", lang, miles=f"{miles:g}")
        elif not open_count:
            message = now["message"]
        answer = {"need": group, "needs": codes, "open_now_count": open_count, "message": message,
                  "at": moment.at.isoformat() if moment.at else None, "now": now,
                  "location": location_view(point, lang),
                  "radius_miles": miles, "results": results, "took_ms": max(a["took"] for a in answers)}
        if self.on_nearby and moment.at is None:
            self.on_nearby(answer, self.clock())
        return answer

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

    def data_quality(self) -> dict:
        """What people cannot act on, per source (``query.data_quality_body``), and the real listings with
        no number at all."""
        resp = self.store.search(query.data_quality_body())
        rows = [{"source": b["key"], "listings": b["doc_count"],
                 **{name: b[name]["doc_count"] for name in query.QUALITY}}
                for b in resp["aggregations"]["all"]["active"]["sources"]["buckets"]]
        missing = [{"id": h["_source"]["id"], "name": h["_source"]["name"],
                    "organization": h["_source"]["organization"]["name"],
                    "town": places.town_label((h["_source"].get("address") or {}).get("town")),
                    "sources": sorted({s["source"] for s in h["_source"].get("sources") or []})}
                   for h in resp["hits"]["hits"]]
        return {"sources": rows, "no_phone": missing, "no_phone_total": resp["hits"]["total"]["value"]}

    def organizations(self) -> list[dict]:
        resp = self.store.search(query.organizations_body())
        return [{"id": b["key"], "name": b["name"]["hits"]["hits"][0]["_source"]["organization"]["name"],
                 "listings": b["doc_count"], "active_listings": b["active"]["doc_count"]}
                for b in resp["aggregations"]["orgs"]["buckets"]]


    # ----- the HSDS 3.0 read API -------------------------------------------------------------
    def hsds_listings(self, **params) -> tuple[list[dict], int]:
        """(listing records, total) for one page of ``query.hsds_listings_body(**params)``."""
        resp = self.store.search(query.hsds_listings_body(**params))
        # ``minimal``: the documents' ids and dates only (``query.HSDS_MINIMAL_SOURCE``), not the records.
        return [h["_source"]["record"] if "record" in h["_source"] else h["_source"] for h in resp["hits"]["hits"]], \
            resp["hits"]["total"]["value"]

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


def real_or_demo(result: dict, real_directory: bool) -> bool:
    """A result that counts as a place to go: a real listing, or any in a directory of sample data only."""
    return not result["sample"] or not real_directory


def section_needs(needs: list[str]) -> list[str]:
    """The needs that each get a section: those asked, less any whose broader need is asked too."""
    return [n for n in needs if not any(n != m and n.startswith(m + ".") for m in needs)]


def ranked(p: Profile, hits: list[dict], leading: list[list[dict]], rates: dict[str, dict]) -> list[dict]:
    """One list's order: real listings before sample ones; within each, the groups that head the list
    (``leading``: the best few of each within reach, ``W.LEADING_MIN_RATIO``, best first), then the rest
    with organisation diversity; with ``rates``, scores nudged by referral outcomes first."""
    if rates:
        hits = rerank_by_outcomes(hits, rates)
        leading = [rerank_by_outcomes(group, rates) for group in leading]
    out: list[dict] = []
    for sample in (False, True):
        part = [h for h in hits if bool(h["_source"].get("sample")) == sample]
        best = max((h["_score"] for h in part), default=0.0)
        heads: dict[str, dict] = {}
        for group in leading:
            for h in group[:W.LEADING]:
                if bool(h["_source"].get("sample")) == sample and h["_score"] >= W.LEADING_MIN_RATIO * best:
                    heads.setdefault(h["_source"]["id"], h)
        head = sorted(heads.values(), key=lambda h: (-h["_score"], h["_source"]["id"]))
        rest = [h for h in part if h["_source"]["id"] not in heads]
        if p.diversify:
            rest = W.diversify(rest, limit=p.limit, org=lambda h: h["_source"]["organization"]["id"],
                               score=lambda h: h["_score"])
        out += head + rest
    return out[:p.limit]


def order_reasons(results: list[dict], lang: str = "en") -> None:
    """A nearby card above a nearer one says why (``order_text``): it is real and the nearer one a sample,
    or it is ready to take someone now, or open now, or its hours are not stated while the nearer one is
    closed."""
    def tier(r: dict) -> int:
        if r["open_now"] and (r.get("beds") or r["walk_in_now"]):
            return 3
        return 2 if r["open_now"] else (1 if r["open_now"] is None else 0)

    for i, r in enumerate(results):
        r["order_text"] = None
        miles = (r.get("distance") or {}).get("miles")
        nearer = [o for o in results[i + 1:] if miles is not None and (o.get("distance") or {}).get("miles") is not None
                  and o["distance"]["miles"] < miles]
        if not nearer:
            continue
        if not r["sample"] and all(o["sample"] for o in nearer):
            r["order_text"] = phrases.say("before_samples", lang)
        else:
            r["order_text"] = phrases.say(("before_closed", "before_closed", "before_open", "before_ready")[tier(r)],
                                          lang)


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
    return sorted(out, key=lambda h: (bool(h["_source"].get("sample")), -h["_score"], h["_source"]["id"]))
