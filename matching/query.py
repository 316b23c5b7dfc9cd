"""Every search body, as pure functions: parameters in, an Elasticsearch request body out.

Match, browse, nearby, the bed board and the organisation list are built here and nowhere else; no
cluster is needed to test them (compare the dicts). Eligibility clauses come from the table in
``directory.eligibility``, capacity states from ``matching.freshness``, weights from
``matching.weights``. Field names are those of ``directory.documents.LISTING_MAPPINGS``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from directory import eligibility, places, taxonomy
from directory.places import Located
from matching import weights as W
from matching.freshness import Moment, fresh_clause, status_clause
from matching.profile import Profile

ACTIVE = {"term": {"status": "active"}}
# What explaining a result reads; everything else stays in the engine.
RESULT_FIELDS = ["id", "name", "sample", "service.id", "organization.id", "organization.name", "address", "phones", "reach",
                 "location", "capacity", "hours.open", "hours.always_open", "hours.text", "access", "languages",
                 "needs", "needs_leaf", "site_needs", "site_programs", "age", "eligibility", "inferred",
                 "required_documents"]
MAX_PAGE_SIZE = 50
PRECISE = ["provided", "geocoder", "cache"]
# Real listings before sample ones, whatever their scores: a fictional program never stands above a real
# one (in a directory of sample data only, as ``make run``'s demo, the order is the scores' alone).
REAL_FIRST = {"sample": "asc"}
# Whether the directory holds any real listing at all (a count over every listing, whatever the query):
# in a directory of sample data only (the demo) sample listings stand for real ones.
REAL_IN_DIRECTORY = {"directory": {"global": {}, "aggs": {"real": {"filter": {"term": {"sample": False}}}}}}


# ----- eligibility, from the table ---------------------------------------------------------------
def eligibility_clauses(facts: dict[str, Any]) -> tuple[list[dict], list[dict]]:
    """Hard constraints for these participant facts: (filters, must_not). Only a definite 'ineligible'
    excludes; a listing that does not state a dimension passes it."""
    filters: list[dict] = []
    must_not: list[dict] = []
    for dim in eligibility.DIMENSIONS:
        if not dim.asked(facts):
            continue
        keep, drop = dim.clauses(facts)
        if keep:
            filters.append(keep)
        if drop:
            must_not.append(drop)
    return filters, must_not


def confirmed_eligibility(facts: dict[str, Any]) -> list[dict]:
    """One clause per dimension that a listing states *and* the participant meets."""
    out = []
    for dim in eligibility.DIMENSIONS:
        if dim.asked(facts):
            clause = dim.confirmed_clause(facts)
            if clause:
                out.append(clause)
    return out


def geo_within(point: Located, miles: float) -> dict:
    return {"geo_distance": {"distance": f"{miles}mi", "location.point": {"lat": point.lat, "lon": point.lon}}}


def by_distance(point: Located) -> dict:
    return {"_geo_distance": {"location.point": {"lat": point.lat, "lon": point.lon}, "unit": "mi", "order": "asc"}}


def not_confirmed_full(moment: Moment) -> dict:
    """Full counts only when confirmed recently; a stale 'full' is unknown and stays in."""
    return status_clause("full", moment)


# ----- match -------------------------------------------------------------------------------------
def treats_both() -> dict:
    """Listings offering mental health and substance use care, themselves or at their address
    (another program of the organisation there): able to treat the two together."""
    return {"bool": {"filter": [
        {"bool": {"should": [{"term": {"needs": top}}, {"term": {"site_needs": top}}], "minimum_should_match": 1}}
        for top in ("mental_health", "substance_use")]}}


def need_clause(needs: list[str]) -> dict:
    """Listings offering these needs (a child need counts); or coded only at the parent level of a
    need such a listing probably offers, or coded with a need that implies it (``taxonomy.IMPLIED_BY``);
    or, for co-occurring disorders, offering both kinds of care, themselves or with the organisation's
    other programs at the address (``ingest.sites``). A need offered only by another program at the address does not make a
    listing a match: that program is a result of its own, and the two would be one place twice."""
    should: list[dict] = [{"terms": {"needs": needs}}]
    implying = sorted({c for n in needs for c in taxonomy.IMPLIED_BY.get(n, ())})
    if implying:
        should.append({"terms": {"needs_leaf": implying}})
    if taxonomy.CO_OCCURRING in needs:
        should.append(treats_both())
    return {"bool": {"should": should, "minimum_should_match": 1}}


def eligibility_filters(p: Profile, moment: Moment) -> list[dict]:
    """Every hard constraint of a match."""
    f: list[dict] = [ACTIVE]
    if p.needs:
        f.append(need_clause(p.needs))
    if p.point and p.max_miles:
        f.append(geo_within(p.point, p.max_miles))
    if p.must_speak:  # staff must speak one of these: a listing stating other languages, or none, is left out
        f.append({"terms": {"languages": p.must_speak}})
    keep, must_not = eligibility_clauses(p.eligibility_facts)
    f.extend(keep)
    if not p.include_full:
        must_not.append(not_confirmed_full(moment))
    if must_not:
        f.append({"bool": {"must_not": must_not}})
    return f


def scoring_functions(p: Profile, moment: Moment) -> list[dict]:
    """How good a fit a listing is, distance aside: summed."""
    fns: list[dict] = [
        {"filter": {"match_all": {}}, "weight": W.BASE},
        {"filter": status_clause("available", moment), "weight": W.CAPACITY_AVAILABLE},
        {"filter": status_clause("waitlist", moment), "weight": W.CAPACITY_WAITLIST},
        {"filter": {"terms": {"location.geocode_quality": PRECISE}}, "weight": W.PRECISE_LOCATION},
    ]
    if any(n == "mental_health.crisis" or n.startswith("mental_health.crisis.") for n in p.needs):
        fns.append({"filter": {"term": {"hours.always_open": True}}, "weight": W.CRISIS_ALWAYS_OPEN})
    if p.urgency in ("now", "today"):
        factor = 1.0 if p.urgency == "now" else W.URGENCY_TODAY_FACTOR
        fns.append({"filter": {"term": {"hours.open": moment.minute_of_week}}, "weight": W.OPEN_NOW_URGENT * factor})
        fns.append({"filter": {"term": {"access.walk_in": True}}, "weight": W.WALK_IN_URGENT * factor})
    for need in p.needs:  # a listing offering two of the needs asked for ranks above one offering one
        # Asked in general ("substance use"), a listing offering any narrower need offers it too.
        fns.append({"filter": {"term": {"needs": need}}, "weight": W.EXACT_NEED})
        words = taxonomy.own_name_words(need)[:12]
        if words and W.NAMED_NEED:  # "Ambulatory Detox", "Outpatient Clinic": the program is that service
            fns.append({"filter": {"match": {"name": {"query": " ".join(words), "operator": "or"}}},
                        "weight": W.NAMED_NEED})
        if need in taxonomy.IMPLIED_BY:
            fns.append({"filter": {"bool": {"filter": [{"terms": {"needs_leaf": list(taxonomy.IMPLIED_BY[need])}}],
                                            "must_not": [{"term": {"needs": need}}]}},
                        "weight": W.IMPLIED_NEED_WEIGHT.get(need, W.IMPLIED_NEED)})
        if need == taxonomy.CO_OCCURRING:
            fns.append({"filter": {"bool": {"filter": [treats_both()], "must_not": [{"term": {"needs": need}}]}},
                        "weight": W.TREATS_BOTH})
    tops = {n.split(".")[0] for n in p.needs}
    if {"mental_health", "substance_use"} <= tops:  # both asked: a co-occurring program treats both at once
        fns.append({"filter": {"term": {"needs_leaf": taxonomy.CO_OCCURRING}}, "weight": W.CO_OCCURRING})
    other_languages = [lang for lang in p.languages if lang != "en"]
    if other_languages:
        fns.append({"filter": {"terms": {"languages": other_languages}}, "weight": W.LANGUAGE_MATCH})
    for clause in confirmed_eligibility(p.eligibility_facts):
        fns.append({"filter": clause, "weight": W.ELIGIBILITY_CONFIRMED})
    for clause in own_group(p.facts):
        fns.append({"filter": clause, "weight": W.OWN_GROUP})
    return fns


def own_group(facts: dict[str, Any]) -> list[dict]:
    """Listings meant for a group this participant belongs to: a youth program (ages served end by
    ``W.YOUTH_MAX_AGE``) for a minor, a seniors' one for an older adult, and a program of each row marked
    ``own_group`` (veterans, pregnant and parenting) for someone in that group."""
    out: list[dict] = []
    age = facts.get("age")
    if isinstance(age, int) and age < 18:
        out.append({"range": {"age": {"gte": 0, "lte": W.YOUTH_MAX_AGE, "relation": "within"}}})
    elif isinstance(age, int) and age >= W.SENIOR_MIN_AGE:
        out.append({"range": {"age": {"gte": W.SENIOR_MIN_AGE, "lte": 120, "relation": "within"}}})
    facts = eligibility.participant_facts(facts)
    for dim in eligibility.OWN_GROUPS:  # rows marked ``own_group``: the listing is for a group P is in
        if dim.participant(facts) is True:
            out.append(dim.confirmed_clause(facts))
    return out


def factor_functions(p: Profile) -> list[dict]:
    """Factors a match's fit is multiplied by. Distance: 1 within the offset, halving every ``scale``
    miles beyond it, so a listing many times farther than an equally good one never outranks it (the
    scale is the participant's realistic travel: the urban default, or a third of ``max_miles``). And a
    methadone clinic offered for general substance use care to someone not on methadone."""
    fns: list[dict] = []
    if p.point:
        scale = max(W.DISTANCE_SCALE_MILES, (p.max_miles or 0) / W.MAX_MILES_TO_SCALE)
        fns += [
            {"exp": {"location.point": {"origin": {"lat": p.point.lat, "lon": p.point.lon},
                                        "offset": f"{W.DISTANCE_OFFSET_MILES}mi", "scale": f"{scale}mi",
                                        "decay": W.DISTANCE_DECAY}}},
            # A site with no map location is neither near nor far: it gets a fixed factor.
            {"filter": {"bool": {"must_not": {"exists": {"field": "location.point"}}}},
             "weight": W.NO_LOCATION_FACTOR},
        ]
    otp = "substance_use.opioid_treatment_program"
    # Substance use care other than medication, including co-occurring disorders treatment.
    general = any((n.startswith("substance_use") and not n.startswith("substance_use.moud"))
                  or n == taxonomy.CO_OCCURRING for n in p.needs)
    if general and otp not in p.needs and p.facts.get("moud") != "methadone":
        fns.append({"filter": {"term": {"needs_leaf": otp}}, "weight": W.METHADONE_CLINIC_FOR_OTHER_CARE})
        fns.append({"filter": {"bool": {"filter": [{"term": {"needs_leaf": otp}}, methadone_clinic_named()]}},
                    "weight": W.NAMED_METHADONE_CLINIC_FOR_OTHER_CARE})
    if otp in p.needs and p.facts.get("moud") == "methadone":
        fns.append({"filter": detox_program(), "weight": W.DETOX_PROGRAM_FOR_MAINTENANCE})
    return fns


METHADONE_NAMES = "methadone methadose mmtp otp dispensary"


def methadone_clinic_named() -> dict:
    """Listings whose own or organisation's name says methadone clinic or opioid treatment program."""
    names = ["name", "organization.name"]
    return {"bool": {"should": [{"multi_match": {"query": METHADONE_NAMES, "fields": names}},
                                {"multi_match": {"query": "opioid treatment", "fields": names, "type": "phrase"}}],
                     "minimum_should_match": 1}}


def detox_program() -> dict:
    """Listings whose own or organisation's name says detox and not methadone or maintenance."""
    names = ["name", "organization.name"]
    return {"bool": {"filter": [{"multi_match": {"query": "detox detoxification", "fields": names}}],
                     "must_not": [{"multi_match": {"query": "methadone maintenance mmtp", "fields": names}}]}}


def text_query(q: str) -> dict:
    """Typed text, expanded through the taxonomy's everyday and Spanish words (misspellings corrected),
    and matched loosely (the engine's fuzziness) on names, descriptions and need words."""
    codes = taxonomy.resolve(q)
    should: list[dict] = [
        {"multi_match": {"query": q, "fields": list(W.TEXT_FIELDS), "operator": "or"}},
        {"multi_match": {"query": q, "fields": list(W.FUZZY_FIELDS), "operator": "or", "fuzziness": "AUTO",
                         "prefix_length": 1, "boost": W.FUZZY_BOOST}},
    ]
    if codes:
        should.append({"terms": {"needs": codes, "boost": W.TEXT_NEED_BOOST}})
    return {"bool": {"should": should, "minimum_should_match": 1}}


def candidates(limit: int) -> int:
    """How many hits to fetch so organisation diversity has room to re-rank."""
    return min(W.MAX_CANDIDATES, max(limit * W.CANDIDATE_FACTOR, W.TOP_N * 3))


def leading_clauses(p: Profile) -> list[tuple[str, dict]]:
    """Groups whose best ``W.LEADING`` listings within reach head a match, in this order, when any exist:
    youth programs for a minor, then programs whose staff speak a language the participant prefers
    (``languages`` other than English; with ``must_speak`` every result speaks one already)."""
    out: list[tuple[str, dict]] = []
    age = p.facts.get("age")
    if isinstance(age, int) and age < 18:
        out.append(("youth", youth_program(age)))
    preferred = [code for code in p.languages if code != "en" and code not in p.must_speak]
    if preferred and not p.must_speak:
        out.append(("language", {"terms": {"languages": preferred}}))
    return out


def youth_program(age: int) -> dict:
    """Programs for young people that serve this age: the ages they state end by ``W.YOUTH_MAX_AGE``."""
    return {"bool": {"filter": [{"range": {"age": {"gte": 0, "lte": W.YOUTH_MAX_AGE, "relation": "within"}}},
                                {"term": {"age": age}}]}}


def match_body(p: Profile, moment: Moment, *, lead: dict | None = None, size: int | None = None) -> dict:
    """The one Elasticsearch request for a match: the fit (summed signals, plus the typed text's
    relevance, which ranks but never filters) multiplied by the distance factor. With ``lead``, the same
    ranking over only the listings that clause also finds (a group that heads the list), ``size`` of them."""
    base: dict = {"bool": {"filter": eligibility_filters(p, moment) + ([lead] if lead else [])}}
    if p.query:
        base["bool"]["should"] = [{"bool": {"must": [text_query(p.query)], "boost": W.TEXT_WEIGHT}}]
    fit = {"function_score": {"query": base, "functions": scoring_functions(p, moment), "score_mode": "sum",
                              "boost_mode": "sum" if p.query else "replace"}}
    factors = factor_functions(p)
    query = {"function_score": {"query": fit, "functions": factors, "score_mode": "multiply",
                                "boost_mode": "multiply"}} if factors else fit
    return {
        "size": size if size is not None else candidates(p.limit),
        "track_total_hits": lead is None,
        "query": query,
        "_source": RESULT_FIELDS,
        "sort": [REAL_FIRST, "_score", {"id": "asc"}],
        **({"aggs": REAL_IN_DIRECTORY} if lead is None else {}),
    }


# ----- browse ------------------------------------------------------------------------------------
@dataclass
class Browse:
    """Browse parameters, already resolved to codes and a point."""
    q: str | None = None
    needs: list[str] = field(default_factory=list)
    point: Located | None = None
    radius_miles: float | None = None
    open_now: bool = False
    languages: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)  # age, gender, insurance, moud (the table's fields)
    walk_in: bool | None = None
    capacity: list[str] = field(default_factory=list)
    towns: list[str] = field(default_factory=list)
    sort: str | None = None  # relevance / distance; default: distance when a location is given
    page: int = 1
    page_size: int = 20
    organizations: list[str] | None = None  # a provider sees its own organisations' listings

    @property
    def effective_sort(self) -> str:
        return self.sort or ("distance" if self.point else "relevance")


