"""Closed-loop referrals through the API against the real engine: every legal transition and every illegal
one, who may see and do what, consent, bed holds counted and expiring, two accepts racing for the last bed,
enrolment withdrawing the rest of a group, outcome rates, unseen counts, retention, and what is never logged."""
from __future__ import annotations

import logging
import threading
import time
import uuid
from datetime import datetime, timedelta

import pytest

from api.app import create_app
from directory.referral_states import STATUSES, TERMINAL, TRANSITIONS, utcnow
from tests.conftest import seeded_app

pytestmark = pytest.mark.es

BEDS_A, BEDS_B, NO_BEDS = "seed-00001", "seed-00003", "seed-00002"  # org-0001 shelters: 22, 15 and 0 open
OTHER_ORG_BEDS = "seed-00005"  # org-0002, 6 open
NO_COUNT, NO_COUNT_2 = "seed-00023", "seed-00024"  # org-0012 outpatient: no capacity figure, so no holds
ORG, OTHER_ORG, NO_COUNT_ORG = "org-0001", "org-0002", "org-0012"
OUTCOMES = "seed-00020"  # org-0011 intensive outpatient, only referred to by the outcomes test


@pytest.fixture(scope="module")
def site(es, base_settings):
    """One seeded directory for the module; each test works on its own listings or resets their beds."""
    with seeded_app(es, base_settings, "referrals") as app:
        yield app


def client(app, role: str, organizations: tuple[str, ...] = (), program: str | None = None):
    name = f"{role.replace('_', '-')}-{uuid.uuid4().hex[:6]}"
    _, token = app.extensions["lead"].accounts.create(name, role, organizations=list(organizations), program=program)
    c = app.test_client()
    c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    c.username = name
    return c


@pytest.fixture(scope="module")
def people(site):
    return {"cm": client(site, "case_manager", program="hartford"),
            "cm_same": client(site, "case_manager", program="hartford"),
            "cm_other": client(site, "case_manager", program="new-haven"),
            "officer": client(site, "officer", program="hartford"),
            "loner": client(site, "case_manager"),
            "provider": client(site, "provider", (ORG,)), "provider_other": client(site, "provider", (OTHER_ORG,)),
            "provider_nc": client(site, "provider", (NO_COUNT_ORG,)), "admin": client(site, "admin")}


def send(c, listings, *, consents=None, ref="CASE-1001", note="Prefers mornings", needs=("shelter",), urgency="today"):
    orgs = consents if consents is not None else [{"organization_id": o} for o in sorted({_org(c, lid) for lid in listings})]
    return c.post("/api/v1/referrals", json={"listing_ids": list(listings), "participant_ref": ref, "needs": list(needs),
                                             "note": note, "urgency": urgency, "consents": orgs})


def _org(c, listing_id):
    return c.get(f"/api/v1/services/{listing_id}").get_json()["organization"]["id"]


def move(c, referral_id, status, **extra):
    return c.post(f"/api/v1/referrals/{referral_id}/status", json={"status": status, **extra})


def set_beds(admin, listing_id, available):
    etag = admin.get(f"/api/v1/services/{listing_id}").headers["ETag"]
    resp = admin.put(f"/api/v1/services/{listing_id}/capacity", json={"available": available, "maximum": 100},
                     headers={"If-Match": etag})
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()["capacity"]


def capacity(c, listing_id):
    return c.get(f"/api/v1/services/{listing_id}").get_json()["capacity"]


# ----- the table --------------------------------------------------------------------------------------
def test_the_transition_table_is_closed_and_terminal_states_end_it():
    assert set(TRANSITIONS) | {t for moves in TRANSITIONS.values() for t in moves} == set(STATUSES)
    assert all(status not in TRANSITIONS for status in TERMINAL)
    assert all(not ({"sent"} & set(moves)) for moves in TRANSITIONS.values())  # nothing goes back to sent
    for moves in TRANSITIONS.values():
        assert all(who <= {"provider", "referrer", "system"} and who for who in moves.values())


# How to reach each status from a new referral, with the side that makes each step.
PATHS = {"sent": [], "viewed": ["viewed"], "accepted": ["accepted"], "declined": ["declined"],
         "enrolled": ["accepted", "enrolled"], "no_show": ["accepted", "no_show"], "closed": ["declined", "closed"],
         "withdrawn": ["withdrawn"]}


