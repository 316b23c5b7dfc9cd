"""``lead export hsds3-csv DIR`` / ``lead export hsds3-json DIR``: the whole live directory as HSDS 3.0."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from api.runtime import runtime
from directory import hsds_tables

export_group = AppGroup("export", help="Write the live directory as an Open Referral HSDS 3.0 datapackage.")


def _folder(path: str) -> Path:
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@export_group.command("hsds3-csv")
@click.argument("folder")
def export_csv(folder: str) -> None:
    """Write FOLDER/datapackage.json and one CSV per HSDS table (provider edits and capacity included).

    Text cells a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage return) are
    written behind an apostrophe; `lead ingest run hsds3-csv:FOLDER` reads them back as they were."""
    out = _folder(folder)
    tables = hsds_tables.tables(runtime().store.listings.records())
    for name, rows in tables.items():
        columns = hsds_tables.COLUMNS[name]
        with (out / f"{name}.csv").open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow([c for c, _ in columns])
            writer.writerows([hsds_tables.cell(row.get(c), kind) for c, kind in columns] for row in rows)
    (out / "datapackage.json").write_text(json.dumps(hsds_tables.datapackage(tables), indent=2), encoding="utf-8")
    click.echo(f"wrote {len(tables['services'])} services, {len(tables['organizations'])} organizations, "
               f"{len(tables['locations'])} locations in {len(tables)} tables to {out}")


@export_group.command("hsds3-json")
@click.argument("folder")
def export_json(folder: str) -> None:
    """Write FOLDER/services.json (every service fully nested), organizations, taxonomies and a descriptor."""
    out = _folder(folder)
    files = hsds_tables.json_package(list(runtime().store.listings.records()))
    for name, content in files.items():
        (out / name).write_text(json.dumps(content, indent=1, ensure_ascii=False), encoding="utf-8")
    click.echo(f"wrote {files['services.json']['total_items']} services and "
               f"{files['organizations.json']['total_items']} organizations to {out}")


def init_app(app: Flask) -> None:
    app.cli.add_command(export_group)
