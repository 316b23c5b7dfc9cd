"""Verified accounts are kept in each process (no engine read per request), and an account change made in
one process reaches another within a second (directory.accounts: the account-changes generation)."""
from __future__ import annotations

import os
import time
import uuid

import pytest
import urllib3

from directory.indices import users as users_index
from directory.accounts import GENERATION_SECONDS, AccountDisabled, Accounts
from directory.settings import Settings


# ----- in one process, over a recording stand-in for the engine (no socket) ----------------------------
class NotFound(Exception):
    pass


class RecordingEngine:
    """Documents by (index, id) with sequence numbers, and every read counted by index."""

    def __init__(self) -> None:
        self.docs: dict[tuple[str, str], dict] = {}
        self.seq = 0
        self.reads: dict[str, int] = {}

    def get(self, index: str, id: str, **_):  # noqa: A002 - the client's own argument name
        self.reads[index] = self.reads.get(index, 0) + 1
        if (index, id) not in self.docs:
            raise NotFound(id)
        return self.docs[(index, id)]

    def index(self, index: str, id: str, document: dict, **_):  # noqa: A002
        self.seq += 1
        self.docs[(index, id)] = {"_source": dict(document), "_seq_no": self.seq, "_primary_term": 1}
        return {"_seq_no": self.seq}


@pytest.fixture
def engine(monkeypatch):
    monkeypatch.setattr(users_index, "NotFoundError", NotFound)
    return RecordingEngine()


def _account(engine: RecordingEngine, clock: list[float]) -> tuple[Accounts, str]:
    found = Accounts(engine, Settings(index_prefix=f"unit-{uuid.uuid4().hex[:8]}"))  # type: ignore[arg-type]
    found._clock = lambda: clock[0]
    token, entry = found._new_token("worker-one")
    engine.index(found.index, "worker-one", {"username": "worker-one", "role": "case_manager", "organizations": [],
                                             "tokens": {"items": [entry]}, "disabled": False})
    return found, token


def test_a_verified_token_costs_no_engine_read_until_an_account_changes(engine):
    clock = [100.0]
    accounts, token = _account(engine, clock)
    assert accounts.authenticate_token(token).username == "worker-one"
    for _ in range(50):
        assert accounts.authenticate_token(token).username == "worker-one"
    assert engine.reads == {accounts.changes_index: 1, accounts.index: 1}

    # Within the interval nothing is read; after it, one read of the generation, and the account stays cached.
    clock[0] += GENERATION_SECONDS
    accounts.authenticate_token(token)
    assert engine.reads == {accounts.changes_index: 2, accounts.index: 1}


def test_a_change_made_by_another_process_is_seen_after_the_interval(engine):
    clock = [100.0]
    here, token = _account(engine, clock)
    assert here.authenticate_token(token).username == "worker-one"
    # "Another process": the account written and the generation moved behind this cache's back.
    doc = dict(engine.docs[(here.index, "worker-one")]["_source"], disabled=True)
    engine.index(here.index, "worker-one", doc)
    engine.index(here.changes_index, "accounts", {"at": "now"})

    clock[0] += GENERATION_SECONDS / 2
    assert here.authenticate_token(token).username == "worker-one"  # still inside the interval
    clock[0] += GENERATION_SECONDS / 2
    with pytest.raises(AccountDisabled):
        here.authenticate_token(token)


def test_an_unknown_token_of_a_cached_account_is_checked_against_the_engine_before_refusing(engine):
    clock = [100.0]
    here, token = _account(engine, clock)
    here.authenticate_token(token)
    # A token issued a moment ago by another process (no generation change needed for a new token).
    new_token, entry = here._new_token("worker-one")
    doc = engine.docs[(here.index, "worker-one")]["_source"]
    engine.index(here.index, "worker-one", {**doc, "tokens": {"items": [*doc["tokens"]["items"], entry]}})
    assert here.authenticate_token(new_token).username == "worker-one"
    assert here.authenticate_token(token[:-2] + "xx") is None


# ----- across two processes: this test and a gunicorn app server --------------------------------------
@pytest.mark.es
def test_disabling_an_account_refuses_it_in_another_process_within_a_second(es, store, settings, accounts):
    from bench.engine import start_gunicorn, stop  # noqa: PLC0415 - only this test starts a server
    from ingest import pipeline  # noqa: PLC0415
    from ingest.geocode import Geocoder  # noqa: PLC0415
    from tests.conftest import ROOT  # noqa: PLC0415

    pipeline.run([f"seed:{ROOT / 'seed_data'}"], store, Geocoder())  # the server is ready once a directory is loaded
    port = int(os.environ.get("LEAD_TEST_CACHE_APP_PORT", "8768"))
    name = f"cm-{uuid.uuid4().hex[:6]}"
    token = accounts.create(name, "case_manager")[1]
    server = start_gunicorn(settings, port, workers=1, threads=2, log_level="error")
    http = urllib3.PoolManager(maxsize=1)

    def me() -> int:
        return http.request("GET", f"http://127.0.0.1:{port}/api/v1/me", headers={"Authorization": f"Bearer {token}"},
                            timeout=10, retries=False).status

    try:
        assert [me() for _ in range(5)] == [200] * 5  # the server has the account cached now
        disabled_at = time.monotonic()
        accounts.set_disabled(name, True, actor="test")
        answers: list[tuple[float, int]] = []
        while time.monotonic() - disabled_at < 3.0:
            sent = time.monotonic() - disabled_at
            answers.append((sent, me()))
            time.sleep(0.05)
    finally:
        stop(server)
    refused = [sent for sent, status in answers if status == 403]
    print(f"\nfirst refusal by the other process sent {refused[0] * 1000:.0f} ms after the disable" if refused else "")
    assert refused and refused[0] < 1.0, answers
    # Once refused, always refused: every request sent a second or more after the change is a 403.
    assert all(status == 403 for sent, status in answers if sent >= 1.0), answers
    assert all(status in (200, 403) for _, status in answers), answers