# Facets: each is counted under every filter but its own, so a case manager sees what each choice gives.
FACETS = ("needs", "towns", "capacity")


def facet_filters(b: Browse, moment: Moment) -> dict[str, dict | None]:
    return {
        "needs": {"terms": {"needs": b.needs}} if b.needs else None,
        "towns": {"terms": {"address.town": b.towns}} if b.towns else None,
        "capacity": {"bool": {"should": [status_clause(s, moment) for s in b.capacity],
                              "minimum_should_match": 1}} if b.capacity else None,
    }


def browse_body(b: Browse, moment: Moment) -> dict:
    """Browse and filter the directory, with facet counts by need, town and capacity."""
    base: list[dict] = [ACTIVE] if b.organizations is None else [{"terms": {"organization.id": b.organizations}}]
    if b.point and b.radius_miles:
        base.append(geo_within(b.point, b.radius_miles))
    if b.open_now:
        base.append({"term": {"hours.open": moment.minute_of_week}})
    if b.languages:
        base.append({"terms": {"languages": b.languages}})
    if b.walk_in is not None:
        base.append({"term": {"access.walk_in": b.walk_in}})
    keep, must_not = eligibility_clauses(b.facts)
    base.extend(keep)
    if must_not:
        base.append({"bool": {"must_not": must_not}})
    query: dict = {"bool": {"filter": base}}
    if b.q:
        query["bool"]["must"] = [text_query(b.q)]
    chosen = facet_filters(b, moment)

    def others(name: str) -> dict:
        clauses = [c for facet, c in chosen.items() if facet != name and c]
        return {"bool": {"filter": clauses}} if clauses else {"match_all": {}}

    aggs = {
        "needs": {"filter": others("needs"), "aggs": {"f": {"terms": {"field": "needs", "size": 60}}}},
        "towns": {"filter": others("towns"), "aggs": {"f": {"terms": {"field": "address.town", "size": 40}}}},
        "capacity": {"filter": others("capacity"), "aggs": {"f": {"filters": {"filters": {
            s: status_clause(s, moment) for s in ("available", "waitlist", "full", "unknown")}}}}},
    }
    body: dict = {
        "query": query,
        "from": (b.page - 1) * b.page_size,
        "size": b.page_size,
        "track_total_hits": True,
        "_source": RESULT_FIELDS,  # browse results are shaped like a match's (tests/test_result_fields.py)
        "aggs": aggs,
    }
    post = [c for c in chosen.values() if c]
    if post:
        body["post_filter"] = {"bool": {"filter": post}}
    if b.effective_sort == "distance" and b.point:
        body["sort"] = [REAL_FIRST, by_distance(b.point), {"id": "asc"}]
    else:
        body["sort"] = [REAL_FIRST, "_score", {"name.raw": "asc"}, {"id": "asc"}]
    return body


