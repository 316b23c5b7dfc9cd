"""Diversion hand-off against the real engine: an officer records a diversion, the program's case managers
see it on call and exactly one of many concurrent claimers wins, the officer sees each step, an
unacknowledged diversion escalates once (supervisor, second notice, webhook queued), an idempotency key
records it once, every step is audited without participant data, and bad input is a named 422."""
from __future__ import annotations

import json
import logging
import threading
import uuid
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from api.usecases import diversions as cases
from directory import diversions, webhooks

pytestmark = pytest.mark.es


def person(app, role: str, program: str | None = None, organizations: tuple[str, ...] = ()):
    name = f"{role.replace('_', '-')}-{uuid.uuid4().hex[:6]}"
    _, token = app.extensions["lead"].accounts.create(name, role, program=program, organizations=list(organizations))
    c = app.test_client()
    c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    c.username = name
    return c


def divert(c, **over):
    body = {"client_key": uuid.uuid4().hex, "type": "arrest_diversion", "participant_ref": "HPD-26-1187",
            "town": "Hartford", "place": "Park St & Broad St", "needs": ["detox", "shelter"],
            "consent_to_contact": True, "name": "Sam Rivera", "dob": "1990-04-02"}
    body.update(over)
    return c.post("/api/v1/diversions", json=body)


def test_the_transition_table_is_closed():
    for source, moves in diversions.TRANSITIONS.items():
        assert source in diversions.STATUSES
        for to, who in moves.items():
            assert to in diversions.STATUSES and who <= {diversions.OFFICER, diversions.ON_CALL, diversions.CLAIMER}
    assert not set(diversions.TERMINAL) & set(diversions.TRANSITIONS)
    doc = {"status": "waiting"}
    with pytest.raises(diversions.IllegalMove):
        diversions.decide(doc, "enrolled", frozenset({diversions.CLAIMER}))
    with pytest.raises(diversions.NotYours):
        diversions.decide(doc, "acknowledged", frozenset({diversions.OFFICER}))


def test_hand_off_claim_steps_and_what_each_side_sees(app):
    officer = person(app, "officer", "hartford")
    cm = person(app, "case_manager", "hartford")
    other_program = person(app, "case_manager", "new-haven")
    made = divert(officer)
    assert made.status_code == 201, made.json
    d = made.json
    assert d["status"] == "waiting" and d["program"] == "hartford"
    assert d["name"] is None and d["note"] is None and d["claimed_by"] is None  # the officer's view: no identity

    inbox = cm.get("/api/v1/diversions").json["diversions"]
    assert [x["id"] for x in inbox] == [d["id"]]
    assert inbox[0]["name"] == "Sam Rivera" and inbox[0]["consent_state"] == "given"
    assert inbox[0]["allowed"] == ["acknowledged"]
    assert other_program.get("/api/v1/diversions").json["diversions"] == []
    assert other_program.get(f"/api/v1/diversions/{d['id']}").status_code == 404

    for step in ("acknowledged", "contacted", "enrolled"):
        moved = cm.post(f"/api/v1/diversions/{d['id']}/status", json={"status": step})
        assert moved.status_code == 200, moved.json
        seen = officer.get(f"/api/v1/diversions/{d['id']}").json
        assert seen["status"] == step and seen[f"{step}_at"]
        assert "claimed_by" not in seen or seen["claimed_by"] is None  # the officer is not told who
    wrong = cm.post(f"/api/v1/diversions/{d['id']}/status", json={"status": "contacted"})
    assert wrong.status_code == 409 and wrong.json["current_status"] == "enrolled"
    assert wrong.headers["Content-Type"].startswith("application/problem+json")

    trail = app.extensions["lead"].store.audit_trail.events(action=None, size=100)
    mine = [e for e in trail if (e.get("new") or {}).get("id") == d["id"] and e["action"] != "diversion.view"]
    assert sorted(e["action"] for e in mine) == sorted(["diversion.recorded", "diversion.acknowledged",
                                                        "diversion.contacted", "diversion.enrolled"])


