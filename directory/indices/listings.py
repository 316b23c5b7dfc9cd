"""The listings index: an alias (``<prefix>-listings``) over one physical index per rebuild, and the
blue/green rebuild that makes the next one.

A rebuild runs under a lease lock (``directory.indices.locks``), so two rebuilds of one directory never
run at once: ``with listings.rebuilding() as rebuild: rebuild.run(records)``. It writes a new physical
index with refresh off and no replicas, re-applies the durable provider edits (``EditLog``), adds the
replicas, checks, and moves the alias in one ``update_aliases`` call; a failed rebuild deletes its
half-built index and leaves the alias alone. Edits that land while it runs are carried over.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable, Iterable, Iterator

from elasticsearch import ApiError, ConflictError, Elasticsearch, NotFoundError, helpers

from directory import documents
from directory.errors import ListingNotFound, RebuildFailed
from directory.indices.catalogue import Catalogue, StaleWrite
from directory.indices.edits import EditLog
from directory.indices.locks import LeaseLock
from directory.listing_edits import apply_edit_fields

# The live listings index's refresh interval: a write that waits for it to be searchable waits this long at most.
REFRESH_SECONDS = 1.0


class IndexGone(Exception):
    """The physical index a listing was read from is gone (a rebuild swapped the alias and removed it)."""


@dataclass
class RebuildResult:
    index: str
    indexed: int
    edits_applied: int
    previous: list[str] = field(default_factory=list)


def organizations_body(ids: list[str]) -> dict:
    """Which of these organisation ids have at least one listing."""
    return {"size": 0, "query": {"terms": {"organization.id": ids}},
            "aggs": {"orgs": {"terms": {"field": "organization.id", "size": len(ids)}}}}


def version_of(source: dict) -> str:
    """A listing's version (its ETag): a tag of the content, not of the engine's sequence numbers, so a
    listing whose data did not change keeps its ETag across a rebuild and a provider who read it before
    the nightly import is not refused. Writes still use the sequence numbers read with it."""
    return source.get("etag") or documents.content_tag(source["record"])


class ListingIndex:
    """Reads and compare-and-swap writes of live listings, and the rebuilds that replace them."""

    def __init__(self, es: Elasticsearch, catalogue: Catalogue, edits: EditLog):
        self.es = es
        self.catalogue = catalogue
        self.edits = edits
        self.alias = catalogue.name("listings")

    # ----- reads ----------------------------------------------------------------------------
    def live_index(self) -> str | None:
        """The physical index behind the alias, or None before the first rebuild."""
        return self.catalogue.live("listings")

    def read(self, listing_id: str) -> dict:
        """The live listing as the engine holds it (``_source``, ``_index``, sequence numbers), for a
        compare-and-swap write; raises ``ListingNotFound``."""
        try:
            return self.es.get(index=self.alias, id=listing_id).body
        except NotFoundError:
            raise ListingNotFound(listing_id) from None

    def get(self, listing_id: str) -> tuple[dict, str]:
        """The live listing document and its version (for ETag / If-Match)."""
        hit = self.read(listing_id)
        return hit["_source"], version_of(hit["_source"])

    def count(self) -> int:
        return int(self.es.count(index=self.alias)["count"])

    def search(self, body: dict) -> dict:
        """Run one search request over the live listings: every search body of ``matching`` comes here."""
        return self.es.search(index=self.alias, body=body).body

    def msearch(self, bodies: list[dict]) -> list[dict]:
        """Run several search requests over the live listings in one round trip (a match with sections and
        the groups that head its lists); one answer per body, in order. A failed body raises like ``search``."""
        if len(bodies) == 1:
            return [self.search(bodies[0])]
        resp = self.es.msearch(index=self.alias, searches=[part for b in bodies for part in ({}, b)])
        answers = resp.body["responses"]
        for answer in answers:
            if "error" in answer:
                raise ApiError(str(answer["error"].get("reason") or answer["error"]), meta=resp.meta, body=answer)
        return answers

    def records(self) -> Iterator[dict]:
        """Every live listing record, provider edits and capacity applied, in id order (for exports). Writes do
        not wait for a refresh, so this one refreshes first: an export holds every acknowledged write."""
        self.es.indices.refresh(index=self.alias)
        hits = helpers.scan(self.es, index=self.alias, query={"query": {"match_all": {}}, "_source": ["record"]},
                            preserve_order=False)
        yield from sorted((h["_source"]["record"] for h in hits), key=lambda r: r["id"])

    def organization_ids(self, ids: Iterable[str]) -> set[str]:
        """Which of these organisation ids have at least one listing in the directory."""
        ids = sorted(set(ids))
        if not ids:
            return set()
        resp = self.es.search(index=self.alias, body=organizations_body(ids))
        return {b["key"] for b in resp["aggregations"]["orgs"]["buckets"]}

    # ----- writes ---------------------------------------------------------------------------
    def write(self, hit: dict, doc: dict, *, refresh: bool, timeout: float) -> dict:
        """Write ``doc`` over the listing ``hit`` was read as, only if nobody wrote it since. With ``refresh``
        the call returns once the write is searchable (``timeout`` covers that wait). Raises ``StaleWrite``
        (someone else's write came first, unless it was this very write replayed after a node failure:
        see ``_own_replay``) or ``IndexGone``."""
        writer = self.es.options(request_timeout=timeout)
        try:
            return writer.index(index=hit["_index"], id=hit["_id"], document=doc, if_seq_no=hit["_seq_no"],
                                if_primary_term=hit["_primary_term"], refresh="wait_for" if refresh else False).body
        except ConflictError:
            replayed = self._own_replay(hit["_index"], hit["_id"], doc)
            if replayed is None:
                raise StaleWrite(hit["_id"]) from None
            return replayed
        except NotFoundError:
            raise IndexGone(hit["_index"]) from None

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

    def reapply(self, index: str, listing_id: str) -> int:
        """Apply the durable edit record of one listing to its document in ``index``.

        Written with the document's sequence numbers and retried on conflict, so a provider edit
        landing at the same moment is never overwritten by an older view of the listing.
        """
        for _attempt in range(20):
            fields = self.edits.fields(listing_id)
            try:
                current = self.es.get(index=index, id=listing_id)
            except NotFoundError:
                return 0
            record = apply_edit_fields(current["_source"]["record"], fields)
            doc = documents.stored_document(record, fields, current["_source"]["indexed_at"])
            try:
                self.es.index(index=index, id=listing_id, document=doc, if_seq_no=current["_seq_no"],
                              if_primary_term=current["_primary_term"])
                return 1
            except ConflictError:
                continue
        raise RuntimeError(f"could not re-apply the edits of {listing_id}")

    # ----- rebuilds -------------------------------------------------------------------------
    def rebuild(self, records: Iterable[dict], **options: object) -> RebuildResult:
        """Take the rebuild lock and run one rebuild from ``records`` (``Rebuild.run``'s options)."""
        with self.rebuilding() as rebuild:
            return rebuild.run(records, **options)

    @contextmanager
    def rebuilding(self) -> Iterator["Rebuild"]:
        """Hold the rebuild lock for the block and yield the rebuild to run in it; raises
        ``locks.Locked`` when another rebuild of this directory runs. On taking the lock, physical
        listing indices no alias points at (left by a rebuild that was killed) are deleted."""
        self.catalogue.ensure()
        with LeaseLock(self.es, self.catalogue.name("locks"), "rebuild"):
            self.remove_orphans()
            yield Rebuild(self)

    def remove_orphans(self) -> list[str]:
        """Delete the physical listing indices that no alias points at; only safe under the rebuild lock."""
        found = self.es.indices.get(index=f"{self.alias}-*", expand_wildcards="all", ignore_unavailable=True,
                                    allow_no_indices=True).body
        orphans = sorted(name for name, info in found.items() if not info.get("aliases"))
        for name in orphans:
            self.es.indices.delete(index=name, ignore_unavailable=True)
        return orphans

    def new_index_name(self) -> str:
        # Microsecond stamps sort in creation order; they also order edit stamps across rebuilds.
        return f"{self.alias}-{_utcnow().strftime('%Y%m%d%H%M%S%f')}"

    def create_physical(self, name: str, **settings: object) -> None:
        """A new physical listings index (a rebuild's, or a benchmark's), refresh and replicas as given."""
        self.catalogue.create_physical("listings", name, **settings)

    def catch_up(self, index: str, since: datetime) -> int:
        """Re-apply edit records changed since ``since`` to the listings in ``index``."""
        return sum(self.reapply(index, listing_id) for listing_id in self.edits.changed_since(since))

    def swap_alias(self, name: str) -> list[str]:
        """Point the alias at ``name`` alone, in one call; returns the indices it pointed at before."""
        try:
            current = sorted(self.es.indices.get_alias(name=self.alias).body)
        except NotFoundError:
            current = []
        actions: list[dict] = [{"remove": {"index": old, "alias": self.alias}} for old in current]
        actions.append({"add": {"index": name, "alias": self.alias, "is_write_index": True}})
        self.es.indices.update_aliases(actions=actions)
        return current


class Rebuild:
    """One blue/green rebuild, made by ``ListingIndex.rebuilding`` while it holds the lock."""

    def __init__(self, listings: ListingIndex):
        self.listings = listings
        self.es = listings.es

    def run(self, records: Iterable[dict], *, on_indexed: Callable[[int], None] | None = None,
            refresh: bool = True, check: Callable[[str, int], None] | None = None) -> RebuildResult:
        """New index, bulk, re-apply edits, check, swap the alias in one call.

        ``records`` are validated listing records. On any failure the new index is deleted and the
        alias keeps pointing at the old one. ``check(index, count)`` may raise to refuse a build (for
        example when far fewer listings came through than are live now).
        """
        listings, es = self.listings, self.es
        started = _utcnow()
        name = listings.new_index_name()
        live_layout = listings.catalogue.layout("listings")
        # Bulk into one copy with refresh off; replicas are added once, from the finished primary. Until
        # it is finished it recovers last after a restart (a half-built index serves no one).
        listings.create_physical(name, number_of_replicas=0, refresh_interval="-1", priority=0)
        try:
            edits = listings.edits.all()
            applied = 0
            indexed_at = started.isoformat()

            def actions() -> Iterator[dict]:
                nonlocal applied
                for record in records:
                    edit = edits.get(record["id"])
                    if edit:
                        record = apply_edit_fields(record, edit["fields"])
                        applied += 1
                    doc = documents.stored_document(record, edit["fields"] if edit else None, indexed_at)
                    yield {"_index": name, "_id": doc["id"], "_source": doc}

            count = 0
            # Two bulk requests in flight: documents are built while the engine indexes the last chunk.
            for _ok, _item in helpers.parallel_bulk(es, actions(), thread_count=2, chunk_size=1000, queue_size=2,
                                                    raise_on_error=True):
                count += 1
                if on_indexed and count % 500 == 0:
                    on_indexed(count)
            if on_indexed:
                on_indexed(count)
            es.indices.put_settings(index=name, settings={
                "refresh_interval": f"{REFRESH_SECONDS:g}s", "number_of_replicas": live_layout["number_of_replicas"],
                "priority": live_layout["priority"]})
            es.indices.refresh(index=name)
            if live_layout["number_of_replicas"]:
                # Go live only with every copy in place, so losing a node right after the swap loses nothing.
                health = es.cluster.health(index=name, wait_for_status="green", timeout="120s")
                if health["timed_out"]:
                    raise RebuildFailed(f"the replicas of {name} were not allocated within 120 s "
                                        f"(cluster {health['status']}, {health['number_of_data_nodes']} data "
                                        "nodes): lower LEAD_REPLICAS or add nodes")
            if check:
                check(name, count)
            # Edits that arrived while the new index was being built.
            listings.catch_up(name, since=started)
            previous = listings.swap_alias(name)
        except BaseException:
            es.indices.delete(index=name, ignore_unavailable=True)
            raise
        # The new index is live from here on: never delete it. Edits that landed on the old index
        # between the catch-up and the swap are applied now; an edit still in flight against the
        # old index notices the swap itself (``Store.edit``).
        listings.catch_up(name, since=started)
        if refresh:
            es.indices.refresh(index=name)
        for old in previous:
            es.indices.delete(index=old, ignore_unavailable=True)
        return RebuildResult(index=name, indexed=count, edits_applied=applied, previous=previous)


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)
