"""The ingest pipeline: read -> check coordinates -> validate -> geocode -> dedupe -> rebuild.

Each run is a full blue/green rebuild of the listings index from the sources named, so running
the same ingest twice gives the same directory. A failure anywhere before the alias swap leaves
the live directory untouched; provider edits are re-applied by the store.
"""
from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import re
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from concurrent.futures.process import BrokenProcessPool
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable, Iterable, Iterator

from marshmallow import ValidationError

from directory import hours, model
from directory.documents import contact_kind
from directory.indices.listings import Rebuild, RebuildResult
from directory.store import Store
from ingest import reach, sites
from ingest.dedupe import Deduper
from ingest.geocode import Geocoder
from ingest.readers import READERS
from ingest.records import Candidate, Rejection, Skipped


log = logging.getLogger(__name__)
SHOWN = 50  # rejections listed one by one in the summary; all are counted by reason


class SourceError(ValueError):
    """A run that could not go live; ``report`` (when set) says what was read and why it was refused."""

    def __init__(self, message: str, report: "Report | None" = None):
        super().__init__(message)
        self.report = report


def reason_key(rejection: Rejection) -> str:
    """A rejection's reason without the values that vary record by record ('unknown need 'x'' -> 'unknown need ...')."""
    message = re.sub(r"'[^']*'|\"[^\"]*\"", "...", rejection.message)
    field_name = re.sub(r"\[\d+\]", "[]", rejection.field)
    return f"{field_name}: {message}"


@dataclass
class Report:
    read: int = 0
    indexed: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    geocoded: Counter = field(default_factory=Counter)
    by_source: Counter = field(default_factory=Counter)
    merged: int = 0
    review: list[dict] = field(default_factory=list)  # uncertain duplicate pairs left unmerged
    site_annotated: int = 0  # listings that learned something from their organisation's programs beside them
    samples_left_out: int = 0  # sample listings in real sources, left out without --samples
    numbers_lent: dict = field(default_factory=dict)  # listings reached through their site's or organisation's number
    # Per source: listings, and how many have no callable number, no hours, no stated ages (data_quality).
    quality: dict = field(default_factory=dict)
    edits_reapplied: int = 0
    # Listed, and wanting a person's look: (file, record id, flag code, message) per flag (model.FLAG_CODES).
    flagged: list[tuple[str, str, str, str]] = field(default_factory=list)
    index: str | None = None
    seconds: float = 0.0
    phases: dict = field(default_factory=dict)  # seconds spent in read, geocode, validate, dedupe, index

    @property
    def rejected_by_reason(self) -> dict[str, int]:
        return dict(Counter(reason_key(r) for r in self.rejected).most_common())

    @property
    def skipped_by_reason(self) -> dict[str, int]:
        return dict(Counter(s.reason for s in self.skipped).most_common())

    def as_dict(self) -> dict:
        return {
            "read": self.read, "indexed": self.indexed, "rejected": len(self.rejected),
            "rejected_by_reason": self.rejected_by_reason, "skipped": len(self.skipped),
            "skipped_by_reason": self.skipped_by_reason,
            "rejections": [vars(r) for r in self.rejected], "warnings": self.warnings,
            "geocoded": dict(self.geocoded), "by_source": dict(self.by_source),
            "duplicates_merged": self.merged, "dedupe_review": self.review,
            "site_annotated": self.site_annotated, "samples_left_out": self.samples_left_out,
            "numbers_lent": self.numbers_lent, "quality": self.quality,
            "edits_reapplied": self.edits_reapplied,
            "flagged": len({(f, ref) for f, ref, _, _ in self.flagged}),
            "flagged_by_reason": dict(Counter(code for _, _, code, _ in self.flagged).most_common()),
            "flags": [{"file": f, "ref": ref, "code": code, "message": msg} for f, ref, code, msg in self.flagged],
            "index": self.index, "seconds": round(self.seconds, 2),
            "phases": {k: round(v, 2) for k, v in self.phases.items()},
        }

    def summary(self) -> str:
        lines = [
            f"read {self.read}, indexed {self.indexed}, rejected {len(self.rejected)}, skipped {len(self.skipped)}, "
            f"duplicates merged {self.merged}, provider edits re-applied {self.edits_reapplied}"
            f" in {self.seconds:.1f}s",
            "by source: " + ", ".join(f"{k} {v}" for k, v in sorted(self.by_source.items())),
            "geocoded: " + ", ".join(f"{k} {v}" for k, v in sorted(self.geocoded.items())),
        ]
        if self.quality:
            lines.append("what a person could not act on, by source (listings: no callable number / a number lent "
                         "by its site or organisation / no hours / no stated ages):")
            lines.extend(f"  {src:<16} {q['listings']:>6}: {q['no_phone']:>5} / {q['phone_lent']:>5} / "
                         f"{q['no_hours']:>5} / {q['no_ages']:>5}" for src, q in sorted(self.quality.items()))
        if self.samples_left_out:
            lines.append(f"sample listings left out: {self.samples_left_out} (a real directory holds none; "
                         "--samples keeps them)")
        if self.review:
            lines.append(f"dedupe review: {len(self.review)} pairs may be one program and were kept apart "
                         "(lead dedupe review)")
        if self.index:
            lines.append(f"live index: {self.index}")
        if self.rejected:
            lines.append("rejected by reason:")
            lines.extend(f"  {count:>6}  {reason}" for reason, count in self.rejected_by_reason.items())
        for rej in self.rejected[:SHOWN]:
            lines.append(f"  rejected {rej}")
        if len(self.rejected) > SHOWN:
            lines.append(f"  ... and {len(self.rejected) - SHOWN} more rejections")
        if self.flagged:
            lines.append(f"flagged for review (listed): {len({(f, r) for f, r, _, _ in self.flagged})} records")
            lines.extend(f"  {count:>6}  {code}" for code, count in
                         Counter(code for _, _, code, _ in self.flagged).most_common())
            lines.extend(f"  flagged {f} [{ref}] {code}: {msg}" for f, ref, code, msg in self.flagged[:SHOWN])
        if self.skipped:
            lines.append("skipped (not listings) by reason:")
            lines.extend(f"  {count:>6}  {reason}" for reason, count in self.skipped_by_reason.items())
        for warning in self.warnings[:20]:
            lines.append(f"  warning {warning}")
        if len(self.warnings) > 20:
            lines.append(f"  ... and {len(self.warnings) - 20} more warnings")
        return "\n".join(lines)