def _drive(people, referral_id, path):
    for step in path:
        extra = {"reason": "not_eligible"} if step == "declined" else {}
        who = people["provider_nc"] if step in ("viewed", "accepted", "declined", "enrolled", "no_show") else people["cm"]
        if step == "viewed":  # a provider's read is its view
            assert who.get(f"/api/v1/referrals/{referral_id}").status_code == 200
            continue
        resp = move(who, referral_id, step, **extra)
        assert resp.status_code == 200, (step, resp.get_json())


@pytest.mark.parametrize("start", STATUSES)
def test_every_legal_and_illegal_transition_from_each_status(site, people, start):
    cm = people["cm"]
    made = send(cm, [NO_COUNT]).get_json()["referrals"][0]
    _drive(people, made["id"], PATHS[start])
    assert people["admin"].get(f"/api/v1/referrals/{made['id']}").get_json()["status"] == start
    legal = TRANSITIONS.get(start, {})
    # Every status it may not become: 409 naming the status it is in; nothing changes.
    for to in STATUSES:
        if to in legal or to == "sent":
            continue
        extra = {"reason": "other"} if to == "declined" else {}
        for c in (people["provider_nc"], cm):
            resp = move(c, made["id"], to, **extra)
            assert resp.status_code == 409, (start, to, resp.get_json())
            assert resp.get_json()["current_status"] == start and resp.mimetype == "application/problem+json"
    assert move(cm, made["id"], "sent").status_code == 422  # never back to sent
    # Every status it may become, each from a fresh referral brought here, by the side allowed.
    for to, who in legal.items():
        fresh = send(cm, [NO_COUNT]).get_json()["referrals"][0]
        _drive(people, fresh["id"], PATHS[start])
        actor = people["provider_nc"] if "provider" in who else cm
        extra = {"reason": "could_not_contact", "note": "No answer twice"} if to == "declined" else {}
        resp = move(actor, fresh["id"], to, **extra)
        assert resp.status_code == 200, (start, to, resp.get_json())
        body = resp.get_json()
        assert body["status"] == to
        event = body["events"][-1]
        assert (event["status"], event["from"], event["actor"]) == (to, start, actor.username)
        assert event["side"] == ("provider" if "provider" in who else "referrer")
        if to == "declined":
            assert body["decline_reason"] == "could_not_contact" and event["note"] == "No answer twice"
        if to in TERMINAL:
            assert body["ended_at"] and body["allowed"] == []


def test_the_wrong_side_is_refused_and_declining_needs_a_reason(site, people):
    made = send(people["cm"], [NO_COUNT]).get_json()["referrals"][0]
    assert move(people["cm"], made["id"], "accepted").status_code == 403
    assert move(people["provider_nc"], made["id"], "withdrawn").status_code == 403
    no_reason = move(people["provider_nc"], made["id"], "declined")
    assert no_reason.status_code == 422 and no_reason.get_json()["errors"][0]["field"] == "reason"
    assert move(people["provider_nc"], made["id"], "declined", reason="no_capacity").status_code == 200


# ----- sending, consent, access --------------------------------------------------------------------------
def test_sending_needs_consent_for_each_organisation_and_an_opaque_reference(site, people):
    cm = people["cm"]
    missing = send(cm, [BEDS_A, OTHER_ORG_BEDS], consents=[{"organization_id": ORG}])
    assert missing.status_code == 422
    assert missing.get_json()["errors"] == [{"field": "consents", "message": f"no consent recorded to share with "
                                                                            f"{OTHER_ORG} (listing {OTHER_ORG_BEDS})"}]
    for ref in ("John Smith", "1985-06-12", "H19850612", "ab"):
        resp = send(cm, [BEDS_A], ref=ref)
        assert resp.status_code == 422 and resp.get_json()["errors"][0]["field"] == "participant_ref", ref
    too_many = send(cm, [BEDS_A, BEDS_B, NO_BEDS, OTHER_ORG_BEDS])
    assert too_many.status_code == 422 and too_many.get_json()["errors"][0]["field"] == "listing_ids"
    unknown = send(cm, ["seed-99999"], consents=[{"organization_id": ORG}])
    assert unknown.status_code == 422 and unknown.get_json()["errors"][0]["field"] == "listing_ids[0]"
    assert send(people["provider"], [BEDS_A], consents=[{"organization_id": ORG}]).status_code == 403
    ok = send(people["officer"], [NO_COUNT])
    assert ok.status_code == 201 and ok.get_json()["referrals"][0]["referrer_role"] == "officer"


