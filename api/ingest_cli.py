"""``flask ingest ...`` / ``lead ingest ...``: rebuild the directory from sources."""
from __future__ import annotations

import json
import sys

import click
from flask import Flask
from flask.cli import AppGroup

from api.runtime import runtime
from directory.indices.locks import Locked
from ingest import pipeline
from ingest.geocode import Geocoder
from ingest.readers.detect import detect
from ingest.readers.provider_csv import template_header

ingest_group = AppGroup("ingest", help="Load the directory from sources (each run is a full blue/green rebuild).")


@ingest_group.command("run")
@click.argument("sources", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--min-ratio", type=float, default=0.0, show_default=True,
              help="Refuse to swap when the new build has fewer than this fraction of the live listings.")
@click.option("--samples", is_flag=True,
              help="Let sample listings (seed:, and rows marked sample) into a directory built from real sources.")
def run_command(sources: tuple[str, ...], as_json: bool, min_ratio: float, samples: bool) -> None:
    """Rebuild from SOURCES, each KIND:PATH (seed, provider, hsds3-json, hsds3-csv, hsds1-csv, ohana-csv,
    ohana-jsonl, federal)."""
    rt = runtime()
    try:
        for spec in sources:
            pipeline.parse_source(spec)
        pipeline.check_samples(sources, samples)
    except pipeline.SourceError as exc:
        raise click.BadParameter(str(exc), param_hint="SOURCES") from None
    store = rt.store.batch()  # bulk requests and the replica wait take longer than a web request may
    store.ensure_indices()
    geocoder = Geocoder(cache_get=store.geocache.get_many, cache_put=store.geocache.put_many,
                        geocoder_name=rt.settings.geocoder, user_agent=rt.settings.geocoder_user_agent)
    bar = {"read": 0, "indexed": 0}

    def progress(kind: str):
        def show(n: int) -> None:
            bar[kind] = n
            if not sys.stderr.isatty() or (kind == "read" and n % 250):
                return
            click.echo(f"\r{'read':>8} {bar['read']:>7}   {'indexed':>8} {bar['indexed']:>7}", nl=False, err=True)
        return show

    try:
        report, _ = pipeline.run(list(sources), store, geocoder, on_read=progress("read"),
                                 on_indexed=progress("indexed"), min_ratio=min_ratio,
                                 samples=samples)
    except Locked as exc:
        click.echo("", err=True)
        click.echo(f"ingest failed: {exc}", err=True)
        sys.exit(1)
    except pipeline.SourceError as exc:
        # The report says why: what was read, and each reason records were rejected for.
        click.echo("", err=True)
        if exc.report is not None:
            click.echo(json.dumps({**exc.report.as_dict(), "failed": str(exc)}, indent=2) if as_json
                       else exc.report.summary())
        click.echo(f"ingest failed: {exc}", err=True)
        sys.exit(1)
    click.echo("", err=True)
    click.echo(json.dumps(report.as_dict(), indent=2) if as_json else report.summary())


@ingest_group.command("template")
def template_command() -> None:
    """Print the provider spreadsheet's header row (CSV)."""
    click.echo(template_header())


@ingest_group.command("detect")
@click.argument("path", type=click.Path(exists=False))
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
def detect_command(path: str, as_json: bool) -> None:
    """Say what PATH looks like (an HSDS 1.x or 3.0 datapackage, an HSDS 3.0 API dump, an Ohana export, ...)
    and which source kind loads it. Exit status 1 when no reader fits."""
    found = detect(path).as_dict(path)
    if as_json:
        click.echo(json.dumps(found, indent=2))
    else:
        click.echo(f"{path}: {found['what']}")
        for line in found["evidence"]:
            click.echo(f"  {line}")
        click.echo(f"load it with: {found['command']}" if found["kind"] else "no reader of ours fits this")
    if not found["kind"]:
        sys.exit(1)


def init_app(app: Flask) -> None:
    app.cli.add_command(ingest_group)
    app.cli.add_command(dedupe_group)


dedupe_group = AppGroup("dedupe", help="Duplicates across sources.")


@dedupe_group.command("review")
@click.option("--json", "as_json", is_flag=True, help="Print the pairs as JSON.")
def review_command(as_json: bool) -> None:
    """Pairs the last ingest kept apart because they may be one program (names alike, or a facility
    record with several programs at its site): check each, then edit the listings or the sources."""
    pairs, ingest_at = runtime().store.dedupe_review.pairs()
    if as_json:
        click.echo(json.dumps(pairs, indent=2))
        return
    if not ingest_at:
        click.echo("nothing to review: no ingest has run yet, or the last one kept no pair apart")
        return
    click.echo(f"{len(pairs)} pairs from the ingest of {ingest_at}:")
    for pair in pairs:
        click.echo(f"  {pair['kept']}  {pair['names'][0]!r}\n  {pair['other']}  {pair['names'][1]!r}\n"
                   f"    why: {pair['why']}")
