"""What a provider may change in a listing record, and how a change applies: pure, no engine.

A change is kept per record path as ``{"value", "at", "by", "source", "order"}`` (the durable edit
record, ``directory.indices.edits``); applying the edit fields to a record gives the record with the
provider's values, which is what every rebuild indexes.
"""
from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from directory import eligibility

# Record-level paths a provider may edit; each is re-applied on rebuild as a whole value.
EDITABLE_FIELDS: tuple[str, ...] = (
    "hours_text", "phones", "languages", "service.description", "service.status", "service.eligibility_description",
    "access.walk_in", "access.appointment_required", "capacity",
    *(path for dim in eligibility.DIMENSIONS for path in dim.listing_paths),  # every eligibility column
    # Beds held for accepted referrals (directory.holds): written by the referral service, never by the
    # provider edit API, but kept and re-applied like an edit so a rebuild does not free a held bed.
    "holds",
)


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
