"""The brute-force baseline of `make bench`: the same filters and ranking, in Python, over every listing.

Rather than a second, hand-written matcher that could drift from ``matching.query``, the very request
body the API sends is compiled into Python closures (the subset of the query DSL our bodies use:
bool, term, terms, range, exists, geo_distance, constant_score, function_score with weights and a
geo ``exp`` decay, and match, match_phrase and multi_match on names as the filters of ranking functions) and evaluated over the listing documents held in memory, then sorted the way the
body says. Dates and points are prepared once, as an in-memory index would; each query is a scan.
``agreement`` checks the baseline returns what the engine returns.
"""
from __future__ import annotations

import heapq
import math
import re
import struct
from datetime import datetime
from typing import Any, Callable, Iterable

from directory import documents

Doc = dict[str, Any]
Scorer = Callable[[Doc], float | None]  # a score when the document matches, else None
EARTH_M = 6371008.8
MILE_M = 1609.344


def _fields_of(mapping: dict, prefix: str = "") -> Iterable[tuple[str, dict]]:
    for name, spec in mapping.get("properties", {}).items():
        path = f"{prefix}{name}"
        yield path, spec
        yield from _fields_of(spec, f"{path}.")


FIELDS = dict(_fields_of(documents.LISTING_MAPPINGS))
DATES = {p for p, s in FIELDS.items() if s.get("type") == "date"}
LOWERED = {p for p, s in FIELDS.items() if s.get("normalizer") == "lower"}