def parse_source(spec: str) -> tuple[str, str]:
    kind, sep, path = spec.partition(":")
    if not sep or kind not in READERS or not path:
        raise SourceError(f"source {spec!r} must be KIND:PATH with KIND one of {', '.join(READERS)}")
    return kind, path


# The seed's fictional listings: sample data by name, loaded only when a run asks for them.
SAMPLE_KIND = "seed"


def check_samples(sources: Iterable[str], samples: bool) -> None:
    """A directory built from real sources holds no sample listings unless the run asks for them:
    ``seed:`` beside a real source without ``samples`` is refused before anything is read."""
    kinds = {parse_source(spec)[0] for spec in sources}
    if SAMPLE_KIND in kinds and kinds - {SAMPLE_KIND} and not samples:
        raise SourceError("seed: is fictional sample data; leave it out for a real directory, or add --samples "
                          "to mix it with real sources on purpose")


def check_coordinates(cand: Candidate) -> None:
    """Impossible coordinates are dropped (and the record flagged) so they are never indexed as a point."""
    loc = cand.raw.get("location") or {}
    lat, lon = loc.get("latitude"), loc.get("longitude")
    if lat is None and lon is None:
        return
    bad = None
    try:
        lat_f, lon_f = float(lat), float(lon)
    except (TypeError, ValueError):
        bad = "coordinates are not numbers"
    else:
        if not (-90 <= lat_f <= 90 and -180 <= lon_f <= 180):
            bad = f"latitude {lat}, longitude {lon} is not a point on Earth"
        elif lat_f == 0 and lon_f == 0:
            bad = "coordinates 0,0 are a placeholder"
    if bad:
        loc.pop("latitude", None)
        loc.pop("longitude", None)
        cand.warnings.append(f"location: {bad}; located from the address instead")


# Validation is the costliest step of a large ingest; above this many records it is spread over
# worker processes (one per core), in chunks, keeping the input order.
PARALLEL_MIN_RECORDS = 4000
CHUNK = 1000

Validated = tuple[dict | None, list[tuple[str, str]]]


def validate_chunk(raws: list[dict]) -> list[Validated]:
    """Validate raw records; each result is (record, []) or (None, [(field, message), ...])."""
    out: list[Validated] = []
    for raw in raws:
        try:
            out.append((model.load_record(raw), []))
        except ValidationError as exc:
            out.append((None, model.error_messages(exc)))
    return out


def validate_all(raws: list[dict]) -> list[Validated]:
    validation = Validation()
    for i in range(0, len(raws), CHUNK):
        validation.add(raws[i:i + CHUNK])
    return validation.results()