def test_exactly_one_of_many_concurrent_claimers_wins(app):
    officer = person(app, "officer", "hartford")
    claimers = [person(app, "case_manager", "hartford") for _ in range(8)]
    d = divert(officer).json
    barrier = threading.Barrier(len(claimers))
    answers: list[tuple[str, int]] = []
    lock = threading.Lock()

    def claim(c):
        barrier.wait()
        resp = c.post(f"/api/v1/diversions/{d['id']}/status", json={"status": "acknowledged"})
        with lock:
            answers.append((c.username, resp.status_code))

    threads = [threading.Thread(target=claim, args=(c,)) for c in claimers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    winners = [u for u, code in answers if code == 200]
    assert len(answers) == len(claimers)
    assert len(winners) == 1, answers
    assert sorted(code for _u, code in answers) == [200] + [409] * (len(claimers) - 1)
    stored = claimers[0].get(f"/api/v1/diversions/{d['id']}").json
    assert stored["claimed_by"] == winners[0]
    loser = next(c for c in claimers if c.username != winners[0])
    refused = loser.post(f"/api/v1/diversions/{d['id']}/status", json={"status": "contacted"})
    assert refused.status_code == 403  # only the claimer moves it on


class _Receiver:
    """A webhook receiver on loopback that keeps what it was sent."""

    def __init__(self):
        got = self.got = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                got.append((dict(self.headers), self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):  # quiet
                pass
        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/lead"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_an_unacknowledged_diversion_escalates_once(es, settings, store):
    from api.app import create_app

    app = create_app(settings.with_(webhook_allowed_networks="127.0.0.1/32"), es=es)
    rt = app.extensions["lead"]
    receiver = _Receiver()
    try:
        made = rt.webhooks.configure("program:hartford", receiver.url, by="test")
        officer = person(app, "officer", "hartford")
        cm = person(app, "case_manager", "hartford")
        admin = person(app, "admin")
        d = divert(officer).json
        assert admin.get("/api/v1/diversions/escalations").json["diversions"] == []
        later = datetime.now(timezone.utc) + timedelta(minutes=rt.settings.diversion_escalate_minutes + 1)
        first = cases.escalate_due(rt, later)
        again = cases.escalate_due(rt, later + timedelta(minutes=5))
        assert first == [d["id"]] and again == []
        shown = admin.get("/api/v1/diversions/escalations").json["diversions"]
        assert [x["id"] for x in shown] == [d["id"]] and shown[0]["escalated_at"]
        assert "Sam Rivera" not in str(shown) and "HPD-26-1187" not in str(shown)
        assert cm.get("/api/v1/diversions").json["diversions"][0]["escalated_at"]  # the second notice
        assert rt.webhooks.wait_idle(20)
        sent = [json.loads(body) for _h, body in receiver.got]
        assert [b["event"] for b in sent] == ["diversion.escalated"] and sent[0]["diversion"]["id"] == d["id"]
        headers, body = receiver.got[0]
        assert webhooks.verify(made["secret"], body, headers["X-LEAD-Signature"])
        assert b"Sam Rivera" not in body and b"HPD-26-1187" not in body and b"Park St" not in body
        # not before its time
        fresh = divert(person(app, "officer", "hartford")).json
        assert fresh["id"] not in cases.escalate_due(rt)
        assert cm.post(f"/api/v1/diversions/{d['id']}/status", json={"status": "acknowledged"}).status_code == 200
        assert admin.get("/api/v1/diversions/escalations").json["diversions"][0]["claimed_by"] == cm.username
    finally:
        receiver.close()


def test_the_same_key_records_once(app):
    officer = person(app, "officer", "hartford")
    key = uuid.uuid4().hex
    first = divert(officer, client_key=key)
    second = divert(officer, client_key=key, participant_ref="HPD-26-9999")
    assert first.status_code == 201 and second.status_code == 200
    assert second.json["id"] == first.json["id"] and second.json["participant_ref"] == "HPD-26-1187"
    assert len(officer.get("/api/v1/diversions").json["diversions"]) == 1
    other = person(app, "officer", "hartford")
    assert divert(other, client_key=key).json["id"] != first.json["id"]  # a key is per officer


@pytest.mark.parametrize("over, field", [
    ({"consent_to_contact": False}, "name"),
    ({"consent_to_contact": False, "name": None}, "dob"),
    ({"type": "arrest"}, "type"),
    ({"participant_ref": "Sam Rivera"}, "participant_ref"),
    ({"participant_ref": "04-02-1990"}, "participant_ref"),
    ({"program": "bridgeport"}, "program"),
    ({"needs": ["jail"]}, "needs"),
    ({"client_key": "x"}, "client_key"),
    ({"occurred_at": "2020-01-01T00:00:00+00:00"}, "occurred_at"),
])
def test_bad_input_is_a_named_422_and_writes_nothing(app, over, field):
    officer = person(app, "officer", "hartford")
    resp = divert(officer, **over)
    assert resp.status_code == 422, resp.json
    assert resp.headers["Content-Type"].startswith("application/problem+json")
    assert any(e["field"].startswith(field) for e in resp.json["errors"]), resp.json
    assert officer.get("/api/v1/diversions").json["diversions"] == []


def test_who_may_record_and_follow(app):
    assert person(app, "case_manager", "hartford").post("/api/v1/diversions", json={}).status_code == 403
    assert person(app, "provider", organizations=("org-1",)).get("/api/v1/diversions").status_code == 403
    officer = person(app, "officer")
    assert divert(officer).status_code == 422  # no program of its own: it must say which
    assert divert(officer, program="new-haven").status_code == 201
    assert person(app, "case_manager", "hartford").get("/api/v1/diversions/escalations").status_code == 403


def test_the_officer_cancels_before_a_claim_only(app):
    officer = person(app, "officer", "hartford")
    cm = person(app, "case_manager", "hartford")
    d = divert(officer).json
    assert officer.post(f"/api/v1/diversions/{d['id']}/status", json={"status": "acknowledged"}).status_code == 403
    d2 = divert(officer).json
    assert cm.post(f"/api/v1/diversions/{d2['id']}/status", json={"status": "acknowledged"}).status_code == 200
    assert officer.post(f"/api/v1/diversions/{d2['id']}/status", json={"status": "cancelled"}).status_code == 409
    assert officer.post(f"/api/v1/diversions/{d['id']}/status", json={"status": "cancelled"}).status_code == 200
    closing = cm.post(f"/api/v1/diversions/{d2['id']}/status", json={"status": "closed"})
    assert closing.status_code == 422 and closing.json["errors"][0]["field"] == "reason"


def test_no_participant_data_in_logs_or_the_audit_trail(app, caplog):
    caplog.set_level(logging.DEBUG)
    officer = person(app, "officer", "hartford")
    cm = person(app, "case_manager", "hartford")
    admin = person(app, "admin")
    ref, name, place, note = "HPD-PRIV-4471", "Dana Whitcomb", "Lawrence St & Park St", "Sleeping by the river"
    d = divert(officer, participant_ref=ref, name=name, place=place, note=note, dob="1979-03-14").json
    cm.get("/api/v1/diversions")
    cm.get(f"/api/v1/diversions/{d['id']}")
    cm.post(f"/api/v1/diversions/{d['id']}/status", json={"status": "acknowledged"})
    cm.post(f"/api/v1/diversions/{d['id']}/consent", json={"withdraw": True})
    admin.get("/api/v1/diversions/escalations")
    divert(officer, participant_ref="Dana Whitcomb")  # refused: the refusal must not echo it into a log either
    trail = app.extensions["lead"].store.audit_trail.events(size=500)
    assert any(e["action"] == "diversion.recorded" for e in trail)
    for blob in (caplog.text, str(trail)):
        for secret in (ref, name, place, note, "1979-03-14"):
            assert secret not in blob


def test_an_overlong_id_is_a_404_not_an_engine_error(app):
    cm = person(app, "case_manager", "hartford")
    long_id = "d" * 600
    assert cm.get(f"/api/v1/diversions/{long_id}").status_code == 404
    assert cm.post(f"/api/v1/diversions/{long_id}/status", json={"status": "acknowledged"}).status_code == 404
    assert cm.post(f"/api/v1/diversions/{long_id}/consent", json={"withdraw": True}).status_code == 404
    assert cm.post(f"/api/v1/referrals/{long_id}/consent", json={"withdraw": True}).status_code == 404
    assert cm.post(f"/api/v1/referrals/{long_id}/answer-link").status_code == 404