def test_each_side_sees_only_its_referrals_and_a_provider_only_what_was_consented(site, people):
    cm = people["cm"]
    sent = send(cm, [NO_COUNT], consents=[{"organization_id": NO_COUNT_ORG, "share": ["needs", "urgency"]}],
                ref="CASE-7781", note="Private note").get_json()["referrals"][0]
    rid = sent["id"]
    seen_by_provider = people["provider_nc"].get(f"/api/v1/referrals/{rid}").get_json()
    assert seen_by_provider["participant_ref"] is None and seen_by_provider["note"] is None
    assert seen_by_provider["needs"] == ["housing.emergency_shelter"] and seen_by_provider["urgency"] == "today"
    assert seen_by_provider["withheld"] == ["participant_ref", "note"]
    assert seen_by_provider["allowed"] == ["accepted", "declined"]  # its read made it viewed
    # Same program: seen in full; another program, another organisation, a case manager without a program: 404.
    assert people["cm_same"].get(f"/api/v1/referrals/{rid}").get_json()["participant_ref"] == "CASE-7781"
    assert people["officer"].get(f"/api/v1/referrals/{rid}").status_code == 200
    for outsider in ("cm_other", "provider", "loner"):
        assert people[outsider].get(f"/api/v1/referrals/{rid}").status_code == 404, outsider
        assert move(people[outsider], rid, "withdrawn").status_code == 404, outsider
    assert rid not in [r["id"] for r in people["provider"].get("/api/v1/referrals").get_json()["referrals"]]
    assert rid not in [r["id"] for r in people["cm_other"].get("/api/v1/referrals").get_json()["referrals"]]
    mine = send(people["loner"], [NO_COUNT]).get_json()["referrals"][0]["id"]
    assert [r["id"] for r in people["loner"].get("/api/v1/referrals").get_json()["referrals"]] == [mine]
    # Every view and change is in the audit trail, and none of it carries participant data.
    events = people["admin"].get("/api/v1/audit?size=1000").get_json()["events"]
    about = [e for e in events if isinstance(e["new"], dict) and e["new"].get("id") == rid]
    assert {"referral.sent", "referral.view", "referral.viewed"} <= {e["action"] for e in about}
    assert "CASE-7781" not in str(events) and "Private note" not in str(events)
    assert people["cm"].get("/api/v1/me").get_json()["program"] == "hartford"


def test_unseen_counts_follow_each_side(site, people):
    cm, provider = client(site, "case_manager", program="unseen-site"), people["provider_nc"]
    ids = [send(cm, [lid]).get_json()["referrals"][0]["id"] for lid in (NO_COUNT, NO_COUNT_2)]
    before = provider.get("/api/v1/referrals?status=sent").get_json()
    assert before["unseen"] >= 2  # the new referrals, before the inbox showed them
    assert provider.get("/api/v1/referrals").get_json()["unseen"] == 0  # the inbox has shown them
    assert move(provider, ids[0], "accepted").status_code == 200
    listed = cm.get("/api/v1/referrals").get_json()
    assert listed["unseen"] == 3  # viewed twice, accepted once: the provider's events
    assert {r["id"]: r["unseen"] for r in listed["referrals"]} == {ids[0]: 2, ids[1]: 1}
    cm.get(f"/api/v1/referrals/{ids[0]}")
    assert cm.get("/api/v1/referrals").get_json()["unseen"] == 1