class Validation:
    """Validation that runs while the sources are still being read: chunks of raw records are handed over
    as they fill (``add``), and from ``PARALLEL_MIN_RECORDS`` records on they are validated by worker
    processes (one per core) while the caller reads on; ``results`` gives them back in input order. A
    smaller run is validated in this process, as starting the workers would cost more than it saves."""

    def __init__(self) -> None:
        self.workers = os.cpu_count() or 1
        self.waiting: list[list[dict]] = []  # chunks not handed to a worker (yet)
        self.count = 0
        self.pool: ProcessPoolExecutor | None = None
        self.futures: list = []
        self.broken = False

    def add(self, raws: list[dict]) -> None:
        self.waiting.append(raws)
        self.count += len(raws)
        if self.pool is None and not self.broken and self.workers >= 2 and self.count >= PARALLEL_MIN_RECORDS:
            # spawn, not fork: the parent holds engine connections and threads.
            self.pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"))
        if self.pool is not None:
            self.futures.extend((chunk, self.pool.submit(validate_chunk, chunk)) for chunk in self.waiting)
            self.waiting = []

    def results(self) -> list[Validated]:
        out: list[Validated] = []
        try:
            for chunk, future in self.futures:
                try:
                    out.extend(future.result())
                except BrokenProcessPool:
                    # Workers cannot start when the main program is not importable (a script on stdin, say).
                    if not self.broken:
                        log.warning("validation workers could not start; validating in this process")
                    self.broken = True
                    out.extend(validate_chunk(chunk))
        finally:
            if self.pool is not None:
                self.pool.shutdown(cancel_futures=True)
        for chunk in self.waiting:
            out.extend(validate_chunk(chunk))
        return out


def collect(sources: Iterable[str], geocoder: Geocoder, report: Report,
            on_read: Callable[[int], None] | None = None, *, samples: bool = False) -> list[dict]:
    """Read, validate, geocode and dedupe every source; return the records to index. Sample listings
    (``sample`` set) come only from ``seed:`` unless ``samples``: a real feed's sample rows are left out
    and counted."""
    deduper = Deduper()
    candidates: list[Candidate] = []
    from_seed: list[bool] = []
    tick = time.perf_counter()

    def phase(name: str) -> None:
        nonlocal tick
        now = time.perf_counter()
        report.phases[name] = report.phases.get(name, 0.0) + now - tick
        tick = now

    # Reading, geocoding and validation overlap: each chunk of candidates is located and handed to the
    # validation workers as soon as it is read, and the next chunk is read meanwhile.
    validation = Validation()
    located = 0

    def hand_over() -> None:
        nonlocal located
        chunk = candidates[located:]
        geocode(chunk, geocoder)
        validation.add([c.raw for c in chunk])
        located = len(candidates)

    for spec in sources:
        kind, path = parse_source(spec)
        for item in READERS[kind](path):
            report.read += 1
            if on_read:
                on_read(report.read)
            if isinstance(item, Rejection):
                report.rejected.append(item)
                continue
            if isinstance(item, Skipped):
                report.read -= 1  # not a record: counted apart
                report.skipped.append(item)
                continue
            check_coordinates(item)
            candidates.append(item)
            from_seed.append(kind == SAMPLE_KIND)
            if len(candidates) - located >= CHUNK:
                hand_over()
    if len(candidates) > located:
        hand_over()
    phase("read")  # with geocoding, and validation running beside it from PARALLEL_MIN_RECORDS on
    validated = validation.results()
    phase("validate")  # what was left to wait for once everything was read
    for cand, seeded, (record, errors) in zip(candidates, from_seed, validated):
        if errors:
            for path, message in errors:
                report.rejected.append(Rejection(cand.file, cand.ref, path, message))
            continue
        if record.get("sample") and not (seeded or samples):
            report.samples_left_out += 1
            continue
        report.geocoded[record["location"]["geocode_quality"]] += 1
        report.warnings.extend(f"{cand.file} [{cand.ref}] {w}" for w in cand.warnings)
        report.flagged.extend((cand.file, cand.ref, f["code"], f["message"]) for f in record.get("flags") or [])
        if deduper.add(record, facility_level=cand.facility_level, generic=cand.generic_service):
            report.merged += 1
    geocoder.flush()
    records = deduper.records()
    report.review = [r.as_dict() for r in deduper.review]
    phase("dedupe")
    report.site_annotated = sites.annotate(records)
    report.numbers_lent = reach.annotate(records)
    phase("sites")
    for record in records:
        for src in record["sources"]:
            report.by_source[src["source"]] += 1
    report.quality = data_quality(records)
    return records


