"""``make eval-ct``: matching judged on the real Connecticut federal lists, against labels written from
the source rows by someone who had not read the matching code (``tests/eval_ct/METHOD.md``).

The directory is the seed plus the CT lists, loaded into its own index prefix. Each scenario names the
expected programs by source file and row (several rows may be one listing once duplicates merge) with a
grade (2 ideal, 1 acceptable), and the programs the participant definitely cannot attend (``never``).
Reported per split (``dev`` for tuning, ``heldout`` kept out of it):

- hard-rule violations: a ``never`` program in the top 10, or a result the eligibility oracle
  (``directory.eligibility.definitely_ineligible``, over the stored record) finds ineligible;
- precision@5 and NDCG@10 over the first ten real listings returned (the seed's fictional ones are
  skipped, and counted), and the *reachable* precision@5, what a perfect ordering of the same answer
  would score (labelled listings the match returned at all): the gap between the two is ranking, the
  gap below 1 is filters and data;
- the mean distance of the top 5 against that of the 5 nearest labelled programs.

Only the dev split's scenarios are printed one by one unless ``--show-heldout`` is given: ranking is
tuned on dev, and the held-out part is read for its totals.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

from bench.evaluate import ndcg
from directory.eligibility import PROFILE_FIELDS, definitely_ineligible

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "tests" / "eval_ct" / "scenarios_ct.json"
CT_LISTS = ROOT.parent / "shared" / "data" / "facilities" / "ct"


def source_index(store) -> dict[tuple[str, str], str]:
    """(file, 'row N') -> listing id, over every listing's provenance."""
    from elasticsearch import helpers  # noqa: PLC0415 - bench code reads the store's index directly

    out: dict[tuple[str, str], str] = {}
    for hit in helpers.scan(store.es, index=store.listings.alias, _source=["id", "sources"]):
        for src in hit["_source"].get("sources") or []:
            out[(src.get("file") or "", src["source_id"])] = hit["_source"]["id"]
    return out


def score(scenario: dict, results: list[dict], store, where: dict[tuple[str, str], str]) -> dict:
    gains: dict[str, int] = {}
    miles_of: dict[str, float] = {}
    unmapped = []
    for entry in scenario["relevant"]:
        lid = where.get((entry["file"], f"row {entry['row']}"))
        if lid is None:
            unmapped.append(entry)
            continue
        gains[lid] = max(gains.get(lid, 0), entry["grade"])
        miles_of[lid] = min(miles_of.get(lid, 1e9), entry.get("miles", 1e9))
    never: dict[str, str] = {}
    for entry in scenario["never"]:
        lid = where.get((entry["file"], f"row {entry['row']}"))
        if lid:
            never[lid] = f"{entry['name']}: {entry['why']}"
    real = [r for r in results if not r["sample"]][:10]
    ranked = [r["listing_id"] for r in real]
    facts = {k: v for k, v in scenario["profile"].items() if k in PROFILE_FIELDS}
    violations = [f"{lid} never ({never[lid]})" for lid in ranked if lid in never]
    shown = {r["listing_id"]: r for r in results[:10] + real}
    for r in shown.values():
        record = store.get(r["listing_id"])[0]["record"]
        why = definitely_ineligible(record, {**facts, **({"_town": r.get("_town")} if r.get("_town") else {})})
        if why:
            violations.append(f"{r['listing_id']} ineligible ({', '.join(why)})")
    relevant = set(gains)
    p5 = (len([x for x in ranked[:5] if x in relevant]) / min(5, len(relevant))) if relevant else None
    # What a perfect ordering of the same answer would score: relevant listings the match returned at
    # all (within its first 50), against those labelled. Below 1, the filters or the data miss them.
    returned = {r["listing_id"] for r in results if not r["sample"]}
    reach5 = min(5, len(relevant & returned)) / min(5, len(relevant)) if relevant else None
    top5 = [r["distance"]["miles"] for r in real[:5] if r.get("distance")]
    nearest = sorted(miles_of.values())[:5]
    return {
        "id": scenario["id"], "split": scenario["split"], "p@5": p5, "reachable_p@5": reach5,
        "ndcg@10": ndcg(ranked, gains) if relevant else None, "violations": violations,
        "sample_in_top5": sum(1 for r in results[:5] if r["sample"]),
        "top5_miles": round(sum(top5) / len(top5), 1) if top5 else None,
        "nearest_miles": round(sum(nearest) / len(nearest), 1) if nearest else None,
        "missed": [lid for lid, g in sorted(gains.items(), key=lambda kv: -kv[1]) if g == 2 and lid not in ranked[:5]],
        "unmapped": unmapped, "ranked": ranked[:10],
    }