# ----- bed holds -----------------------------------------------------------------------------------------
def test_an_accept_holds_a_bed_that_matching_sees_until_it_expires(site, people, es):
    admin, cm = people["admin"], people["cm"]
    set_beds(admin, OTHER_ORG_BEDS, 1)
    short = create_app(site.extensions["lead"].settings.with_(referral_hold_hours=5 / 3600), es=es)
    provider = short.test_client()
    provider.environ_base = dict(people["provider_other"].environ_base)
    rid = send(cm, [OTHER_ORG_BEDS]).get_json()["referrals"][0]["id"]
    accepted = move(provider, rid, "accepted").get_json()
    assert accepted["hold"]["active"] and accepted["hold"]["listing_id"] == OTHER_ORG_BEDS
    site.extensions["lead"].store.refresh()  # search sees the hold after the next refresh; make it now
    cap = capacity(cm, OTHER_ORG_BEDS)
    assert (cap["available"], cap["reported_available"], cap["held"], cap["status"]) == (0, 1, 1, "full")
    assert cap["text"].startswith("Full for now: 1 bed held for a referral")
    match = {"location": {"zip": "06510"}, "needs": ["shelter"], "limit": 50}
    assert OTHER_ORG_BEDS not in [r["listing_id"] for r in cm.post("/api/v1/match", json=match).get_json()["results"]]
    full = cm.post("/api/v1/match", json={**match, "include_full": True}).get_json()["results"]
    assert next(r for r in full if r["listing_id"] == OTHER_ORG_BEDS)["capacity"]["held"] == 1
    available = cm.get("/api/v1/services?need=shelter&capacity=available&page_size=50").get_json()
    assert OTHER_ORG_BEDS not in [r["listing_id"] for r in available["results"]]
    board = cm.get("/api/v1/capacity").get_json()
    shelter = next(g for g in board["groups"] if g["group"] == "shelter")
    assert shelter["held"] >= 1
    until = datetime.fromisoformat(accepted["hold"]["until"])
    time.sleep(max(0.0, (until - utcnow()).total_seconds()) + 0.3)  # it expires by itself: no write, no timer
    cap = capacity(cm, OTHER_ORG_BEDS)
    assert (cap["available"], cap["held"], cap["status"]) == (1, 0, "available")
    available = cm.get("/api/v1/services?need=shelter&capacity=available&page_size=50").get_json()
    assert OTHER_ORG_BEDS in [r["listing_id"] for r in available["results"]]
    assert OTHER_ORG_BEDS in [r["listing_id"] for r in cm.post("/api/v1/match", json=match).get_json()["results"]]
    assert cm.get(f"/api/v1/referrals/{rid}").get_json()["hold"]["active"] is False
    # The next write on the listing drops the expired hold; a provider's count edit keeps live holds only.
    rid2 = send(cm, [OTHER_ORG_BEDS]).get_json()["referrals"][0]["id"]
    assert move(provider, rid2, "accepted").status_code == 200
    record = site.extensions["lead"].store.get(OTHER_ORG_BEDS)[0]["record"]
    assert [h["referral_id"].split(".")[0] for h in record["holds"]] == [rid2]
    assert move(provider, rid2, "no_show").get_json()["hold"]["released_because"] == "no_show"
    assert capacity(cm, OTHER_ORG_BEDS)["held"] == 0


def test_enrolment_takes_the_bed_and_withdraws_the_rest_of_the_group(site, people):
    admin, cm, provider, other = people["admin"], people["cm"], people["provider"], people["provider_other"]
    set_beds(admin, BEDS_B, 5)
    set_beds(admin, OTHER_ORG_BEDS, 3)
    group = send(cm, [BEDS_A, BEDS_B, OTHER_ORG_BEDS]).get_json()
    by_listing = {r["listing_id"]: r["id"] for r in group["referrals"]}
    assert len({r["group_id"] for r in group["referrals"]}) == 1 == len({group["group_id"]})
    assert move(other, by_listing[OTHER_ORG_BEDS], "accepted").status_code == 200
    assert capacity(cm, OTHER_ORG_BEDS)["held"] == 1
    accepted = move(provider, by_listing[BEDS_B], "accepted").get_json()
    assert capacity(cm, BEDS_B)["available"] == 4 and capacity(cm, BEDS_B)["held"] == 1
    enrolled = move(provider, by_listing[BEDS_B], "enrolled").get_json()
    assert enrolled["hold"]["converted"] and not enrolled["hold"]["active"]
    cap = capacity(cm, BEDS_B)
    assert (cap["available"], cap["reported_available"], cap["held"]) == (4, 4, 0)  # the bed is now a placement
    history = admin.get(f"/api/v1/services/{BEDS_B}/capacity/history").get_json()["history"]
    assert history[0]["kind"] == "placement" and history[0]["new"]["available"] == 4 and history[0]["by"] == \
        provider.username
    for lid in (BEDS_A, OTHER_ORG_BEDS):
        sibling = cm.get(f"/api/v1/referrals/{by_listing[lid]}").get_json()
        assert sibling["status"] == "withdrawn" and sibling["events"][-1]["side"] == "system"
        assert sibling["events"][-1]["reason"] == "placed_elsewhere"
    assert capacity(cm, OTHER_ORG_BEDS)["held"] == 0  # its hold was released
    assert accepted["hold"]["until"] > utcnow().isoformat()
    assert move(cm, by_listing[BEDS_B], "closed").get_json()["status"] == "closed"