def geocode(candidates: list[Candidate], geocoder: Geocoder) -> None:
    """Locate candidates without coordinates (the geocoder's cache, then its service or the centroids)."""
    missing = [c.raw.get("address") or {} for c in candidates if (c.raw.get("location") or {}).get("latitude") is None]
    if missing:
        geocoder.prefetch(missing)
    for cand in candidates:
        loc = cand.raw.setdefault("location", {})
        if loc.get("location_type") == "virtual":
            loc["geocode_quality"] = "none"  # no site: nothing to put on the map
            continue
        stated = loc.get("geocode_quality") if loc.get("latitude") is not None else None
        place = geocoder.locate(cand.raw.get("address"), loc.get("latitude"), loc.get("longitude"))
        if place:
            # A feed that says how its coordinates were found (our own export does) keeps that.
            loc.update(latitude=place.lat, longitude=place.lon, geocode_quality=stated or place.quality)
        else:
            loc["geocode_quality"] = "none"


def data_quality(records: list[dict]) -> dict[str, dict[str, int]]:
    """Per source (a listing merged from two counts under both): listings, and those with no callable
    number (own or lent), a number lent by the site or organisation, no opening hours, no stated ages."""
    out: dict[str, dict[str, int]] = {}
    for record in records:
        contact = contact_kind(record)
        has_hours = bool(record.get("hours_text") and hours.parse_hours(record["hours_text"])) or \
            bool(record.get("schedules") and hours.schedule_intervals(record["schedules"]))
        service = record["service"]
        facts = {"listings": 1, "no_phone": contact == "none", "phone_lent": contact in ("site", "organization"),
                 "no_hours": not has_hours,
                 "no_ages": service.get("minimum_age") is None and service.get("maximum_age") is None}
        for source in {s["source"] for s in record["sources"]}:
            row = out.setdefault(source, dict.fromkeys(facts, 0))
            for key, value in facts.items():
                row[key] += int(value)
    return out


def run(sources: list[str], store: Store, geocoder: Geocoder, *, actor: str = "ingest",
        on_read: Callable[[int], None] | None = None, on_indexed: Callable[[int], None] | None = None,
        min_ratio: float = 0.0, samples: bool = False) -> tuple[Report, RebuildResult | None]:
    """Rebuild the directory from ``sources`` (``KIND:PATH`` each) and report what happened.

    ``min_ratio`` refuses a build that would shrink the live directory below that fraction
    (a truncated feed should not empty the directory). ``samples`` lets sample listings into a
    directory built from real sources (``check_samples``); ``seed:`` alone is the sample demo.
    """
    started = time.perf_counter()
    for spec in sources:
        parse_source(spec)
    check_samples(sources, samples)
    with store.listings.rebuilding() as rebuild, cyclic_gc_paused():  # a second ingest of this directory is refused
        return _run(sources, store, rebuild, geocoder, started, actor=actor, on_read=on_read, on_indexed=on_indexed,
                    min_ratio=min_ratio, samples=samples)


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Python's cycle collector off while an ingest runs. The run holds every record in memory (for the
    dedupe), and each full collection walks all of them again: at 100k listings that was a fifth of the
    ingest (make bench, 64.2 s with it, 52.3 s without). Records and documents are plain trees, so nothing
    waits for the collector; reference counting frees them as before. The collector's state is restored."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def _run(sources: list[str], store: Store, rebuild: Rebuild, geocoder: Geocoder, started: float, *, actor: str,
         on_read: Callable[[int], None] | None, on_indexed: Callable[[int], None] | None,
         min_ratio: float, samples: bool) -> tuple[Report, RebuildResult | None]:
    report = Report()
    records = collect(sources, geocoder, report, on_read=on_read, samples=samples)
    if not records:
        report.seconds = time.perf_counter() - started
        raise SourceError("no valid records were read; the live directory was left as it was", report)
    live_before = store.listings.count() if min_ratio and store.listings.live_index() else 0

    def check(index: str, count: int) -> None:
        if live_before and count < min_ratio * live_before:
            raise SourceError(f"only {count} listings built against {live_before} live; refusing to swap", report)

    tick = time.perf_counter()
    result = rebuild.run(records, on_indexed=on_indexed, check=check)
    report.phases["index"] = time.perf_counter() - tick
    report.indexed, report.edits_reapplied, report.index = result.indexed, result.edits_applied, result.index
    report.seconds = time.perf_counter() - started
    store.audit("ingest", actor=actor, source=",".join(sources),
                detail={k: v for k, v in report.as_dict().items() if k not in ("rejections", "warnings")})
    # The uncertain pairs go to the review list (`lead dedupe review`), replacing the last ingest's.
    store.dedupe_review.replace(report.review, ingest_at=datetime.now(timezone.utc).isoformat())
    return report, result