# ----- nearby (the officer's quick mode) ---------------------------------------------------------
NEARBY_FIELDS = ["id", "name", "sample", "service.id", "organization.id", "organization.name", "address", "phones",
                 "reach", "location",
                 "hours.open", "hours.always_open", "hours.text", "access", "capacity", "age", "eligibility",
                 "needs_leaf", "languages", "required_documents"]


def ready_now(moment: Moment) -> dict:
    """Listings a person can go to now: open, and a bed or slot confirmed open, or walk-ins taken while
    no fresh waitlist says there is no room (a waitlist confirmed this shift is what applies tonight)."""
    open_now = {"term": {"hours.open": moment.minute_of_week}}
    walk_in = {"bool": {"filter": [{"term": {"access.walk_in": True}}],
                        "must_not": [status_clause("waitlist", moment)]}}
    return {"bool": {"filter": [open_now], "should": [walk_in, status_clause("available", moment)],
                     "minimum_should_match": 1}}


def methadone_not_detox() -> dict:
    """Opioid treatment programs whose name says methadone clinic and not detox: what an officer's
    "Detox" does not mean, though a methadone clinic may taper someone off (listed as withdrawal management)."""
    named = {"bool": {"should": [{"multi_match": {"query": METHADONE_NAMES, "fields": ["name", "organization.name"]}},
                                 {"multi_match": {"query": "opioid treatment", "fields": ["name"], "type": "phrase"}}],
                      "minimum_should_match": 1}}
    return {"bool": {"filter": [{"term": {"needs_leaf": "substance_use.opioid_treatment_program"}}, named],
                     "must_not": [detox_program()]}}