def summarise(rows: list[dict]) -> dict:
    scored = [r for r in rows if r["p@5"] is not None]
    dist = [r for r in rows if r["top5_miles"] is not None and r["nearest_miles"] is not None]
    return {
        "scenarios": len(rows),
        "hard_rule_violations": sum(len(r["violations"]) for r in rows),
        "scenarios_with_violations": sum(1 for r in rows if r["violations"]),
        "precision_at_5": round(sum(r["p@5"] for r in scored) / len(scored), 3) if scored else None,
        "reachable_precision_at_5": round(sum(r["reachable_p@5"] for r in scored) / len(scored), 3)
        if scored else None,
        "ndcg_at_10": round(sum(r["ndcg@10"] for r in scored) / len(scored), 3) if scored else None,
        "mean_top5_miles": round(sum(r["top5_miles"] for r in dist) / len(dist), 1) if dist else None,
        "mean_nearest_labelled_miles": round(sum(r["nearest_miles"] for r in dist) / len(dist), 1) if dist else None,
        "sample_listings_in_top5": sum(r["sample_in_top5"] for r in rows),
    }


def run(client, store, scenarios: list[dict]) -> dict:
    where = source_index(store)
    rows = []
    for sc in scenarios:
        # The seed's fictional listings share the directory: ask for enough results to score the first
        # ten real ones, and count how many fictional ones came before them.
        resp = client.post("/api/v1/match", json={**sc["profile"], "limit": 50})
        if resp.status_code != 200:
            raise SystemExit(f"scenario {sc['id']}: HTTP {resp.status_code} {resp.get_json()}")
        out = resp.get_json()
        town = (out.get("location") or {}).get("town")
        results = [{**r, "_town": town.upper() if town else None} for r in out["results"]]
        rows.append(score(sc, results, store, where))
    by_split: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_split[r["split"]].append(r)
    return {"rows": rows, "splits": {name: summarise(part) for name, part in sorted(by_split.items())},
            "all": summarise(rows)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show-heldout", action="store_true", help="print held-out scenarios one by one too")
    parser.add_argument("--prefix", default="eval-ct", help="index prefix for the evaluation directory")
    parser.add_argument("--json", action="store_true", help="print the whole result as JSON")
    args = parser.parse_args(argv)

    from api.app import create_app  # noqa: PLC0415
    from directory.settings import Settings  # noqa: PLC0415
    from ingest import pipeline  # noqa: PLC0415
    from ingest.geocode import Geocoder  # noqa: PLC0415

    settings = Settings.from_env(index_prefix=args.prefix)
    app = create_app(settings)
    rt = app.extensions["lead"]
    rt.store.ensure_indices()
    report, _ = pipeline.run([f"seed:{ROOT / 'seed_data'}", f"federal:{CT_LISTS}"], rt.store, Geocoder(),
                             samples=True)
    print(f"directory: {report.summary().splitlines()[0]}", file=sys.stderr)
    accounts = rt.accounts
    if accounts.get("eval-runner") is None:
        accounts.create("eval-runner", "case_manager", actor="eval")
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {accounts.reset_token('eval-runner', actor='eval')}"
    result = run(client, rt.store, json.loads(SCENARIOS.read_text(encoding="utf-8")))
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        print(f"{'scenario':<52} {'split':<8} {'P@5':>5} {'reach':>5} {'NDCG':>5} {'top5 mi':>7} {'near mi':>7}  notes")
        for r in result["rows"]:
            if r["split"] == "heldout" and not args.show_heldout:
                continue
            notes = "; ".join(filter(None, [
                f"VIOLATIONS {r['violations']}" if r["violations"] else "",
                f"missed {r['missed']}" if r["missed"] else "",
                f"{len(r['unmapped'])} labelled rows not in the directory" if r["unmapped"] else ""]))
            p5 = f"{r['p@5']:.2f}" if r["p@5"] is not None else "  -  "
            reach = f"{r['reachable_p@5']:.2f}" if r["reachable_p@5"] is not None else "  -  "
            nd = f"{r['ndcg@10']:.2f}" if r["ndcg@10"] is not None else "  -  "
            print(f"{r['id']:<52} {r['split']:<8} {p5:>5} {reach:>5} {nd:>5} {str(r['top5_miles']):>7} "
                  f"{str(r['nearest_miles']):>7}  {notes}")
        print()
        for name, s in [*result["splits"].items(), ("all", result["all"])]:
            print(f"{name:<8} {s['scenarios']} scenarios: hard-rule violations {s['hard_rule_violations']} "
                  f"(in {s['scenarios_with_violations']}), precision@5 {s['precision_at_5']} "
                  f"(reachable {s['reachable_precision_at_5']}), "
                  f"NDCG@10 {s['ndcg_at_10']}, mean top-5 distance {s['mean_top5_miles']} mi vs nearest "
                  f"labelled {s['mean_nearest_labelled_miles']} mi, seed listings in top 5: "
                  f"{s['sample_listings_in_top5']}")
    rt.store.drop_everything()
    return 1 if result["all"]["hard_rule_violations"] else 0


if __name__ == "__main__":
    sys.exit(main())
