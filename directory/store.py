"""The store: the only module that talks to Elasticsearch about directory data.

Indices (all names derive from ``Settings.index_prefix``):

- ``<prefix>-listings`` is an *alias* over one physical index ``<prefix>-listings-<stamp>``.
  A rebuild from sources writes a new physical index and moves the alias in one call.
- ``<prefix>-edits`` holds provider edits and capacity as durable records, one document per
  listing, each field stamped with who, when and an ordering key. Rebuilds re-apply them, so
  nothing entered through the API is lost when the directory is rebuilt from its sources.
- ``<prefix>-audit`` is the append-only audit trail of changes to directory data.
- ``<prefix>-geocache`` remembers geocoding answers between ingest runs.
- ``<prefix>-referrals``, ``<prefix>-webhooks`` and ``<prefix>-webhook-deliveries`` keep referrals
  (``directory.referrals``) and their outgoing webhooks (``directory.webhooks``).
- ``<prefix>-counters`` holds rate-limit and sign-in throttle counts shared by every worker
  (``directory.counters``).
"""
from __future__ import annotations

import copy
import hashlib
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Iterator

import orjson
from elasticsearch import ConflictError, Elasticsearch, NotFoundError, helpers

from directory import (capacity, counters, documents, eligibility, locks, model, referral_states, suggestions,
                       webhooks)
from directory.es import (PRIORITY_ACCOUNTS, PRIORITY_BACKGROUND, PRIORITY_LISTINGS, PRIORITY_WRITES,
                          batch_client, index_settings)
from directory.settings import Settings

# Record-level paths a provider may edit; each is re-applied on rebuild as a whole value.
EDITABLE_FIELDS: tuple[str, ...] = (
    "hours_text", "phones", "languages", "service.description", "service.status", "service.eligibility_description",
    "access.walk_in", "access.appointment_required", "capacity",
    *(path for dim in eligibility.DIMENSIONS for path in dim.listing_paths),  # every eligibility column
    # Beds held for accepted referrals (directory.holds): written by the referral service, never by the
    # provider edit API, but kept and re-applied like an edit so a rebuild does not free a held bed.
    "holds",
)


# The live listings index's refresh interval: a write that waits for it to be searchable waits this long at most.
REFRESH_SECONDS = 1.0


class ListingNotFound(LookupError):
    pass


class VersionConflict(Exception):
    """The caller's version of a listing is not the current one (HTTP 412)."""

    def __init__(self, current: str | None):
        super().__init__("the listing changed since it was read")
        self.current = current


class RebuildFailed(RuntimeError):
    pass


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def get_path(record: dict, path: str) -> Any:
    node: Any = record
    for part in path.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def set_path(record: dict, path: str, value: Any) -> None:
    node = record
    parts = path.split(".")
    for part in parts[:-1]:
        if not isinstance(node.get(part), dict):
            node[part] = {}
        node = node[part]
    node[parts[-1]] = value


def content_tag(record: dict) -> str:
    """A short hash of a listing record's content (keys sorted): the listing's ETag."""
    return hashlib.sha256(orjson.dumps(record, option=orjson.OPT_SORT_KEYS)).hexdigest()[:24]


@dataclass
class EditResult:
    doc: dict
    etag: str
    order: str  # the write's place in the engine's order: physical index, then sequence number


@dataclass
class RebuildResult:
    index: str
    indexed: int
    edits_applied: int
    previous: list[str] = field(default_factory=list)