def nearby_body(point: Located, codes: list[str], moment: Moment, miles: float, size: int, *,
                exclude: list[dict] | None = None, languages: list[str] | None = None) -> dict:
    """Real listings first; then nearest first within tiers: ready now (``ready_now``), open now, hours not
    stated (a call tells), closed (whose next opening is shown). Confirmed-full listings, those ``exclude``
    finds, and with ``languages`` those whose staff speak none of them are left out."""
    open_now = {"term": {"hours.open": moment.minute_of_week}}
    filters: list[dict] = [ACTIVE, {"terms": {"needs": codes}}, geo_within(point, miles),
                           {"bool": {"must_not": [not_confirmed_full(moment), *(exclude or [])]}}]
    if languages:
        filters.append({"terms": {"languages": languages}})
    return {
        "size": size,
        "query": {"bool": {
            "filter": filters,
            "should": [{"constant_score": {"filter": ready_now(moment), "boost": W.NEARBY_READY}},
                       {"constant_score": {"filter": open_now, "boost": W.NEARBY_OPEN}},
                       {"constant_score": {"filter": {"term": {"hours.known": False}}, "boost": W.NEARBY_CALL}}],
        }},
        "sort": [REAL_FIRST, "_score", by_distance(point), {"id": "asc"}],
        "track_total_hits": False,
        "_source": NEARBY_FIELDS,
        "aggs": REAL_IN_DIRECTORY,
    }


