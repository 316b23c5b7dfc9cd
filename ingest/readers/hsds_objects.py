"""HSDS 3.0 JSON as APIs and portals publish it in bulk: one folder per object type (``services/``,
``organizations/``, ``locations/``, ``service_at_locations/``, ``root.json`` at the top), or one file holding
a list per type (``{"services": [...], "organizations": [...]}``). Each file may be one object, an array, a
paginated list page or newline-delimited JSON.

Objects are gathered by type and id, then each service is assembled the way a fully nested service reads:
its organisation from ``organization`` or ``organization_id``, its service_at_locations nested or linked by
``service_id``, each with its location nested or linked by ``location_id`` (with the location's addresses,
phones and schedules). A service summary with no link to a site is listed with no site, as a service
without service_at_locations is.
"""
from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any, Iterator

from ingest.readers import hsds_fields as F
from ingest.records import ReadItem, Rejection, Skipped, text

# Folder or key names of each object type (singular and plural, as publishers spell them).
TYPES = {
    "service": ("services", "service"),
    "organization": ("organizations", "organization", "organisations"),
    "location": ("locations", "location"),
    "service_at_location": ("service_at_locations", "service_at_location", "services_at_location",
                            "services_at_locations"),
    "address": ("addresses", "address"),
    "phone": ("phones", "phone"),
    "schedule": ("schedules", "schedule"),
    "taxonomy": ("taxonomies", "taxonomy"),
    "taxonomy_term": ("taxonomy_terms", "taxonomy_term"),
}
TYPE_OF_NAME = {name: kind for kind, names in TYPES.items() for name in names}
SUFFIXES = (".json", ".ndjson", ".jsonl")
# The keys that make one document a bundle of lists by type (an object's own ``phones`` do not).
TOP_LEVEL_KEYS = ("services", "organizations", "organisations", "locations", "service_at_locations",
                  "services_at_location")


def is_object_tree(path: Path) -> bool:
    """A folder laid out one sub-folder per object type, or with the API's ``root.json``."""
    return path.is_dir() and ((path / "root.json").is_file() or any(
        p.is_dir() and p.name in TYPE_OF_NAME for p in path.iterdir()))


def is_type_keyed(data: Any) -> bool:
    """One JSON document holding a list per object type."""
    return isinstance(data, dict) and any(isinstance(data.get(k), list) for k in TOP_LEVEL_KEYS) \
        and not any(k in data for k in ("id", "name", "contents"))


def objects_of(file: Path) -> list[Any]:
    raw = file.read_text(encoding="utf-8-sig")
    if file.suffix.lower() in (".ndjson", ".jsonl"):
        return [json.loads(line) for line in raw.splitlines() if line.strip()]
    data = json.loads(raw)
    if isinstance(data, dict) and isinstance(data.get("contents"), list):
        return data["contents"]
    return data if isinstance(data, list) else [data]


class Objects:
    """HSDS objects by type and id."""

    def __init__(self) -> None:
        self.by_type: dict[str, dict[str, dict]] = defaultdict(dict)
        self.order: list[tuple[str, str]] = []

    def add(self, kind: str, obj: dict, where: str) -> None:
        oid = text(obj.get("id")) or f"{where}#{len(self.by_type[kind]) + 1}"
        known = self.by_type[kind].get(oid)
        if known is None:
            self.by_type[kind][oid] = obj
            self.order.append((kind, oid))
        elif len(json.dumps(obj, default=str)) > len(json.dumps(known, default=str)):
            self.by_type[kind][oid] = obj  # the fuller of two copies (a page summary and the full object)

    def get(self, kind: str, oid: Any) -> dict | None:
        return self.by_type[kind].get(text(oid) or "")


def read_object_tree(path: Path, *, source: str) -> Iterator[ReadItem]:
    """Every object under ``path`` (a folder per type, or a type-keyed file), assembled into listings."""
    from ingest.readers.hsds import service_records  # the shared builder; imported here to avoid a cycle

    store = Objects()
    files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES) \
        if path.is_dir() else [path]
    for file in files:
        where = str(file)
        rel = file.relative_to(path) if path.is_dir() else Path(file.name)
        if rel.name == "root.json" and len(rel.parts) == 1:
            yield Skipped(where, "root", "the API's root (version, profile): not a listing")
            continue
        try:
            objects = objects_of(file)
        except (OSError, ValueError) as exc:
            yield Rejection(where, "-", "_file", f"not readable JSON: {exc}")
            continue
        folder_kind = next((TYPE_OF_NAME[p] for p in reversed(rel.parts[:-1]) if p in TYPE_OF_NAME), None) or \
            TYPE_OF_NAME.get(file.stem)
        for n, obj in enumerate(objects, start=1):
            if is_type_keyed(obj):
                for key, items in obj.items():
                    if key in TYPE_OF_NAME and isinstance(items, list):
                        for item in items:
                            if isinstance(item, dict):
                                store.add(TYPE_OF_NAME[key], item, where)
            elif not isinstance(obj, dict):
                yield Rejection(where, f"object {n}", "_object", f"expected a JSON object, got {type(obj).__name__}")
            elif F.looks_like_ohana_location(obj):
                yield Rejection(where, f"object {n}", "_object", "an Ohana API location, not HSDS 3.0; load it as "
                                                                  "ohana-jsonl:PATH")
            else:
                store.add(folder_kind or _kind(obj), obj, where)
    yield from _assemble(store, source=source, file=str(path), service_records=service_records)


