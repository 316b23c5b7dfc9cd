"""Program reports over a generated month of activity, checked against counts this test makes itself.

How the month is generated: ``random.Random(2211)`` draws, for each day of November 2026, 3 to 9
diversions (kind, program, town, whether and how fast a case manager acknowledged and reached the person),
each written through the domain's own document builder with its timestamps set to that day; for about
half of the diverted people a referral of the same person (needs, whether the provider answered, accepted
or declined and why, no-show or enrolment, a bed hold of 1 to 48 hours); and 0 to 3 officers' searches a
day that found nothing open with room, as the unmet-need tally writes them. The expected figures below are
counted from those Python lists, not from the engine nor from ``directory.reports``.
"""
from __future__ import annotations

import csv
import io
import random
import uuid
from collections import Counter
from datetime import datetime, timedelta, timezone
from statistics import median
from zoneinfo import ZoneInfo

import pytest
from elasticsearch import helpers

from directory import diversions as rules
from directory import reports
from directory.accounts import User
from directory.indices.unmet import unmet

ZONE = ZoneInfo("America/New_York")
START = datetime(2026, 11, 1, tzinfo=ZONE)
END = datetime(2026, 12, 1, tzinfo=ZONE)
TOWNS = ("Hartford", "New Haven", "East Hartford")
NEEDS = ("housing.emergency_shelter", "substance_use.withdrawal_management", "mental_health.crisis")
LISTINGS = {"seed-00001": "Hartford", "seed-00005": None}  # the second's town is read from the directory
SECRET_REFS: set[str] = set()


def shown(n: int):
    return "<11" if 0 < n < 11 else n


# ----- pure -----------------------------------------------------------------------------------------------
def test_small_cells_and_rates_are_suppressed():
    assert [reports.cell(n) for n in (0, 1, 10, 11, 250)] == [0, "<11", "<11", 11, 250]
    period = reports.Period(START, START + timedelta(days=30))
    docs = [{"type": "social_contact", "town": "Hartford", "program": "hartford",
             "created_at": (START + timedelta(hours=i)).isoformat(), "acknowledged_at": None, "contacted_at": None}
            for i in range(12)]
    report = reports.program_report(period, "hartford", docs, [], [], {}, START + timedelta(days=40))
    assert report["diversions"]["count"] == 12
    assert report["diversions"]["minutes_to_first_contact"] == {"median": None, "cases": 0}
    few = reports.program_report(period, "hartford", docs[:4], [], [], {}, START)
    assert few["diversions"]["count"] == "<11" and few["diversions"]["by_type_and_town"][0]["count"] == "<11"


def test_an_answer_is_unmet_when_nothing_is_open_with_room():
    assert unmet({"results": []})
    assert unmet({"results": [{"open_now": False, "capacity": {"status": "available"}},
                              {"open_now": True, "capacity": {"status": "full"}}]})
    assert not unmet({"results": [{"open_now": True, "capacity": {"status": "unknown"}}]})


# ----- a month against the engine ------------------------------------------------------------------------
def _month():
    rng = random.Random(2211)
    divs, refs, searches = [], [], []
    for day in range(30):
        for _ in range(rng.randint(3, 9)):
            created = (START + timedelta(days=day, minutes=rng.randint(0, 1439))).astimezone(timezone.utc)
            ref = f"HPD-{uuid.uuid4().hex[:8].upper()}"
            SECRET_REFS.add(ref)
            officer = User(f"officer-{rng.randint(1, 5)}", "officer", program="hartford")
            doc = rules.new_document(
                officer, client_key=uuid.uuid4().hex, program=rng.choice(("hartford", "hartford", "new-haven")),
                type_=rng.choice(rules.TYPES), participant_ref=ref, town=rng.choice(TOWNS), place="Main St",
                occurred_at=created - timedelta(minutes=5), needs=["detox"], note=None, consent_to_contact=True,
                name="Secret Person", dob="1990-01-01", consent_expires_at=created + timedelta(days=90), now=created)
            if rng.random() < 0.9:
                doc["acknowledged_at"] = (created + timedelta(minutes=rng.randint(1, 90))).isoformat()
                doc["status"] = "acknowledged"
                if rng.random() < 0.8:
                    doc["contacted_at"] = (created + timedelta(minutes=rng.randint(91, 600))).isoformat()
                    doc["status"] = "contacted"
            divs.append(doc)
            if rng.random() < 0.5:
                refs.append(_referral(rng, doc, created))
        for _ in range(rng.randint(0, 3)):
            at = (START + timedelta(days=day, hours=rng.randint(0, 23))).astimezone(timezone.utc)
            searches.append({"kind": "search", "need": rng.choice(("detox", "shelter")), "town": rng.choice(TOWNS),
                             "at": at.isoformat(), "week": reports.week_of(at)})
    return divs, refs, searches


