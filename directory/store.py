"""The directory's data: one store per index of the catalogue (``directory.indices``), and writing a
listing, the one operation that spans several of them.

- ``listings``: the live listings (an alias) and their blue/green rebuild (``indices.listings``).
- ``edits``: provider edits and capacity as durable records, re-applied by every rebuild.
- ``audit_trail``: the append-only audit trail (``audit(...)`` appends one event).
- ``history``: the capacity history; ``geocache``: geocoding answers; ``dedupe_review``: the pairs
  the last ingest kept apart for a person to check.

Referrals, accounts, suggestions and webhooks keep their indices through their own modules; every
index is declared in ``directory.indices.catalogue`` and created by ``ensure_indices``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable

from elasticsearch import Elasticsearch

from directory import capacity, documents, model
from directory.errors import VersionConflict
from directory.es import batch_client
from directory.indices.audit import AuditTrail
from directory.indices.capacity_history import CapacityHistory
from directory.indices.catalogue import Catalogue, StaleWrite
from directory.indices.dedupe_review import DedupeReview
from directory.indices.edits import EditLog
from directory.indices.geocache import GeocodeCache
from directory.indices.listings import REFRESH_SECONDS, IndexGone, ListingIndex, version_of
from directory.indices.referrals import ReferralIndex
from directory.listing_edits import EDITABLE_FIELDS, apply_edit_fields, get_path
from directory.settings import Settings


@dataclass
class EditResult:
    doc: dict
    etag: str
    order: str  # the write's place in the engine's order: physical index, then sequence number


class Store:
    """The stores of one directory (one index prefix), over one engine client."""

    def __init__(self, es: Elasticsearch, settings: Settings):
        self.es = es
        self.settings = settings
        self.catalogue = Catalogue(es, settings)
        self.edits = EditLog(es, self.catalogue)
        self.listings = ListingIndex(es, self.catalogue, self.edits)
        self.audit_trail = AuditTrail(es, self.catalogue)
        # The doors every layer uses: one audit event, one listing search, one listing read.
        self.audit = self.audit_trail.append
        self.search = self.listings.search
        self.msearch = self.listings.msearch
        self.get = self.listings.get
        self.history = CapacityHistory(es, self.catalogue)
        self.geocache = GeocodeCache(es, self.catalogue)
        self.dedupe_review = DedupeReview(es, self.catalogue)
        self.referral_index = ReferralIndex(es, self.catalogue)

    def refresh(self) -> None:
        """Make every write so far searchable now (tests and scripts that search right after writing:
        requests never wait for this)."""
        self.catalogue.refresh(self.listings.alias, self.history.index, self.edits.index)

    def ensure_indices(self) -> None:
        """Create the indices that are missing and migrate the others (safe to call repeatedly)."""
        self.catalogue.ensure()

    def batch(self) -> "Store":
        """This store over the same connections with the batch timeout (ingest, backups)."""
        return Store(batch_client(self.es, self.settings), self.settings)

    def drop_everything(self) -> None:
        """Delete every index of this prefix (tests and `make clean` only)."""
        self.catalogue.drop_everything()

    def search_referrals(self, body: dict) -> dict | None:
        """One search over the referrals (``matching`` counts outcome rates there); None before any."""
        return self.referral_index.search(body)

    def capacity_history(self, doc: dict, *, size: int = 50, before: int | None = None) -> tuple[list[dict], int | None]:
        """A page of a listing's capacity history, newest first, and the cursor of the next page."""
        return self.history.page(doc["id"], doc["organization"]["id"], (doc.get("record") or {}).get("capacity"),
                                 size=size, before=before)

    # ----- writing a listing ----------------------------------------------------------------
    def edit(self, listing_id: str, changes: dict[str, Any], *, actor: str, if_version: str | None = None,
             source: str = "api", refresh: bool = False, authorize: Callable[[dict], None] | None = None,
             capacity_kind: str | None = None) -> EditResult:
        """Apply record-level field changes to one listing with optimistic concurrency.

        ``changes`` maps paths from ``EDITABLE_FIELDS`` to whole new values. The change is
        validated as a complete record before anything is written; the live document is
        written with the engine's sequence numbers (a stale ``if_version`` raises
        ``VersionConflict``), then the change is kept as a durable edit record and audited.
        ``authorize(current_document)`` runs first and may raise to refuse the change. With
        ``capacity_kind`` (update or confirm), a capacity change is numbered and logged in the same
        write (``directory.capacity``).

        It returns once the engine has acknowledged the write, without waiting for a refresh: a read by
        id (``get``, the ETag path) sees it at once, search within one refresh interval
        (``REFRESH_SECONDS``). ``refresh=True`` waits for search too (scripts; never a request).
        """
        unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
        if unknown:
            raise ValueError(f"not editable: {', '.join(unknown)}")
        hit = self.listings.read(listing_id)
        if authorize:
            authorize(hit["_source"])
        version = version_of(hit["_source"])
        if if_version is not None and if_version != version:
            raise VersionConflict(version)
        old_record = hit["_source"]["record"]
        now = datetime.now(timezone.utc).isoformat()
        existing, edit_hit = self.edits.read(listing_id)
        if capacity_kind and "capacity" in changes:
            current = old_record.get("capacity")
            last = capacity.revision_of(current, (existing.get("capacity") or {}).get("value"))
            changes = {**changes, "capacity": capacity.with_change(current, changes["capacity"], last_revision=last,
                                                                   kind=capacity_kind, actor=actor, at=now)}
        new_record = model.load_record(apply_edit_fields(old_record, {p: {"value": v} for p, v in changes.items()}))
        pending = {p: {"value": get_path(new_record, p), "at": now, "by": actor, "source": source}
                   for p in changes}
        doc = documents.stored_document(new_record, {**existing, **pending}, hit["_source"]["indexed_at"])
        # Waiting for the refresh can take one refresh interval longer than any other request.
        timeout = self.settings.es_timeout + (REFRESH_SECONDS if refresh else 0)
        try:
            resp = self.listings.write(hit, doc, refresh=refresh, timeout=timeout)
        except (StaleWrite, IndexGone):
            # Someone else wrote it first, or a rebuild swapped the alias and removed the index it was read from.
            raise VersionConflict(None) from None
        order = f"{hit['_index']}:{resp['_seq_no']:015d}"
        for field_change in pending.values():
            field_change["order"] = order
        self.edits.save(listing_id, pending, actor=actor, first=edit_hit)
        live = self.listings.live_index()
        if live != hit["_index"]:
            # A rebuild went live while this edit was being written: carry it over.
            self.listings.reapply(live, listing_id)
        # The capacity history's copy and the audit events go in one request (the history's own copy is the
        # listing's log, written above: an entry missing here is copied when the history is next read).
        trail = [{"action": "edit", "actor": actor, "listing_id": listing_id, "field": path,
                  "old": get_path(old_record, path), "new": pending[path]["value"], "source": source}
                 for path in changes if get_path(old_record, path) != pending[path]["value"]]
        copies = self.history.actions(listing_id, doc["organization"]["id"], new_record["capacity"]["log"][-1:]) \
            if capacity_kind and "capacity" in changes else []
        if copies or trail:
            self.catalogue.bulk(copies + self.audit_trail.actions(trail))
        return EditResult(doc, doc["etag"], order)