def test_two_accepts_racing_for_the_last_bed_exactly_one_wins(site, people):
    """Two case managers' referrals to a listing with one open bed, accepted at the same moment by two
    provider staff, five times over: each time exactly one is accepted and holds the bed; the other is a 409
    that says no bed is left, and stays viewed."""
    admin, provider = people["admin"], people["provider_other"]
    colleague = client(site, "provider", (OTHER_ORG,))
    outcomes = []
    for round_ in range(5):
        set_beds(admin, OTHER_ORG_BEDS, 1)
        ids = [send(c, [OTHER_ORG_BEDS], ref=f"RACE-{round_}-{n}").get_json()["referrals"][0]["id"]
               for n, c in enumerate((people["cm"], people["cm_other"]))]
        for rid in ids:
            provider.get(f"/api/v1/referrals/{rid}")
        barrier, answers = threading.Barrier(2), {}

        def accept(rid, c):
            barrier.wait()
            answers[rid] = move(c, rid, "accepted")

        threads = [threading.Thread(target=accept, args=(rid, c)) for rid, c in zip(ids, (provider, colleague))]
        [t.start() for t in threads]
        [t.join() for t in threads]
        codes = sorted(a.status_code for a in answers.values())
        assert codes == [200, 409], {k: (v.status_code, v.get_json()) for k, v in answers.items()}
        winner = next(rid for rid, a in answers.items() if a.status_code == 200)
        loser = next(rid for rid, a in answers.items() if a.status_code == 409)
        refused = answers[loser].get_json()
        assert refused["detail"].startswith("No bed left") and refused["current_status"] == "viewed"
        cap = capacity(admin, OTHER_ORG_BEDS)
        assert (cap["available"], cap["held"]) == (0, 1)
        assert admin.get(f"/api/v1/referrals/{loser}").get_json()["status"] == "viewed"
        outcomes.append(winner == ids[0])
        assert move(provider, winner, "no_show").status_code == 200  # frees the bed for the next round
        assert move(provider, loser, "declined", reason="no_capacity").status_code == 200
    assert len(outcomes) == 5


def test_the_same_referral_accepted_twice_at_once_is_accepted_once(site, people):
    admin, provider = people["admin"], people["provider_other"]
    colleague = client(site, "provider", (OTHER_ORG,))
    for _ in range(3):
        set_beds(admin, OTHER_ORG_BEDS, 3)
        rid = send(people["cm"], [OTHER_ORG_BEDS]).get_json()["referrals"][0]["id"]
        barrier, answers = threading.Barrier(2), []

        def accept(c):
            barrier.wait()
            answers.append(move(c, rid, "accepted"))

        threads = [threading.Thread(target=accept, args=(c,)) for c in (provider, colleague)]
        [t.start() for t in threads]
        [t.join() for t in threads]
        assert sorted(a.status_code for a in answers) == [200, 409]
        assert next(a for a in answers if a.status_code == 409).get_json()["current_status"] == "accepted"
        assert capacity(admin, OTHER_ORG_BEDS)["held"] == 1  # one hold, not two
        assert move(provider, rid, "no_show").status_code == 200


def test_no_bed_left_is_a_409_and_a_listing_without_a_count_holds_nothing(site, people):
    rid = send(people["cm"], [NO_BEDS]).get_json()["referrals"][0]["id"]
    refused = move(people["provider"], rid, "accepted")
    assert refused.status_code == 409 and refused.get_json()["detail"].startswith("No bed left")
    rid = send(people["cm"], [NO_COUNT]).get_json()["referrals"][0]["id"]
    accepted = move(people["provider_nc"], rid, "accepted").get_json()
    assert accepted["status"] == "accepted" and accepted["hold"] is None


