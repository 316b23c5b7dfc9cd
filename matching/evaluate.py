"""Offline evaluation of matching on labelled LEAD scenarios against the seed directory.

``make eval`` runs every scenario in ``tests/scenarios.json`` through ``POST /api/v1/match`` and
prints precision@5, NDCG@10 and the number of returned listings that an independent Python
eligibility check (written apart from the query builder) finds definitely ineligible: that number
must be 0.

A scenario names listings that must rank in the top 3 (``top3``), in the top 10 (``top10``) and
listings that must never appear (``never``). Graded relevance for NDCG: top3 = 2, top10 = 1.
"""
from __future__ import annotations

import json
import math
import sys
from pathlib import Path

from matching.profile import resolve_location
from matching.query import accepted_insurance

SCENARIOS = Path(__file__).resolve().parent.parent / "tests" / "scenarios.json"


def definitely_ineligible(record: dict, profile: dict) -> list[str]:
    """Reasons a listing record definitely cannot serve this profile ([] when it may)."""
    why: list[str] = []
    elig = record.get("eligibility") or {}
    service = record.get("service") or {}
    if (service.get("status") or "active") != "active":
        why.append("not active")
    age = profile.get("age")
    lo, hi = service.get("minimum_age"), service.get("maximum_age")
    if age is not None and ((lo is not None and age < lo) or (hi is not None and age > hi)):
        why.append("age")
    if profile.get("gender") and elig.get("genders") is not None and profile["gender"] not in elig["genders"]:
        why.append("gender")
    if profile.get("insurance") and elig.get("insurance") is not None and \
            not set(elig["insurance"]) & set(accepted_insurance(profile["insurance"])):
        why.append("insurance")
    if profile.get("moud") and elig.get("moud_accepted") is not None and profile["moud"] not in elig["moud_accepted"]:
        why.append("moud")
    if profile.get("currently_using") and elig.get("sobriety_required") is True:
        why.append("sobriety")
    if set(profile.get("offences") or []) & set(elig.get("offence_exclusions") or []):
        why.append("offence")
    if not profile.get("veteran") and elig.get("veterans_only") is True:
        why.append("veterans only")
    if profile.get("has_id") is False and elig.get("id_required") is True:
        why.append("id")
    towns = elig.get("service_area_towns")
    if towns is not None and profile.get("_town") and profile["_town"].lower() not in {t.lower() for t in towns}:
        why.append("outside service area")
    return why


def ndcg(ranked: list[str], gains: dict[str, int], k: int = 10) -> float:
    dcg = sum(gains.get(lid, 0) / math.log2(i + 2) for i, lid in enumerate(ranked[:k]))
    ideal = sorted(gains.values(), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 1.0


def run(client, store, scenarios: list[dict]) -> dict:
    rows = []
    ineligible_total = 0
    for sc in scenarios:
        profile = {**sc["profile"], "limit": 10}
        resp = client.post("/api/v1/match", json=profile)
        loc = profile["location"]
        point = resolve_location(lat=loc.get("lat"), lon=loc.get("lon"), zip_code=loc.get("zip"), near=loc.get("text"))
        profile["_town"] = point.town if point else None
        if resp.status_code != 200:
            raise SystemExit(f"scenario {sc['id']}: HTTP {resp.status_code} {resp.get_json()}")
        ranked = [r["listing_id"] for r in resp.get_json()["results"]]
        relevant = set(sc.get("top3", [])) | set(sc.get("top10", []))
        gains = {lid: 2 for lid in sc.get("top3", [])} | {lid: 1 for lid in sc.get("top10", []) if lid not in sc.get("top3", [])}
        if relevant:
            p5 = len([lid for lid in ranked[:5] if lid in relevant]) / min(5, len(relevant))
        else:  # a scenario whose right answer is "nothing fits": any result is a miss
            p5 = 0.0 if ranked else 1.0
        bad = []
        for lid in ranked:
            record = store.get(lid)[0]["record"]
            why = definitely_ineligible(record, profile)
            if why:
                bad.append(f"{lid} ({', '.join(why)})")
        never = [lid for lid in ranked if lid in set(sc.get("never", []))]
        missed3 = [lid for lid in sc.get("top3", []) if lid not in ranked[:3]]
        missed10 = [lid for lid in sc.get("top10", []) if lid not in ranked[:10]]
        ineligible_total += len(bad)
        rows.append({"id": sc["id"], "p@5": round(p5, 3), "ndcg@10": round(ndcg(ranked, gains), 3),
                     "ineligible": bad, "never_shown": never, "missed_top3": missed3, "missed_top10": missed10})
    n = len(rows) or 1
    return {"scenarios": len(rows), "precision_at_5": round(sum(r["p@5"] for r in rows) / n, 3),
            "ndcg_at_10": round(sum(r["ndcg@10"] for r in rows) / n, 3), "ineligible_returned": ineligible_total,
            "never_violations": sum(len(r["never_shown"]) for r in rows), "rows": rows}


def main() -> int:
    from api.app import create_app

    app = create_app()
    store, accounts = app.extensions["lead"].store, app.extensions["lead"].accounts
    if accounts.get("eval-runner") is None:
        accounts.create("eval-runner", "case_manager", actor="eval")
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {accounts.reset_token('eval-runner', actor='eval')}"
    scenarios = json.loads(SCENARIOS.read_text(encoding="utf-8"))
    result = run(client, store, scenarios)
    print(f"{'scenario':<40} {'P@5':>5} {'NDCG@10':>8}  notes")
    for r in result["rows"]:
        notes = "; ".join(filter(None, [
            f"missed top3 {r['missed_top3']}" if r["missed_top3"] else "",
            f"missed top10 {r['missed_top10']}" if r["missed_top10"] else "",
            f"NEVER shown {r['never_shown']}" if r["never_shown"] else "",
            f"INELIGIBLE {r['ineligible']}" if r["ineligible"] else ""]))
        print(f"{r['id']:<40} {r['p@5']:>5.2f} {r['ndcg@10']:>8.3f}  {notes}")
    print(f"\n{result['scenarios']} scenarios: precision@5 {result['precision_at_5']:.3f}, "
          f"NDCG@10 {result['ndcg_at_10']:.3f}, ineligible returned {result['ineligible_returned']}, "
          f"never-list violations {result['never_violations']}")
    return 1 if result["ineligible_returned"] or result["never_violations"] else 0


if __name__ == "__main__":
    sys.exit(main())