class Store:
    """Directory data in Elasticsearch: listings, durable edits, audit and the geocode cache."""

    def __init__(self, es: Elasticsearch, settings: Settings):
        self.es = es
        self.settings = settings
        p = settings.index_prefix
        self.listings = f"{p}-listings"
        self.edits = f"{p}-edits"
        self.audit_index = f"{p}-audit"
        self.geocache = f"{p}-geocache"
        self.capacity_history_index = f"{p}-capacity-revisions"
        self.history = capacity.CapacityHistory(es, self.capacity_history_index)
        self.locks_index = f"{p}-locks"
        self._rebuild_depth = 0
        self.suggestions_index = suggestions.index_name(settings)
        self.referrals_index = referral_states.index_name(settings)
        self.webhooks_index = webhooks.config_index(settings)
        self.deliveries_index = webhooks.deliveries_index(settings)
        self.counters_index = counters.index_name(p)

    # ----- set-up ---------------------------------------------------------------------------
    SUPPORT_MAPPINGS: dict[str, dict] = {
        "edits": {"dynamic": "strict", "properties": {
            "listing_id": {"type": "keyword"},
            "fields": {"type": "object", "enabled": False},
            "updated_at": {"type": "date"}, "updated_by": {"type": "keyword"},
        }},
        "audit": {"dynamic": "strict", "properties": {
            "at": {"type": "date"}, "actor": {"type": "keyword"}, "action": {"type": "keyword"},
            "listing_id": {"type": "keyword"}, "field": {"type": "keyword"},
            "old": {"type": "object", "enabled": False}, "new": {"type": "object", "enabled": False},
            "source": {"type": "keyword"}, "detail": {"type": "object", "enabled": False},
        }},
        "capacity_history": capacity.MAPPING,
        "locks": locks.MAPPING,
        "geocache": {"dynamic": "strict", "properties": {
            "query": {"type": "keyword"}, "point": {"type": "geo_point"}, "quality": {"type": "keyword"},
            "at": {"type": "date"},
        }},
        "suggestions": suggestions.MAPPING,
        "referrals": referral_states.MAPPING,
        "webhooks": webhooks.CONFIG_MAPPING,
        "deliveries": webhooks.DELIVERY_MAPPING,
        "counters": counters.MAPPING,
    }

    def ensure_indices(self) -> None:
        """Create the support indices if they are missing (safe to call repeatedly)."""
        for name, key, priority in ((self.edits, "edits", PRIORITY_WRITES),
                                    (self.audit_index, "audit", PRIORITY_BACKGROUND),
                                    (self.geocache, "geocache", PRIORITY_BACKGROUND),
                                    (self.capacity_history_index, "capacity_history", PRIORITY_WRITES),
                                    (self.locks_index, "locks", PRIORITY_WRITES),
                                    (self.suggestions_index, "suggestions", PRIORITY_BACKGROUND),
                                    (self.referrals_index, "referrals", PRIORITY_WRITES),
                                    (self.webhooks_index, "webhooks", PRIORITY_BACKGROUND),
                                    (self.deliveries_index, "deliveries", PRIORITY_BACKGROUND),
                                    # Sign-in throttles read it: it comes back with the accounts after a restart.
                                    (self.counters_index, "counters", PRIORITY_ACCOUNTS)):
            if not self.es.indices.exists(index=name):
                try:
                    self.es.indices.create(index=name, settings=index_settings(self.es, self.settings,
                                                                               priority=priority),
                                           mappings=self.SUPPORT_MAPPINGS[key])
                except Exception as exc:  # another process may have created it meanwhile
                    if "resource_already_exists" not in str(exc):
                        raise
        if self.live_index():
            # A live index built before a field was added to the mapping gets the new fields (adding is
            # allowed on a strict mapping), so edits written before the next rebuild still index.
            self.es.indices.put_mapping(index=self.listings, properties=self._listing_mappings()["properties"])

    def batch(self) -> "Store":
        """This store over the same connections with the batch timeout (ingest, backups)."""
        return Store(batch_client(self.es, self.settings), self.settings)

    def live_index(self) -> str | None:
        """The physical index behind the listings alias, or None before the first rebuild."""
        try:
            found = self.es.indices.get_alias(name=self.listings)
        except NotFoundError:
            return None
        names = sorted(found.body)
        return names[-1] if names else None

    def drop_everything(self) -> None:
        """Delete every index of this prefix (tests and `make clean` only)."""
        self.es.indices.delete(index=f"{self.settings.index_prefix}-*", ignore_unavailable=True,
                               allow_no_indices=True, expand_wildcards="all")

    # ----- rebuild from sources -------------------------------------------------------------
    def _new_index_name(self) -> str:
        # Microsecond stamps sort in creation order; they also order edit stamps across rebuilds.
        return f"{self.listings}-{utcnow().strftime('%Y%m%d%H%M%S%f')}"

    @contextmanager
    def rebuilding(self) -> Iterator[None]:
        """Hold the rebuild lock (``directory.locks``) for the block; raises ``locks.Locked`` when another
        rebuild of this directory runs. On taking it, physical listing indices no alias points at (left by
        a rebuild that was killed) are deleted. Re-entrant within one store."""
        if self._rebuild_depth:
            self._rebuild_depth += 1
            try:
                yield
            finally:
                self._rebuild_depth -= 1
            return
        self.ensure_indices()
        with locks.LeaseLock(self.es, self.locks_index, "rebuild"):
            self._rebuild_depth = 1
            try:
                self.remove_orphans()
                yield
            finally:
                self._rebuild_depth = 0

    def remove_orphans(self) -> list[str]:
        """Delete the physical listing indices that no alias points at; only safe under the rebuild lock."""
        found = self.es.indices.get(index=f"{self.listings}-*", expand_wildcards="all", ignore_unavailable=True,
                                    allow_no_indices=True).body
        orphans = sorted(name for name, info in found.items() if not info.get("aliases"))
        for name in orphans:
            self.es.indices.delete(index=name, ignore_unavailable=True)
        return orphans

    def rebuild(self, records: Iterable[dict], *, actor: str = "ingest",
                on_indexed: Callable[[int], None] | None = None, refresh: bool = True,
                check: Callable[[str, int], None] | None = None) -> RebuildResult:
        """Blue/green rebuild under the rebuild lock: new index, bulk, re-apply edits, check, swap the
        alias in one call.

        ``records`` are validated listing records. On any failure the new index is deleted and
        the alias keeps pointing at the old one. ``check(index, count)`` may raise to refuse a
        build (for example when far fewer listings came through than are live now).
        """
        with self.rebuilding():
            return self._rebuild(records, on_indexed=on_indexed, refresh=refresh, check=check)

    def _rebuild(self, records: Iterable[dict], *, on_indexed: Callable[[int], None] | None, refresh: bool,
                 check: Callable[[str, int], None] | None) -> RebuildResult:
        started = utcnow()
        name = self._new_index_name()
        layout = index_settings(self.es, self.settings, priority=PRIORITY_LISTINGS)
        # Bulk into one copy with refresh off; replicas are added once, from the finished primary. Until
        # it is finished it recovers last after a restart (a half-built index serves no one).
        self.es.indices.create(index=name, mappings=self._listing_mappings(),
                               settings={**documents.SETTINGS, **layout, "number_of_replicas": 0,
                                         "refresh_interval": "-1", "priority": 0})
        try:
            edits = self._all_edits()
            applied = 0
            indexed_at = started.isoformat()

            def actions() -> Iterator[dict]:
                nonlocal applied
                for record in records:
                    edit = edits.get(record["id"])
                    if edit:
                        record = apply_edit_fields(record, edit["fields"])
                        applied += 1
                    doc = self._document(record, edit["fields"] if edit else None, indexed_at)
                    yield {"_index": name, "_id": doc["id"], "_source": doc}

            count = 0
            # Two bulk requests in flight: documents are built while the engine indexes the last chunk.
            for ok, item in helpers.parallel_bulk(self.es, actions(), thread_count=2, chunk_size=1000,
                                                  queue_size=2, raise_on_error=True):
                count += 1
                if on_indexed and count % 500 == 0:
                    on_indexed(count)
            if on_indexed:
                on_indexed(count)
            self.es.indices.put_settings(index=name, settings={
                "refresh_interval": f"{REFRESH_SECONDS:g}s", "number_of_replicas": layout["number_of_replicas"],
                "priority": layout["priority"]})
            self.es.indices.refresh(index=name)
            if layout["number_of_replicas"]:
                # Go live only with every copy in place, so losing a node right after the swap loses nothing.
                health = self.es.cluster.health(index=name, wait_for_status="green", timeout="120s")
                if health["timed_out"]:
                    raise RebuildFailed(f"the replicas of {name} were not allocated within 120 s "
                                        f"(cluster {health['status']}, {health['number_of_data_nodes']} data "
                                        "nodes): lower LEAD_REPLICAS or add nodes")
            if check:
                check(name, count)
            # Edits that arrived while the new index was being built.
            self._catch_up_edits(name, since=started)
            previous = self._swap_alias(name)
        except BaseException:
            self.es.indices.delete(index=name, ignore_unavailable=True)
            raise
        # The new index is live from here on: never delete it. Edits that landed on the old index
        # between the catch-up and the swap are applied now; an edit still in flight against the
        # old index notices the swap itself (see ``edit``).
        self._catch_up_edits(name, since=started)
        if refresh:
            self.es.indices.refresh(index=name)
        for old in previous:
            self.es.indices.delete(index=old, ignore_unavailable=True)
        return RebuildResult(index=name, indexed=count, edits_applied=applied, previous=previous)

    def _listing_mappings(self) -> dict:
        mappings = copy.deepcopy(documents.LISTING_MAPPINGS)
        # The validated record rides along, unindexed, so edits can rebuild the document.
        mappings["properties"]["record"] = {"type": "object", "enabled": False}
        return mappings

    @staticmethod
    def _document(record: dict, edit_fields: dict | None, indexed_at: str) -> dict:
        doc = documents.listing_document(record, indexed_at=indexed_at)
        doc["record"] = record
        doc["etag"] = content_tag(record)
        if edit_fields:
            doc["edited_fields"] = sorted(edit_fields)
            doc["edited_at"] = max(f["at"] for f in edit_fields.values())
        return doc

    def _swap_alias(self, name: str) -> list[str]:
        try:
            current = sorted(self.es.indices.get_alias(name=self.listings).body)
        except NotFoundError:
            current = []
        actions: list[dict] = [{"remove": {"index": old, "alias": self.listings}} for old in current]
        actions.append({"add": {"index": name, "alias": self.listings, "is_write_index": True}})
        self.es.indices.update_aliases(actions=actions)
        return current

    def _all_edits(self) -> dict[str, dict]:
        if not self.es.indices.exists(index=self.edits):
            return {}
        return {hit["_id"]: hit["_source"] for hit in helpers.scan(self.es, index=self.edits,
                                                                  query={"query": {"match_all": {}}})}

    def _catch_up_edits(self, index: str, since: datetime) -> int:
        """Re-apply edit records changed since ``since`` to the listings in ``index``."""
        self.es.indices.refresh(index=self.edits)
        n = 0
        for hit in helpers.scan(self.es, index=self.edits,
                                query={"query": {"range": {"updated_at": {"gte": since.isoformat()}}}}):
            n += self._reapply(index, hit["_source"]["listing_id"])
        return n

    def _reapply(self, index: str, listing_id: str) -> int:
        """Apply the durable edit record of one listing to its document in ``index``.

        Written with the document's sequence number and retried on conflict, so a provider edit
        landing at the same moment is never overwritten by an older view of the listing.
        """
        for _attempt in range(20):
            fields = self._edit_fields(listing_id)
            try:
                current = self.es.get(index=index, id=listing_id)
            except NotFoundError:
                return 0
            record = apply_edit_fields(current["_source"]["record"], fields)
            doc = self._document(record, fields, current["_source"]["indexed_at"])
            try:
                self.es.index(index=index, id=listing_id, document=doc, if_seq_no=current["_seq_no"],
                              if_primary_term=current["_primary_term"])
                return 1
            except ConflictError:
                continue
        raise RuntimeError(f"could not re-apply the edits of {listing_id}")

    # ----- reads ----------------------------------------------------------------------------
    def get(self, listing_id: str) -> tuple[dict, str]:
        """The live listing document and its version (for ETag / If-Match)."""
        try:
            hit = self.es.get(index=self.listings, id=listing_id)
        except NotFoundError:
            raise ListingNotFound(listing_id) from None
        return hit["_source"], self._version(hit)

    @staticmethod
    def _version(hit: dict) -> str:
        # A tag of the content, not of the engine's sequence numbers: a listing whose data did not
        # change keeps its ETag across a rebuild, so a provider who read it before the nightly import
        # is not refused. Writes still use the sequence numbers read with it, so they stay atomic.
        return hit["_source"].get("etag") or content_tag(hit["_source"]["record"])

    def count(self) -> int:
        return int(self.es.count(index=self.listings)["count"])

    def search(self, body: dict) -> dict:
        """Run one search request over the live listings: every search body of ``matching`` comes here."""
        return self.es.search(index=self.listings, body=body).body

    def search_referrals(self, body: dict) -> dict | None:
        """Run one search request over the referrals (``matching`` asks for outcome rates here); None
        when no referral index exists yet."""
        try:
            return self.es.search(index=self.referrals_index, body=body).body
        except NotFoundError:
            return None

    def records(self) -> Iterator[dict]:
        """Every live listing record, provider edits and capacity applied, in id order (for exports)."""
        hits = helpers.scan(self.es, index=self.listings, query={"query": {"match_all": {}}, "_source": ["record"]},
                            preserve_order=False)
        yield from sorted((h["_source"]["record"] for h in hits), key=lambda r: r["id"])

    def organization_ids(self, ids: Iterable[str]) -> set[str]:
        """Which of these organisation ids have at least one listing in the directory."""
        ids = sorted(set(ids))
        if not ids:
            return set()
        resp = self.es.search(index=self.listings, size=0, query={"terms": {"organization.id": ids}},
                              aggs={"orgs": {"terms": {"field": "organization.id", "size": len(ids)}}})
        return {b["key"] for b in resp["aggregations"]["orgs"]["buckets"]}

    # ----- provider edits -------------------------------------------------------------------
    def edit(self, listing_id: str, changes: dict[str, Any], *, actor: str, if_version: str | None = None,
             source: str = "api", refresh: bool = True, authorize: Callable[[dict], None] | None = None,
             capacity_kind: str | None = None) -> "EditResult":
        """Apply record-level field changes to one listing with optimistic concurrency.

        ``changes`` maps paths from ``EDITABLE_FIELDS`` to whole new values. The change is
        validated as a complete record before anything is written; the live document is
        written with the engine's sequence numbers (a stale ``if_version`` raises
        ``VersionConflict``), then the change is kept as a durable edit record and audited.
        ``authorize(current_document)`` runs first and may raise to refuse the change. With
        ``capacity_kind`` (update or confirm), a capacity change is numbered and logged in the same
        write (``directory.capacity``).
        """
        unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
        if unknown:
            raise ValueError(f"not editable: {', '.join(unknown)}")
        try:
            hit = self.es.get(index=self.listings, id=listing_id)
        except NotFoundError:
            raise ListingNotFound(listing_id) from None
        if authorize:
            authorize(hit["_source"])
        version = self._version(hit)
        if if_version is not None and if_version != version:
            raise VersionConflict(version)
        old_record = hit["_source"]["record"]
        now = utcnow().isoformat()
        existing = self._edit_fields(listing_id)
        if capacity_kind and "capacity" in changes:
            current = old_record.get("capacity")
            last = capacity.revision_of(current, (existing.get("capacity") or {}).get("value"))
            changes = {**changes, "capacity": capacity.with_change(current, changes["capacity"], last_revision=last,
                                                                   kind=capacity_kind, actor=actor, at=now)}
        new_record = model.load_record(apply_edit_fields(old_record, {p: {"value": v} for p, v in changes.items()}))
        pending = {p: {"value": get_path(new_record, p), "at": now, "by": actor, "source": source}
                   for p in changes}
        doc = self._document(new_record, {**existing, **pending}, hit["_source"]["indexed_at"])
        # Waiting for the refresh can take one refresh interval longer than any other request.
        writer = self.es.options(request_timeout=self.settings.es_timeout + REFRESH_SECONDS) if refresh else self.es
        try:
            resp = writer.index(index=hit["_index"], id=listing_id, document=doc,
                                if_seq_no=hit["_seq_no"], if_primary_term=hit["_primary_term"],
                                refresh="wait_for" if refresh else False)
        except ConflictError:
            resp = self._own_replay(hit["_index"], listing_id, doc)
            if resp is None:
                raise VersionConflict(None) from None
        except NotFoundError:
            # A rebuild swapped the alias and removed the index this listing was read from.
            raise VersionConflict(None) from None
        order = f"{hit['_index']}:{resp['_seq_no']:015d}"
        for field_change in pending.values():
            field_change["order"] = order
        if capacity_kind and "capacity" in changes:
            self.history.record(listing_id, doc["organization"]["id"], new_record["capacity"]["log"][-1:])
        self._save_edit(listing_id, pending, actor=actor)
        if self.live_index() != hit["_index"]:
            # A rebuild went live while this edit was being written: carry it over.
            self._reapply(self.live_index(), listing_id)
        for path in changes:
            old, new = get_path(old_record, path), pending[path]["value"]
            if old != new:
                self.audit("edit", actor=actor, listing_id=listing_id, field=path, old=old, new=new,
                           source=source)
        return EditResult(doc, doc["etag"], order)

    def _own_replay(self, index: str, listing_id: str, doc: dict) -> dict | None:
        """After a version conflict: the listing as written, if the write that conflicted was this one.

        When a node dies with a write in flight, the client sends it again to another node; if the
        first attempt had been applied, the replay conflicts with it (the sequence numbers stop a
        double write). The document then holds exactly this write (its ETag hashes the content,
        down to the capacity's timestamp), so it is this write's success, not someone else's change.
        """
        try:
            current = self.es.get(index=index, id=listing_id)
        except NotFoundError:
            return None
        return current.body if current["_source"].get("etag") == doc["etag"] else None

    def _edit_fields(self, listing_id: str) -> dict:
        try:
            return self.es.get(index=self.edits, id=listing_id)["_source"]["fields"]
        except NotFoundError:
            return {}

    def _save_edit(self, listing_id: str, pending: dict[str, dict], *, actor: str) -> None:
        """Merge field changes into the durable edit record; a later write never loses to an earlier one."""
        for _attempt in range(50):
            try:
                hit = self.es.get(index=self.edits, id=listing_id)
                stored, seq = hit["_source"]["fields"], {"if_seq_no": hit["_seq_no"],
                                                        "if_primary_term": hit["_primary_term"]}
            except NotFoundError:
                stored, seq = {}, {"op_type": "create"}
            merged = dict(stored)
            for path, change in pending.items():
                if path not in merged or merged[path].get("order", "") < change["order"]:
                    merged[path] = change
            body = {"listing_id": listing_id, "fields": merged, "updated_at": utcnow().isoformat(),
                    "updated_by": actor}
            try:
                self.es.index(index=self.edits, id=listing_id, document=body, refresh=True, **seq)
                return
            except ConflictError:
                time.sleep(0.005)
        raise RuntimeError(f"could not save the edit record for {listing_id}")

    # ----- audit ----------------------------------------------------------------------------
    def audit(self, action: str, *, actor: str, listing_id: str | None = None, field: str | None = None,
              old: Any = None, new: Any = None, source: str | None = None, detail: dict | None = None) -> None:
        """Append one audit event. Never pass participant data here."""
        self.es.index(index=self.audit_index, document={
            "at": utcnow().isoformat(), "actor": actor, "action": action, "listing_id": listing_id,
            "field": field, "old": {"value": old}, "new": {"value": new}, "source": source, "detail": detail,
        })

    def audit_many(self, events: list[dict]) -> None:
        """Append several audit events in one request (each a dict of ``audit``'s arguments)."""
        if not events:
            return
        at = utcnow().isoformat()
        helpers.bulk(self.es, ({"_index": self.audit_index, "_source": {
            "at": at, "actor": e["actor"], "action": e["action"], "listing_id": e.get("listing_id"),
            "field": e.get("field"), "old": {"value": e.get("old")}, "new": {"value": e.get("new")},
            "source": e.get("source"), "detail": e.get("detail")}} for e in events))

    def capacity_history(self, doc: dict, *, size: int = 50, before: int | None = None) -> tuple[list[dict], int | None]:
        """A page of a listing's capacity history, newest first, and the cursor of the next page."""
        return self.history.page(doc["id"], doc["organization"]["id"], (doc.get("record") or {}).get("capacity"),
                                 size=size, before=before)

    def audit_events(self, *, listing_id: str | None = None, actor: str | None = None, action: str | None = None,
                     since: str | None = None, size: int = 100) -> list[dict]:
        filters: list[dict] = []
        for field_name, value in (("listing_id", listing_id), ("actor", actor), ("action", action)):
            if value:
                filters.append({"term": {field_name: value}})
        if since:
            filters.append({"range": {"at": {"gte": since}}})
        self.es.indices.refresh(index=self.audit_index)
        resp = self.es.search(index=self.audit_index, size=size, query={"bool": {"filter": filters}},
                              sort=[{"at": "desc"}])
        return [{**h["_source"], "old": h["_source"]["old"]["value"], "new": h["_source"]["new"]["value"]}
                for h in resp["hits"]["hits"]]

    # ----- geocode cache --------------------------------------------------------------------
    def geocache_get_many(self, keys: list[str]) -> dict[str, dict]:
        if not keys or not self.es.indices.exists(index=self.geocache):
            return {}
        found: dict[str, dict] = {}
        for i in range(0, len(keys), 1000):
            resp = self.es.mget(index=self.geocache, ids=keys[i:i + 1000])
            found.update({d["_id"]: d["_source"] for d in resp["docs"] if d.get("found")})
        return found

    def geocache_put_many(self, entries: dict[str, dict]) -> None:
        if entries:
            helpers.bulk(self.es, ({"_index": self.geocache, "_id": k, "_source": v} for k, v in entries.items()))


def _instant(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None
    except ValueError:
        return None


def source_capacity_is_newer(source: dict | None, edit: dict | None) -> bool:
    """Whether a source's capacity figure replaces a provider's edited one: only when the source states a
    time of its own (not one relative to the import) and that time is later than the edit's."""
    if not source or not edit or source.get("relative_time"):
        return False
    stated, edited = _instant(source.get("updated_at")), _instant(edit.get("updated_at"))
    return bool(stated and edited and stated > edited)


def apply_edit_fields(record: dict, fields: dict[str, dict]) -> dict:
    """A copy of ``record`` with each edited path replaced by its edited value.

    Capacity is the exception: a source that states a later time of its own for its figure wins
    (``source_capacity_is_newer``), so a source reporting fresher beds is not masked by an old edit.
    """
    out = copy.deepcopy(record)
    for path in fields:
        # A value the provider set replaces one read from a name: it is no longer inferred.
        (out.get("inferred") or {}).pop(eligibility.COLUMN_OF_PATH.get(path, ""), None)
    for path, change in fields.items():
        value = copy.deepcopy(change["value"])
        if path == "capacity" and source_capacity_is_newer(out.get("capacity"), value):
            continue
        set_path(out, path, value)
    return out