# ----- outcomes, retention, logs ---------------------------------------------------------------------------
def test_outcome_rates_per_listing_over_90_days(site, people):
    cm, provider = people["cm"], client(site, "provider", ("org-0011",))
    for step in ("accepted", "accepted", "accepted", "declined", None, "withdrawn"):
        rid = send(cm, [OUTCOMES]).get_json()["referrals"][0]["id"]
        if step == "withdrawn":
            move(cm, rid, "withdrawn")  # before any decision: not held against the provider
        elif step:
            move(provider, rid, step, **({"reason": "not_eligible"} if step == "declined" else {}))
    out = cm.get(f"/api/v1/services/{OUTCOMES}/referral-outcomes").get_json()
    assert (out["received"], out["accepted"], out["declined"]) == (5, 3, 1)
    assert (out["acceptance_rate"], out["decline_rate"], out["decline_reasons"]) == (0.6, 0.2, {"not_eligible": 1})
    assert out["text"] == "3 of 5 referrals accepted, 1 declined (last 90 days)"
    assert people["officer"].get(f"/api/v1/services/{OUTCOMES}/referral-outcomes").status_code == 403
    body = {"location": {"zip": "06106"}, "needs": ["substance_use.intensive_outpatient"], "limit": 50,
            "max_miles": 50, "referral_outcomes": True}
    mine = next(r for r in cm.post("/api/v1/match", json=body).get_json()["results"] if r["listing_id"] == OUTCOMES)
    assert mine["referral_outcomes"]["accepted"] == 3
    officer_view = people["officer"].post("/api/v1/match", json=body).get_json()["results"]
    assert all(r["referral_outcomes"] is None for r in officer_view)


def test_outcomes_nudge_ranking_only_when_switched_on():
    from matching.service import rerank_by_outcomes

    hits = [{"_score": 10.0, "_source": {"id": "a"}}, {"_score": 9.5, "_source": {"id": "b"}}]
    rates = {"a": {"received": 10, "acceptance_rate": 0.1}, "b": {"received": 10, "acceptance_rate": 1.0}}
    assert [h["_source"]["id"] for h in rerank_by_outcomes(hits, rates)] == ["b", "a"]
    few = {"a": {"received": 2, "acceptance_rate": 0.0}, "b": {"received": 10, "acceptance_rate": 0.5}}
    assert [h["_source"]["id"] for h in rerank_by_outcomes(hits, few)] == ["a", "b"]


def test_retention_purges_ended_referrals_only(site, people, es):
    cm = people["cm"]
    ended = send(cm, [NO_COUNT]).get_json()["referrals"][0]["id"]
    move(cm, ended, "withdrawn")
    still_open = send(cm, [NO_COUNT]).get_json()["referrals"][0]["id"]
    referrals = site.extensions["lead"].referrals
    assert referrals.purge(now=utcnow()) == 0  # it ended just now
    later = utcnow() + timedelta(days=site.extensions["lead"].settings.referral_retention_days + 1)
    assert referrals.purge(now=later, dry_run=True) >= 1
    assert cm.get(f"/api/v1/referrals/{ended}").status_code == 200
    zero = create_app(site.extensions["lead"].settings.with_(referral_retention_days=0), es=es)
    result = zero.test_cli_runner().invoke(args=["referrals", "purge"])
    assert result.exit_code == 0 and result.output.startswith("deleted "), result.output
    assert cm.get(f"/api/v1/referrals/{ended}").status_code == 404
    assert cm.get(f"/api/v1/referrals/{still_open}").status_code == 200
    events = people["admin"].get("/api/v1/audit?action=referral.purge").get_json()["events"]
    assert events and events[0]["new"]["deleted"] >= 1


def test_participant_data_is_never_logged(site, people, caplog):
    caplog.set_level(logging.DEBUG)
    rid = send(people["cm"], [NO_COUNT], ref="ZEBRA-4417", note="zanzibar-note-marker").get_json()["referrals"][0]["id"]
    people["provider_nc"].get(f"/api/v1/referrals/{rid}")
    move(people["provider_nc"], rid, "declined", reason="other", note="declined-note-marker")
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert text
    for secret in ("ZEBRA-4417", "zanzibar-note-marker", "declined-note-marker"):
        assert secret not in text