def real_in_directory(answer: dict) -> bool:
    """From an answer to a body with ``REAL_IN_DIRECTORY``: the directory holds real listings."""
    return answer["aggregations"]["directory"]["real"]["doc_count"] > 0


def always_open_body(point: Located, place_needs: list[str], moment: Moment, miles: float, size: int,
                     facts: dict[str, Any] | None = None) -> dict:
    """The nearest places open 24/7 that offer ``place_needs`` (an emergency department): what stands in
    when nothing that meets a need is open. With a participant's ``facts`` their eligibility rules apply;
    without (the officer's quick mode) places only for a group (veterans, children) are left out."""
    filters: list[dict] = [ACTIVE, {"terms": {"needs": place_needs}}, {"term": {"hours.always_open": True}},
                           geo_within(point, miles)]
    must_not: list[dict] = [not_confirmed_full(moment)]
    if facts is None:
        must_not += [c for c in (d.kind.without_facts(d) for d in eligibility.DIMENSIONS) if c]
        must_not.append({"range": {"age": {"gte": 0, "lte": 17, "relation": "within"}}})
    else:
        keep, drop = eligibility_clauses(facts)
        filters += keep
        must_not += drop
    return {"size": size, "query": {"bool": {"filter": filters, "must_not": must_not}},
            "sort": [REAL_FIRST, by_distance(point), {"id": "asc"}], "track_total_hits": False,
            "_source": NEARBY_FIELDS}