def _referral(rng, diversion, created):
    sent = created + timedelta(hours=rng.randint(1, 20))
    listing = rng.choice(sorted(LISTINGS))
    events = [{"n": 1, "at": sent.isoformat(), "actor": "cm", "side": "referrer", "status": "sent", "from": None}]
    doc = {"id": uuid.uuid4().hex[:16], "program": diversion["program"], "participant_ref": diversion["participant_ref"],
           "listing_id": listing, "organization_id": "org", "needs": [rng.choice(NEEDS)], "note": "Secret note",
           "created_at": sent.isoformat(), "decision": None, "decided_at": None, "decline_reason": None,
           "status": "sent", "hold": None, "events": events}
    roll = rng.random()
    if roll < 0.75:
        decided = sent + timedelta(hours=rng.randint(1, 30))
        if rng.random() < 0.6:
            doc.update(decision="accepted", decided_at=decided.isoformat(), status="accepted")
            hours = rng.randint(1, 48)
            doc["hold"] = {"id": "h", "listing_id": listing, "at": decided.isoformat(),
                           "until": (decided + timedelta(hours=24)).isoformat(),
                           "released_at": (decided + timedelta(hours=min(hours, 24))).isoformat()}
            events.append({"n": 2, "at": decided.isoformat(), "status": "accepted"})
            outcome = rng.choice(("enrolled", "no_show", None))
            if outcome:
                events.append({"n": 3, "at": (decided + timedelta(hours=min(hours, 24))).isoformat(), "status": outcome})
                doc["status"] = outcome
        else:
            reason = rng.choice(("no_capacity", "not_eligible", "no_capacity", "other"))
            doc.update(decision="declined", decided_at=decided.isoformat(), decline_reason=reason, status="declined")
            events.append({"n": 2, "at": decided.isoformat(), "status": "declined", "reason": reason})
    return doc


@pytest.fixture(scope="module")
def month(es, base_settings):
    from tests.conftest import seeded_app

    with seeded_app(es, base_settings, "reports") as app:
        rt = app.extensions["lead"]
        divs, refs, searches = _month()
        cat = rt.store.catalogue
        cat.ensure("diversions", "referrals", "unmet")
        actions = [{"_index": cat.name("diversions"), "_id": d["id"], "_source": d} for d in divs]
        actions += [{"_index": cat.name("referrals"), "_id": r["id"], "_source": {
            **r, "consent": {"organization_id": "org", "share": [], "recorded_by": "cm", "recorded_at": r["created_at"]},
        }} for r in refs]
        actions += [{"_index": cat.name("unmet"), "_source": s} for s in searches]
        helpers.bulk(es, actions, refresh=True)
        towns = {lid: (t or rt.store.get(lid)[0]["address"]["town"].title()) for lid, t in LISTINGS.items()}
        yield app, divs, refs, searches, towns


def _admin(app):
    _, token = app.extensions["lead"].accounts.create(f"admin-{uuid.uuid4().hex[:6]}", "admin")
    c = app.test_client()
    c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return c


