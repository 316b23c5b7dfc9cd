"""Every index the project keeps, declared once: its name (from ``Settings.index_prefix``), mapping,
settings and recovery priority, and the one path that creates and migrates them.

Plain indices are created when missing and, when they exist, given the fields a newer mapping adds
(mappings only grow: a strict mapping accepts new fields). The listings index is an alias over one
physical index per rebuild (``listings.ListingIndex``); its mapping is the listing document's own
(``directory.documents``), and the live index is migrated the same way.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Iterator

from elasticsearch import BadRequestError, Elasticsearch, NotFoundError, helpers

from directory import documents
from directory.es import (PRIORITY_ACCOUNTS, PRIORITY_BACKGROUND, PRIORITY_LISTINGS, PRIORITY_WRITES,
                          index_settings)
from directory.settings import Settings

_KW = {"type": "keyword"}
_KW_STORED = {"type": "keyword", "index": False}
_DATE = {"type": "date"}
_INT = {"type": "integer"}
_BOOL = {"type": "boolean"}
_STORED = {"type": "object", "enabled": False}
_NOTE = {"type": "text", "index": False}


class StaleWrite(Exception):
    """A compare-and-swap write found the document changed since it was read."""


@dataclass(frozen=True)
class IndexSpec:
    """One index: what it holds, its name after the prefix, mapping, settings and recovery priority."""
    key: str
    suffix: str
    holds: str
    mapping: dict[str, Any]
    priority: int = PRIORITY_BACKGROUND
    settings: dict[str, Any] = field(default_factory=dict)
    # An alias over timestamped physical indices (``<name>-<stamp>``), swapped in one call.
    alias: bool = False


def _strict(**properties: Any) -> dict[str, Any]:
    return {"dynamic": "strict", "properties": properties}


SPECS: tuple[IndexSpec, ...] = (
    IndexSpec("listings", "listings", "one search document per service at a location (an alias)",
              documents.LISTING_MAPPINGS, PRIORITY_LISTINGS, documents.SETTINGS, alias=True),
    IndexSpec("users", "users", "accounts: roles, organisations, hashed secrets, browser sessions", _strict(
        username=_KW, role=_KW, organizations=_KW, display_name=_KW, program=_KW,
        password_hash={"type": "keyword", "index": False}, tokens=_STORED, disabled=_BOOL,
        failed_logins=_INT, locked_until=_DATE, sessions=_STORED, created_at=_DATE, updated_at=_DATE,
    ), PRIORITY_ACCOUNTS),
    IndexSpec("counters", "counters", "rate-limit and sign-in throttle counts every worker shares (indices.counters)",
              _strict(expires_at={"type": "double"}), PRIORITY_ACCOUNTS),
    IndexSpec("account_changes", "account-changes", "one document rewritten on every account change: the "
              "generation every worker's account cache checks (directory.accounts)", _strict(at=_DATE),
              PRIORITY_ACCOUNTS),
    IndexSpec("signin_failures", "signin-failures", "failed sign-ins per (username, client) and lock-outs",
              _strict(count=_INT, locked_until=_DATE, updated_at=_DATE), PRIORITY_ACCOUNTS),
    IndexSpec("edits", "edits", "provider edits and capacity, one durable record per listing", _strict(
        listing_id=_KW, fields=_STORED, updated_at=_DATE, updated_by=_KW,
    ), PRIORITY_WRITES),
    IndexSpec("capacity_history", "capacity-revisions", "every numbered capacity change and confirmation", _strict(
        listing_id=_KW, organization_id=_KW, revision=_INT, at=_DATE, by=_KW, kind=_KW, old=_STORED, new=_STORED,
    ), PRIORITY_WRITES),
    IndexSpec("locks", "locks", "lease locks (one rebuild of a directory at a time)", _strict(
        holder=_KW, acquired_at=_DATE, expires_at=_DATE,
    ), PRIORITY_WRITES),
    IndexSpec("referrals", "referrals", "referrals, each with its events, consent and bed hold", _strict(
        id=_KW, group_id=_KW, group_size=_INT,
        listing_id=_KW, listing_name=_KW_STORED, organization_id=_KW, organization_name=_KW_STORED,
        referrer=_KW, referrer_role=_KW, program=_KW,
        # Participant data: an opaque reference (a keyword, so a case manager can find a person's
        # referrals), needs, a short note (stored, not searchable), urgency. Never logged nor audited.
        participant_ref=_KW, needs=_KW, note=_NOTE, urgency=_KW,
        consent={"properties": {"organization_id": _KW, "share": _KW, "recorded_by": _KW, "recorded_at": _DATE,
                                # Withdrawal (on the participant's word) and expiry: directory.consents.
                                "expires_at": _DATE, "withdrawn_at": _DATE, "withdrawn_by": _KW}},
        status=_KW, status_at=_DATE, created_at=_DATE, updated_at=_DATE, ended_at=_DATE,
        # The provider's decision, kept whatever happens next: outcome rates are counted from it.
        decision=_KW, decided_at=_DATE, decline_reason=_KW,
        hold=_STORED, events=_STORED,
        # Events each side has seen, and the count of the other side's events it has not: the badges.
        referrer_seen=_INT, provider_seen=_INT, referrer_unseen=_INT, provider_unseen=_INT,
    ), PRIORITY_WRITES),
    IndexSpec("diversions", "diversions", "officers' diversions to a LEAD program, each with its events and consent",
              _strict(
        id=_KW, client_key=_KW_STORED, program=_KW, type=_KW, officer=_KW,
        # Participant data (directory.diversions.PARTICIPANT_FIELDS): never logged, audited or reported.
        participant_ref=_KW, name=_NOTE, dob=_KW_STORED, place=_NOTE, needs=_KW, note=_NOTE,
        town=_KW, occurred_at=_DATE,
        consent={"properties": {"contact": _BOOL, "recorded_by": _KW, "recorded_at": _DATE, "expires_at": _DATE,
                                "withdrawn_at": _DATE, "withdrawn_by": _KW}},
        status=_KW, status_at=_DATE, created_at=_DATE, updated_at=_DATE, claimed_by=_KW,
        acknowledged_at=_DATE, contacted_at=_DATE, enrolled_at=_DATE, closed_at=_DATE, cancelled_at=_DATE,
        close_reason=_KW, escalated_at=_DATE, events=_STORED,
    ), PRIORITY_WRITES),
    IndexSpec("answer_links", "answer-links", "signed answer links sent to providers without accounts: single use",
              _strict(referral_id=_KW, organization_id=_KW, issued_by=_KW, issued_at=_DATE, expires_at=_DATE,
                      used_at=_DATE, answer=_KW), PRIORITY_WRITES),
    IndexSpec("unmet", "unmet-need", "nearby searches that found nothing open with room: need, town, week only",
              _strict(kind=_KW, need=_KW, town=_KW, at=_DATE, week=_KW)),
    IndexSpec("audit", "audit", "the append-only audit trail of changes (never participant data)", _strict(
        at=_DATE, actor=_KW, action=_KW, listing_id=_KW, field=_KW, old=_STORED, new=_STORED, source=_KW,
        detail=_STORED,
    )),
    IndexSpec("geocache", "geocache", "geocoding answers kept between ingest runs", _strict(
        query=_KW, point={"type": "geo_point"}, quality=_KW, at=_DATE,
    )),
    IndexSpec("suggestions", "suggestions", "suggested corrections to listings and their decisions", _strict(
        id=_KW, listing_id=_KW, listing_name=_KW, organization_id=_KW, organization_name=_KW,
        # The changes, keyed by the provider edit fields (``PATCH /services/{id}`` names); not searched.
        changes=_STORED, note=_NOTE, by=_KW, by_organizations=_KW, at=_DATE,
        status=_KW, decided_by=_KW, decided_at=_DATE, decision_note=_NOTE,
    )),
    IndexSpec("dedupe_review", "dedupe-review", "pairs the last ingest kept apart that may be one program", _strict(
        ingest_at=_DATE, n=_INT, kept=_KW, other=_KW, names=_KW_STORED, why=_KW_STORED,
    )),
    IndexSpec("webhooks", "webhooks", "each organisation's outgoing webhook (URL and salt; no secret)", _strict(
        organization_id=_KW, url=_KW_STORED, salt=_KW_STORED, fingerprint=_KW_STORED, set_by=_KW, set_at=_DATE,
    )),
    IndexSpec("deliveries", "webhook-deliveries", "the webhook delivery queue and its log", _strict(
        id=_KW, organization_id=_KW, event=_KW, referral_id=_KW, url=_KW_STORED,
        body={"type": "keyword", "index": False, "doc_values": False},
        status=_KW, attempts=_INT, created_at=_DATE, next_attempt_at=_DATE, last_attempt_at=_DATE,
        lease_until=_DATE, last_status=_INT, last_error=_KW_STORED, delivered_at=_DATE,
    )),
)
BY_KEY: dict[str, IndexSpec] = {s.key: s for s in SPECS}


class Catalogue:
    """The indices of one directory (one prefix): their names, and creating and migrating them."""

    def __init__(self, es: Elasticsearch, settings: Settings):
        self.es = es
        self.settings = settings
        self.prefix = settings.index_prefix

    def name(self, key: str) -> str:
        """The index (or, for listings, alias) name of ``key``."""
        return f"{self.prefix}-{BY_KEY[key].suffix}"

    def mapping(self, key: str) -> dict[str, Any]:
        return copy.deepcopy(BY_KEY[key].mapping)

    def layout(self, key: str, **extra: Any) -> dict[str, Any]:
        """Shards, replicas, priority and the spec's own settings for a new index of ``key``."""
        spec = BY_KEY[key]
        return {**copy.deepcopy(spec.settings), **index_settings(self.es, self.settings, priority=spec.priority),
                **extra}

    def ensure(self, *keys: str) -> None:
        """Create the plain indices that are missing and give existing ones (and the live listings index)
        the fields their mapping has gained. Safe to call repeatedly and from several processes."""
        for spec in (BY_KEY[k] for k in keys) if keys else SPECS:
            if spec.alias:
                if self.live(spec.key):
                    self.grow(spec.key, self.name(spec.key))
                continue
            name = self.name(spec.key)
            if self.es.indices.exists(index=name):
                self.grow(spec.key, name)
                continue
            try:
                self.es.indices.create(index=name, mappings=self.mapping(spec.key), settings=self.layout(spec.key))
            except BadRequestError as exc:  # another process created it meanwhile
                if exc.error != "resource_already_exists_exception":
                    raise

    def grow(self, key: str, index: str) -> None:
        """Add the fields ``key``'s mapping has and ``index`` (made by an earlier version) lacks."""
        self.es.indices.put_mapping(index=index, properties=BY_KEY[key].mapping["properties"])

    def create_physical(self, key: str, name: str, **settings: Any) -> None:
        """A new physical index behind an alias (a rebuild's), with ``settings`` over the layout."""
        self.es.indices.create(index=name, mappings=self.mapping(key), settings=self.layout(key, **settings))

    def live(self, key: str) -> str | None:
        """The physical index an alias points at, or None before the first rebuild."""
        try:
            found = self.es.indices.get_alias(name=self.name(key))
        except NotFoundError:
            return None
        names = sorted(found.body)
        return names[-1] if names else None

    def exists(self, key: str) -> bool:
        return bool(self.es.indices.exists(index=self.name(key)))

    def names(self) -> Iterator[tuple[str, str]]:
        """(key, name) of every index of this directory."""
        for spec in SPECS:
            yield spec.key, self.name(spec.key)

    def refresh(self, *indices: str) -> None:
        """Make every write so far to these indices searchable now (tests and scripts only)."""
        self.es.indices.refresh(index=list(indices), ignore_unavailable=True, allow_no_indices=True)

    def bulk(self, actions: list[dict]) -> None:
        """Several writes to any of the catalogue's indices in one request (raises on any failure)."""
        helpers.bulk(self.es, actions)

    def drop_everything(self) -> None:
        """Delete every index of this prefix (tests and `make clean` only)."""
        self.es.indices.delete(index=f"{self.prefix}-*", ignore_unavailable=True, allow_no_indices=True,
                               expand_wildcards="all")