# ----- the bed board -----------------------------------------------------------------------------
def _bed_filter(group: taxonomy.Group) -> dict:
    needs = {"term": {"needs": group.codes[0]}} if len(group.codes) == 1 else {"terms": {"needs": list(group.codes)}}
    if group.walk_in_only:
        return {"bool": {"filter": [needs, {"term": {"access.walk_in": True}}]}}
    return needs


# The taxonomy's ``beds`` groups (as Connecticut's DMHAS bed board groups them, plus shelter).
BED_GROUPS: dict[str, dict] = {g.name: {"label": (g.title_in("en"), g.title_in("es")), "filter": _bed_filter(g)}
                               for g in taxonomy.groups("beds")}


def bed_board_body(moment: Moment) -> dict:
    """Per need group and town: open beds confirmed within the window, and how many of them are held for
    accepted referrals (holds still active at this moment), so the board shows beds a new person can have."""
    fresh = fresh_clause(moment)
    per_town = {"terms": {"field": "address.town", "size": 200, "order": {"_key": "asc"}}, "aggs": {
        "fresh": {"filter": fresh, "aggs": {
            "available": {"sum": {"field": "capacity.available"}},
            "waitlist": {"sum": {"field": "capacity.waitlist"}},
            "with_beds": {"filter": status_clause("available", moment)},
            "held": {"nested": {"path": "capacity.holds"}, "aggs": {"active": {"filter": {
                "range": {"capacity.holds.until": {"gt": moment.now.isoformat()}}}}}},
        }},
        "stale": {"filter": {"bool": {"must": [{"exists": {"field": "capacity.updated_at"}}], "must_not": [fresh]}}},
        "newest": {"max": {"field": "capacity.updated_at"}},
    }}
    return {"size": 0, "query": {"bool": {"filter": [ACTIVE]}},
            "aggs": {name: {"filter": g["filter"], "aggs": {"towns": per_town}} for name, g in BED_GROUPS.items()}}