@pytest.mark.es
def test_a_month_of_activity_matches_counts_made_independently(month):
    app, divs, refs, searches, towns = month
    admin = _admin(app)
    resp = admin.get("/api/v1/reports/program?from=2026-11-01&to=2026-11-30&program=hartford")
    assert resp.status_code == 200, resp.json
    got = resp.json

    mine = [d for d in divs if d["program"] == "hartford"]
    assert got["diversions"]["count"] == shown(len(mine))
    expected_cells = Counter((d["type"], d["town"]) for d in mine)
    assert {(x["type"], x["town"]): x["count"] for x in got["diversions"]["by_type_and_town"]} == \
        {k: shown(v) for k, v in expected_cells.items()}
    assert any(x["count"] == "<11" for x in got["diversions"]["by_type_and_town"]) or min(expected_cells.values()) >= 11

    def minutes(a, b):
        return (datetime.fromisoformat(b) - datetime.fromisoformat(a)).total_seconds() / 60
    contact = [minutes(d["created_at"], d["contacted_at"]) for d in mine if d.get("contacted_at")]
    assert got["diversions"]["minutes_to_first_contact"] == {"median": round(median(contact), 1),
                                                            "cases": shown(len(contact))}

    my_refs = [r for r in refs if r["program"] == "hartford" and datetime.fromisoformat(r["created_at"]) < END]
    assert got["referrals"]["count"] == shown(len(my_refs))
    by_need = Counter(r["needs"][0] for r in my_refs)
    assert {x["need"]: x["count"] for x in got["referrals"]["by_need"]} == {k: shown(v) for k, v in by_need.items()}
    accepted = sum(1 for r in my_refs if r["decision"] == "accepted")
    declined = sum(1 for r in my_refs if r["decision"] == "declined")
    assert (got["referrals"]["accepted"], got["referrals"]["declined"]) == (shown(accepted), shown(declined))
    assert got["referrals"]["acceptance_rate"] == round(accepted / (accepted + declined), 3)
    reasons = Counter(r["decline_reason"] for r in my_refs if r["decision"] == "declined")
    assert {x["reason"]: x["count"] for x in got["referrals"]["declines_by_reason"]} == \
        {k: shown(v) for k, v in reasons.items()}
    assert got["referrals"]["no_shows"] == shown(sum(1 for r in my_refs if r["status"] == "no_show"))
    held = sum((min(datetime.fromisoformat(r["hold"]["released_at"]), END) - datetime.fromisoformat(r["hold"]["at"])
                ).total_seconds() / 86400 for r in my_refs if r["hold"])
    assert got["referrals"]["bed_days_held"] == pytest.approx(round(held, 1), abs=0.05)

    unmet_cells = Counter((s["need"], s["town"], s["week"], "search") for s in searches)
    for r in my_refs:
        if r["decline_reason"] == "no_capacity":
            decided = datetime.fromisoformat(r["decided_at"])
            unmet_cells[(r["needs"][0], towns[r["listing_id"]], reports.week_of(decided), "referral")] += 1
    assert {(u["need"], u["town"], u["week"], u["source"]): u["count"] for u in got["unmet_need"]} == \
        {k: shown(v) for k, v in unmet_cells.items()}

    # The CSV says the same, and neither export nor the audit trail holds anything about a person.
    text = admin.get("/api/v1/reports/program?from=2026-11-01&to=2026-11-30&program=hartford&format=csv")
    assert text.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(text.get_data(as_text=True))))
    assert ["diversions", "count", "", str(shown(len(mine)))] in rows
    trail = app.extensions["lead"].store.audit_trail.events(size=500)
    for blob in (resp.get_data(as_text=True), text.get_data(as_text=True), str(trail)):
        assert "Secret Person" not in blob and "Secret note" not in blob and "1990-01-01" not in blob
        assert not any(ref in blob for ref in SECRET_REFS)


@pytest.mark.es
def test_the_report_page_and_who_may_read_it(month):
    app = month[0]
    admin = _admin(app)
    assert admin.get("/api/v1/reports/program?from=2026-11-30&to=2026-11-01").status_code == 422
    bad = admin.get("/api/v1/reports/program?from=2026-11-01&to=2026-11-30&program=bridgeport")
    assert bad.status_code == 422 and bad.json["errors"][0]["field"] == "program"
    _, token = app.extensions["lead"].accounts.create(f"cm-{uuid.uuid4().hex[:6]}", "case_manager")
    cm = app.test_client()
    cm.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    assert cm.get("/api/v1/reports/program?from=2026-11-01&to=2026-11-30").status_code == 403
