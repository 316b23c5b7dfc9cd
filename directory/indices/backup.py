"""Snapshots of the directory's indices to a shared-filesystem repository, and restoring them.

A snapshot holds every index of the prefix that matters: the live listings index (the one behind
the alias, with the alias itself) and the support indices (edits, audit, capacity history, users,
geocode cache, and any other ``<prefix>-*`` index). A half-built listings index that no alias
points at is left out. Restoring brings the indices back with their aliases, so the app finds
``<prefix>-listings`` as it expects, with replicas suited to the cluster restored into.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from elasticsearch import Elasticsearch, NotFoundError

from directory.es import index_settings
from directory.settings import Settings


class BackupError(RuntimeError):
    """A backup or restore that cannot be done as asked (the message says why and what to do)."""


@dataclass
class Snapshot:
    name: str
    state: str
    started: str
    indices: list[str]
    documents: int | None = None

    def line(self) -> str:
        return f"{self.name}  {self.state:<8} {self.started}  {len(self.indices)} indices"


class Backups:
    """``lead backup`` and ``lead restore`` over one fs snapshot repository."""

    def __init__(self, es: Elasticsearch, settings: Settings):
        self.es = es
        self.settings = settings
        self.prefix = settings.index_prefix
        self.repository = settings.snapshot_repository

    def ensure_repository(self) -> None:
        """Register the fs repository (idempotent). The nodes must list its folder in path.repo."""
        try:
            self.es.snapshot.create_repository(name=self.repository, repository={
                "type": "fs", "settings": {"location": self.settings.snapshot_location, "compress": True}})
        except Exception as exc:  # the engine names the cause: path.repo missing, folder not shared...
            reason = getattr(exc, "message", None) or str(exc)
            raise BackupError(f"cannot register the snapshot repository {self.repository!r} at "
                              f"{self.settings.snapshot_location!r}: {reason}. Every node needs that folder "
                              "under its path.repo (scripts/es-local.sh sets it to .cache/es/snapshots).") from None

    def indices_to_save(self) -> list[str]:
        """The prefix's indices, leaving out listings indices no alias points at."""
        listings = f"{self.prefix}-listings"
        found = self.es.indices.get_alias(index=f"{self.prefix}-*", expand_wildcards="open").body
        keep = []
        for name, info in sorted(found.items()):
            if name.startswith(f"{listings}-") and listings not in (info.get("aliases") or {}):
                continue
            keep.append(name)
        return keep

    def create(self, *, now: datetime | None = None) -> Snapshot:
        """Take a snapshot named by the time (``<prefix>-YYYYMMDD-HHMMSS``) and wait for it."""
        self.ensure_repository()
        indices = self.indices_to_save()
        if not any(i.startswith(f"{self.prefix}-listings-") for i in indices):
            raise BackupError(f"there is no live directory under the prefix {self.prefix!r} to back up")
        stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%d-%H%M%S")
        name = f"{self.prefix}-{stamp}".lower()
        resp = self.es.snapshot.create(repository=self.repository, snapshot=name, wait_for_completion=True,
                                       indices=",".join(indices), include_global_state=False,
                                       metadata={"taken_by": "lead backup", "prefix": self.prefix})
        info = resp["snapshot"]
        if info["state"] != "SUCCESS":
            raise BackupError(f"snapshot {name} ended {info['state']}: {info.get('failures')}")
        return Snapshot(name, info["state"], info["start_time"], sorted(info["indices"]))

    def snapshots(self) -> list[Snapshot]:
        """This prefix's snapshots, oldest first."""
        self.ensure_repository()
        resp = self.es.snapshot.get(repository=self.repository, snapshot=f"{self.prefix}-*",
                                    ignore_unavailable=True)
        snaps = [Snapshot(s["snapshot"], s["state"], s.get("start_time", ""), sorted(s["indices"]))
                 for s in resp["snapshots"] if (s.get("metadata") or {}).get("prefix", self.prefix) == self.prefix]
        return sorted(snaps, key=lambda s: s.started)

    def restore(self, snapshot: str | None = None, *, replace: bool = False) -> Snapshot:
        """Restore a snapshot (the newest when not named) with its aliases.

        The prefix's indices must not exist, unless ``replace``: then they are deleted first (the
        live directory is gone until the restore finishes).
        """
        snaps = [s for s in self.snapshots() if s.state == "SUCCESS"]
        if not snaps:
            raise BackupError(f"no snapshot of {self.prefix!r} in the repository {self.repository!r}")
        chosen = snaps[-1] if snapshot in (None, "latest") else next((s for s in snaps if s.name == snapshot), None)
        if chosen is None:
            raise BackupError(f"no snapshot named {snapshot!r}; `lead backup --list` shows them")
        existing = self._existing()
        if existing and not replace:
            raise BackupError(f"{len(existing)} indices of {self.prefix!r} exist already ({', '.join(existing[:4])}"
                              f"{'...' if len(existing) > 4 else ''}): restore into an empty cluster, or "
                              "pass --replace to delete them first")
        if existing:
            self.es.indices.delete(index=",".join(existing))
        layout = index_settings(self.es, self.settings)
        self.es.snapshot.restore(repository=self.repository, snapshot=chosen.name, wait_for_completion=True,
                                 indices=",".join(chosen.indices), include_aliases=True, include_global_state=False,
                                 index_settings={"index.number_of_replicas": layout["number_of_replicas"]})
        try:
            self.es.indices.get_alias(name=f"{self.prefix}-listings")
        except NotFoundError:
            raise BackupError(f"snapshot {chosen.name} restored without the {self.prefix}-listings alias") from None
        return chosen

    def _existing(self) -> list[str]:
        return sorted(self.es.indices.get(index=f"{self.prefix}-*", expand_wildcards="all",
                                          allow_no_indices=True).body)