# ----- referral outcomes -------------------------------------------------------------------------
def referral_outcomes_body(listing_ids: list[str], since: str) -> dict:
    """Per listing, the referrals it received since ``since`` (ISO time) and the provider's decisions:
    accepted, declined (by reason). A referral withdrawn before the provider decided (its participant was
    placed elsewhere, or the referrer took it back) is not counted: the provider had no say in it.
    Run over the referral index (``Store.search_referrals``); field names are ``directory.referral_states``'."""
    undecided_withdrawal = {"bool": {"filter": [{"term": {"status": "withdrawn"}}],
                                     "must_not": [{"exists": {"field": "decision"}}]}}
    return {"size": 0, "query": {"bool": {
        "filter": [{"terms": {"listing_id": listing_ids}}, {"range": {"created_at": {"gte": since}}}],
        "must_not": [undecided_withdrawal]}},
        "aggs": {"listings": {"terms": {"field": "listing_id", "size": max(1, len(listing_ids))}, "aggs": {
            "accepted": {"filter": {"term": {"decision": "accepted"}}},
            "declined": {"filter": {"term": {"decision": "declined"}},
                         "aggs": {"reasons": {"terms": {"field": "decline_reason", "size": 10}}}}}}}}


# ----- places from the directory's own addresses ------------------------------------------------
def street_points_body(town: str, streets: list[str], size: int = 400) -> dict:
    """Real (not sample), precisely located listings on any of these streets in a town, to locate a
    street corner from the directory's own addresses."""
    return {"size": size, "_source": ["address.address_1", "location.point"],
            "query": {"bool": {"filter": [{"term": {"address.town": town}}, {"term": {"sample": False}},
                                          {"terms": {"location.geocode_quality": PRECISE}}],
                               "should": [{"match_phrase": {"address.address_1": places.street_core(s)}}
                                          for s in streets], "minimum_should_match": 1}}}


# ----- data quality ------------------------------------------------------------------------------
QUALITY = {
    "no_phone": {"term": {"contact": "none"}},
    "phone_lent": {"terms": {"contact": ["site", "organization"]}},
    "no_hours": {"term": {"hours.known": False}},
    "no_ages": {"bool": {"must_not": [{"exists": {"field": "age"}}]}},
}


def data_quality_body(size: int = 50) -> dict:
    """Per source, active listings and those a person cannot act on: no callable number (own or lent),
    a number lent by the site or organisation, no opening hours, no stated ages; and the first ``size``
    real listings with no number at all, to fix."""
    return {"size": size, "query": {"bool": {"filter": [ACTIVE, QUALITY["no_phone"], {"term": {"sample": False}}]}},
            "_source": ["id", "name", "organization.name", "address.town", "sources.source"],
            "sort": [{"organization.name.raw": "asc"}, {"id": "asc"}], "track_total_hits": True,
            "aggs": {"all": {"global": {}, "aggs": {"active": {"filter": ACTIVE, "aggs": {
                "sources": {"terms": {"field": "sources.source", "size": 100, "order": {"_key": "asc"}},
                            "aggs": {name: {"filter": clause} for name, clause in QUALITY.items()}}}}}}}}


# ----- organisations -----------------------------------------------------------------------------
def organizations_body(size: int = 5000) -> dict:
    """Every organisation with its name and how many listings it has."""
    return {"size": 0, "aggs": {"orgs": {"terms": {"field": "organization.id", "size": size, "order": {"_key": "asc"}},
                                         "aggs": {"name": {"top_hits": {"size": 1, "_source": ["organization.name"]}},
                                                  "active": {"filter": ACTIVE}}}}}


# ----- the HSDS 3.0 read API ---------------------------------------------------------------------
HSDS_SOURCE = ["record", "hsds"]