def _kind(obj: dict) -> str:
    if "service_at_locations" in obj or ("organization_id" in obj and "status" in obj and "name" in obj):
        return "service"
    if "service_id" in obj and "location_id" in obj:
        return "service_at_location"
    if "location_type" in obj or "addresses" in obj:
        return "location"
    if isinstance(obj.get("services"), list) or "legal_status" in obj or "tax_status" in obj:
        return "organization"
    if "taxonomy_id" in obj or "parent_id" in obj:
        return "taxonomy_term"
    return "other"


def _location(store: Objects, loc_ref: Any) -> dict:
    loc = dict(loc_ref) if isinstance(loc_ref, dict) else dict(store.get("location", loc_ref) or {"id": loc_ref})
    lid = text(loc.get("id"))
    for kind, key in (("address", "addresses"), ("phone", "phones"), ("schedule", "schedules")):
        if not loc.get(key):
            loc[key] = [o for o in store.by_type[kind].values() if text(o.get("location_id")) == lid
                        and not text(o.get("service_id")) and not text(o.get("service_at_location_id"))]
    return loc


def _assemble(store: Objects, *, source: str, file: str, service_records) -> Iterator[ReadItem]:  # noqa: ANN001
    services = dict(store.by_type["service"])
    for org in store.by_type["organization"].values():  # an organisation's nested full services
        for svc in org.get("services") or []:
            if isinstance(svc, dict) and text(svc.get("id")) and "service_at_locations" in svc:
                services.setdefault(text(svc["id"]), {**svc, "organization_id": svc.get("organization_id")
                                                      or org.get("id")})
    for sal in store.by_type["service_at_location"].values():  # a link with its service nested
        svc = sal.get("service")
        if isinstance(svc, dict) and text(svc.get("id")) and text(svc["id"]) not in services:
            services[text(svc["id"])] = svc
    links = defaultdict(list)
    for sal in store.by_type["service_at_location"].values():
        sid = text(sal.get("service_id")) or text((sal.get("service") or {}).get("id") if isinstance(
            sal.get("service"), dict) else None)
        if sid:
            links[sid].append(sal)
    for kind in ("taxonomy", "taxonomy_term"):
        for oid in store.by_type[kind]:
            yield Skipped(file, oid, f"{kind.replace('_', ' ')}: not a listing")
    for sid, svc in services.items():
        if not isinstance(svc, dict):
            continue
        nested_org = svc.get("organization") if isinstance(svc.get("organization"), dict) else {}
        known = store.get("organization", nested_org.get("id") or svc.get("organization_id")) or {}
        org = {**known, **{k: v for k, v in nested_org.items() if v not in (None, [], "")}}
        if not org and text(svc.get("organization_id")):
            org = {"id": svc["organization_id"]}  # not among the feed's organisations: kept as given
        nested = [s for s in svc.get("service_at_locations") or [] if isinstance(s, dict)]
        sals = []
        for sal in nested or links.get(sid, []):
            sal = dict(sal)
            sal["location"] = _location(store, sal.get("location") or sal.get("location_id"))
            for kind, key in (("phone", "phones"), ("schedule", "schedules")):
                if not sal.get(key) and text(sal.get("id")):
                    sal[key] = [o for o in store.by_type[kind].values()
                                if text(o.get("service_at_location_id")) == text(sal["id"])]
            sals.append(sal)
        for kind, key in (("phone", "phones"), ("schedule", "schedules")):
            if not svc.get(key):
                svc = {**svc, key: [o for o in store.by_type[kind].values() if text(o.get("service_id")) == sid
                                    and not text(o.get("service_at_location_id")) and not text(o.get("location_id"))]}
        yield from service_records(svc, org, sals, source=source, file=file)
