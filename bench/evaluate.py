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

from directory.eligibility import PROFILE_FIELDS, definitely_ineligible

SCENARIOS = Path(__file__).resolve().parent.parent / "tests" / "scenarios.json"


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
        if resp.status_code != 200:
            raise SystemExit(f"scenario {sc['id']}: HTTP {resp.status_code} {resp.get_json()}")
        facts = {k: v for k, v in profile.items() if k in PROFILE_FIELDS}
        town = (resp.get_json().get("location") or {}).get("town")
        if town:
            facts["_town"] = town.upper()
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
            why = definitely_ineligible(record, facts)
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