def hsds_listings_body(*, search: str | None = None, need_codes: list[str] | None = None,
                       organization_id: str | None = None, modified_after: str | None = None,
                       sites_only: bool = False, page: int = 1, per_page: int = 50,
                       any_need: bool = False, any_eligibility: bool = False,
                       postcode: str | None = None, postcode_town: str | None = None,
                       near: tuple[float, float] | None = None, within_meters: float | None = None,
                       minimal: bool = False) -> dict:
    """One page of listings for ``/hsds/services`` and ``/hsds/service_at_locations``: typed text,
    need codes (a parent need includes its children), an organisation's HSDS id, changed since; all
    statuses (HSDS carries the status). ``sites_only`` leaves out services with no site.

    HSDS ``taxonomy_id``: ``any_need`` (lead-needs: a service with a need), ``any_eligibility``
    (lead-eligibility: a service stating some eligibility rule). HSDS ``postcode``: covered by a stated
    service area holding the postcode's town (``postcode_town``), or, stating none, sited at that postcode;
    with ``proximity`` (``near`` and ``within_meters``) instead: sited that close to the postcode's centroid.
    ``minimal`` reads only what an id and a modified date need."""
    filters: list[dict] = []
    if need_codes is not None:
        filters.append({"terms": {"needs": need_codes}})
    if any_need:
        filters.append({"exists": {"field": "needs"}})
    if any_eligibility:
        filters.append({"bool": {"should": [{"exists": {"field": f"eligibility.{name}"}}
                                            for name in ELIGIBILITY_DOC_FIELDS], "minimum_should_match": 1}})
    if near is not None and within_meters is not None:
        filters.append({"geo_distance": {"distance": f"{within_meters}m",
                                         "location.point": {"lat": near[0], "lon": near[1]}}})
    elif postcode:
        covered = [{"term": {"eligibility.service_area_towns": postcode_town}}] if postcode_town else []
        filters.append({"bool": {"should": covered + [{"bool": {
            "filter": [{"term": {"address.postal_code": postcode}}],
            "must_not": [{"term": {"eligibility.service_area_towns_known": True}}]}}], "minimum_should_match": 1}})
    if organization_id:
        filters.append({"term": {"hsds.organization_id": organization_id}})
    if modified_after:
        filters.append({"bool": {"should": [{"range": {"service.last_modified": {"gte": modified_after}}},
                                            {"range": {"edited_at": {"gte": modified_after}}},
                                            {"range": {"capacity.updated_at": {"gte": modified_after}}}],
                                 "minimum_should_match": 1}})
    if sites_only:
        filters.append({"bool": {"must_not": [{"term": {"location.location_type": "virtual"}}]}})
    query: dict = {"bool": {"filter": filters}}
    if search:
        query["bool"]["must"] = [text_query(search)]
    return {"query": query, "from": (page - 1) * per_page, "size": per_page, "track_total_hits": True,
            "_source": HSDS_MINIMAL_SOURCE if minimal else HSDS_SOURCE,
            "sort": (["_score"] if search else []) + [{"name.raw": "asc"}, {"id": "asc"}]}


# What ``minimal`` needs: the ids (the HSDS service id is derived from the listing id) and the dates.
HSDS_MINIMAL_SOURCE = ["id", "hsds", "service.last_modified", "edited_at", "capacity.updated_at"]
# Each eligibility rule's document field (directory.documents), for "states some eligibility rule".
ELIGIBILITY_DOC_FIELDS = tuple(d.doc_field.split(".", 1)[1] for d in eligibility.DIMENSIONS
                               if d.doc_field.startswith("eligibility.") and d.kind != "range")


def hsds_lookup_body(field_name: str, value: str, size: int = 1000) -> dict:
    """Listings whose HSDS id field (``hsds.service_id``, ``hsds.organization_id``, ...) is ``value``."""
    return {"query": {"bool": {"filter": [{"term": {f"hsds.{field_name}": value}}]}}, "size": size,
            "_source": HSDS_SOURCE, "sort": [{"id": "asc"}]}


def hsds_organization_ids_body(search: str | None = None, size: int = 10000) -> dict:
    """Every organisation's HSDS id (optionally those whose name matches), in id order."""
    query: dict = {"match": {"organization.name": {"query": search, "operator": "and"}}} if search else \
        {"match_all": {}}
    return {"size": 0, "query": query,
            "aggs": {"orgs": {"terms": {"field": "hsds.organization_id", "size": size, "order": {"_key": "asc"}}}}}


def hsds_organizations_body(organization_ids: list[str], per_org: int = 100) -> dict:
    """The listings of these organisations (their HSDS ids), to build their HSDS organization objects."""
    return {"size": 0, "query": {"terms": {"hsds.organization_id": organization_ids}},
            "aggs": {"orgs": {"terms": {"field": "hsds.organization_id", "size": len(organization_ids) or 1},
                              "aggs": {"listings": {"top_hits": {"size": per_org, "_source": HSDS_SOURCE,
                                                                 "sort": [{"id": "asc"}]}}}}}}
