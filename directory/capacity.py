"""Capacity history: every change of a listing's beds or slots, and every "still accurate" confirmation.

Each change is numbered (``revision``) and kept in the capacity record itself (its last ``LOG_KEEP``
entries), so the entry is written in the same atomic write as the figure it describes: a crash after
that write cannot leave an applied change without its history. The full history is copied, under
ids ``<listing>:<revision>``, to ``<prefix>-capacity-revisions`` (``directory.indices.capacity_history``),
where it is paged; an entry that did not reach it (the process died right after the listing write) is
copied the next time the history is read. Revisions follow the engine's order of the writes, because each write is made with the
sequence numbers of the listing it read.
"""
from __future__ import annotations


LOG_KEEP = 20


def figures(capacity: dict | None) -> dict | None:
    """A capacity record without its log: what a history entry shows as old and new."""
    if not capacity:
        return None
    return {k: v for k, v in capacity.items() if k not in ("log", "revision")}


def with_change(current: dict | None, new: dict, *, last_revision: int, kind: str, actor: str, at: str) -> dict:
    """``new`` numbered as the next revision, with the entry describing it at the end of its log."""
    revision = last_revision + 1
    entry = {"revision": revision, "at": at, "by": actor, "kind": kind, "old": figures(current),
             "new": figures(new)}
    log = list((current or {}).get("log") or [])[-(LOG_KEEP - 1):] + [entry]
    return {**figures(new), "revision": revision, "log": log}


def revision_of(*capacities: dict | None) -> int:
    """The highest revision among capacity records (an import's own figure has none)."""
    return max([int((c or {}).get("revision") or 0) for c in capacities] or [0])