def _epoch(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def prepare(docs: Iterable[Doc]) -> list[Doc]:
    """Documents with dates as epoch seconds and points in radians (done once, before any query)."""
    out = []
    for doc in docs:
        doc = dict(doc)
        doc.pop("record", None)
        for path in DATES:
            *parents, leaf = path.split(".")
            node = doc
            for part in parents:  # copy the objects on the way: the caller's documents stay as they are
                child = node.get(part)
                if not isinstance(child, dict):
                    node = None
                    break
                node[part] = node = dict(child)
            if node is not None and isinstance(node.get(leaf), str):
                node[leaf] = _epoch(node[leaf])
        point = (doc.get("location") or {}).get("point")
        doc["_rad"] = (math.radians(point["lat"]), math.radians(point["lon"])) if point else None
        out.append(doc)
    return out


def getter(path: str) -> Callable[[Doc], Any]:
    parts = path.split(".")

    def get(doc: Doc) -> Any:
        node: Any = doc
        for part in parts:
            if not isinstance(node, dict):
                return None
            node = node.get(part)
        return node
    return get


def _values(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _in_range(r: dict, v: float) -> bool:
    return (("gte" not in r or v >= r["gte"]) and ("gt" not in r or v > r["gt"])
            and ("lte" not in r or v <= r["lte"]) and ("lt" not in r or v < r["lt"]))


def _term(field: str, wanted: Any) -> Scorer:
    get = getter(field)
    if field in LOWERED and isinstance(wanted, str):
        wanted = wanted.lower()

    def score(doc: Doc) -> float | None:
        for v in _values(get(doc)):
            if isinstance(v, dict):  # a range field: does it contain the value?
                if _in_range(v, wanted):
                    return 1.0
            elif v == wanted or (field in LOWERED and isinstance(v, str) and v.lower() == wanted):
                return 1.0
        return None
    return score


def _terms(field: str, wanted: list) -> Scorer:
    get = getter(field)
    want = {w.lower() if field in LOWERED and isinstance(w, str) else w for w in wanted}

    def score(doc: Doc) -> float | None:
        for v in _values(get(doc)):
            if (v.lower() if field in LOWERED and isinstance(v, str) else v) in want:
                return 1.0
        return None
    return score


def _range(field: str, bounds: dict) -> Scorer:
    get = getter(field)
    b = {k: (_epoch(v) if field in DATES and isinstance(v, str) else v) for k, v in bounds.items()
         if k in ("gte", "gt", "lte", "lt")}

    def score(doc: Doc) -> float | None:
        return 1.0 if any(_in_range(b, v) for v in _values(get(doc)) if not isinstance(v, dict)) else None
    return score


def _exists(field: str) -> Scorer:
    get = getter(field)
    return lambda doc: 1.0 if _values(get(doc)) else None


def _miles(text: str) -> float:
    assert text.endswith("mi"), text
    return float(text[:-2]) * MILE_M


def _arc_m(rad: tuple[float, float], lat0: float, lon0: float, cos0: float) -> float:
    lat, lon = rad
    h = math.sin((lat - lat0) / 2) ** 2 + cos0 * math.cos(lat) * math.sin((lon - lon0) / 2) ** 2
    return 2 * EARTH_M * math.asin(min(1.0, math.sqrt(h)))


def _origin(point: dict) -> tuple[float, float, float]:
    lat0, lon0 = math.radians(point["lat"]), math.radians(point["lon"])
    return lat0, lon0, math.cos(lat0)


def _geo_distance(spec: dict) -> Scorer:
    limit = _miles(spec["distance"])
    lat0, lon0, cos0 = _origin(spec["location.point"])

    def score(doc: Doc) -> float | None:
        rad = doc["_rad"]
        return 1.0 if rad is not None and _arc_m(rad, lat0, lon0, cos0) <= limit else None
    return score


def _bool(spec: dict) -> Scorer:
    def clauses(key: str) -> list[Scorer]:
        raw = spec.get(key) or []
        return [compile_query(c) for c in (raw if isinstance(raw, list) else [raw])]
    filters, must, should, must_not = clauses("filter"), clauses("must"), clauses("should"), clauses("must_not")
    at_least = spec.get("minimum_should_match", 1 if should and not (filters or must) else 0)

    def score(doc: Doc) -> float | None:
        for f in filters:
            if f(doc) is None:
                return None
        for f in must_not:
            if f(doc) is not None:
                return None
        total = 0.0
        for f in must:
            s = f(doc)
            if s is None:
                return None
            total += s
        matched = 0
        for f in should:
            s = f(doc)
            if s is not None:
                matched += 1
                total += s
        return total if matched >= at_least else None
    return score


def _decay(spec: dict) -> Callable[[Doc], float]:
    (field, p), = spec.items()
    assert field == "location.point", field
    lat0, lon0, cos0 = _origin(p["origin"])
    offset, scale = _miles(p["offset"]), _miles(p["scale"])
    rate = math.log(p["decay"]) / scale

    def value(doc: Doc) -> float:
        rad = doc["_rad"]
        if rad is None:
            return 1.0  # the engine scores a document without the field 1
        return math.exp(rate * max(0.0, _arc_m(rad, lat0, lon0, cos0) - offset))
    return value


def _function_score(spec: dict) -> Scorer:
    query = compile_query(spec.get("query", {"match_all": {}}))
    functions = []
    for fn in spec.get("functions", []):
        flt = compile_query(fn["filter"]) if "filter" in fn else None
        value = _decay(fn["exp"]) if "exp" in fn else None
        functions.append((flt, value, float(fn.get("weight", 1.0))))
    score_mode, boost_mode = spec.get("score_mode", "multiply"), spec.get("boost_mode", "multiply")

    def score(doc: Doc) -> float | None:
        base = query(doc)
        if base is None:
            return None
        parts = [(value(doc) if value else 1.0) * weight for flt, value, weight in functions
                 if flt is None or flt(doc) is not None]
        if not parts:
            factor = 1.0
        elif score_mode == "sum":
            factor = sum(parts)
        else:
            factor = math.prod(parts)
        factor = _f32(factor)
        if boost_mode == "replace":
            return factor
        return _f32(base * factor) if boost_mode == "multiply" else _f32(base + factor)
    return score


_WORD = re.compile(r"\w+")


def _tokens(value: Any) -> list[str]:
    """The words of a text field as the ``standard`` analyzer cuts them: lower-cased runs of word
    characters (our text fields have no stemming, so this is the whole analysis that matters here)."""
    return [w.lower() for v in _values(value) if isinstance(v, str) for w in _WORD.findall(v)]


def _text(fields: list[str], query: str, *, operator: str = "or", phrase: bool = False) -> Scorer:
    """A text clause as a yes/no test, scoring 1: in our bodies text clauses only filter ranking
    functions, where the engine ignores their score."""
    getters = [getter(f.split("^")[0]) for f in fields]
    words = [w for w in _tokens(query) if w not in _STOP]

    def hit(doc: Doc) -> float | None:
        for get in getters:
            have = _tokens(get(doc))
            if phrase:
                n = len(words)
                if n and any(have[i:i + n] == words for i in range(len(have) - n + 1)):
                    return 1.0
            elif words and (all if operator == "and" else any)(w in have for w in words):
                return 1.0
        return None
    return hit


# The English stop list of the ``text_en`` analyzer (directory.documents): dropped from queries and fields.
_STOP = frozenset("a an and are as at be but by for if in into is it no not of on or such that the their then "
                  "there these they this to was will with".split())


def _constant(spec: dict) -> Scorer:
    inner, boost = compile_query(spec["filter"]), float(spec.get("boost", 1.0))
    return lambda doc: boost if inner(doc) is not None else None


def _f32(x: float) -> float:
    """Scores are single-precision in the engine; rounding the same way keeps ties where they are."""
    return struct.unpack("f", struct.pack("f", x))[0]


def compile_query(q: dict) -> Scorer:
    (kind, spec), = q.items()
    if kind == "match_all":
        return lambda doc: 1.0
    if kind == "term":
        (field, value), = spec.items()
        return _term(field, value["value"] if isinstance(value, dict) else value)
    if kind == "terms":
        (field, values), = ((k, v) for k, v in spec.items() if k != "boost")
        return _terms(field, values)
    if kind == "range":
        (field, bounds), = spec.items()
        return _range(field, bounds)
    if kind == "exists":
        return _exists(spec["field"])
    if kind == "geo_distance":
        return _geo_distance(spec)
    if kind == "bool":
        return _bool(spec)
    if kind == "constant_score":
        return _constant(spec)
    if kind == "function_score":
        return _function_score(spec)
    if kind in ("match", "match_phrase"):
        (field, value), = spec.items()
        value = value if isinstance(value, dict) else {"query": value}
        return _text([field], value["query"], operator=value.get("operator", "or").lower(),
                     phrase=kind == "match_phrase")
    if kind == "multi_match":
        return _text(spec["fields"], spec["query"], operator=spec.get("operator", "or").lower(),
                     phrase=spec.get("type") == "phrase")
    raise NotImplementedError(f"the brute-force baseline does not do {kind!r} queries")


def _sort_key(sort: list) -> Callable[[Doc, float], tuple]:
    parts: list[Callable[[Doc, float], Any]] = []
    for s in sort:
        if s == "_score":
            parts.append(lambda doc, score: -score)
        elif "_geo_distance" in s:
            lat0, lon0, cos0 = _origin(s["_geo_distance"]["location.point"])
            parts.append(lambda doc, score, o=(lat0, lon0, cos0): _arc_m(doc["_rad"], *o) if doc["_rad"] else math.inf)
        else:
            (field, order), = s.items()
            assert order == "asc", s
            get = getter(field)
            parts.append(lambda doc, score, g=get: g(doc) or "")
    return lambda doc, score: tuple(p(doc, score) for p in parts)


def search(docs: list[Doc], body: dict) -> tuple[int, list[tuple[str, float]]]:
    """(total matches, [(id, score)] of the top ``size``) for a search body, over every document."""
    score = compile_query(body["query"])
    key = _sort_key(body.get("sort", ["_score"]))
    hits = []
    for doc in docs:
        s = score(doc)
        if s is not None:
            hits.append((doc, s))
    top = heapq.nsmallest(body.get("size", 10), hits, key=lambda h: key(h[0], h[1]))
    return len(hits), [(d["id"], s) for d, s in top]


def agreement(engine_ids: list[str], brute_ids: list[str]) -> float:
    """Share of the engine's results the baseline also returned (1.0: the same listings)."""
    if not engine_ids:
        return 1.0 if not brute_ids else 0.0
    return len(set(engine_ids) & set(brute_ids)) / len(engine_ids)
