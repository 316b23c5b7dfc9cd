"""``lead seed generate``: (re)write the sample directory in seed_data/."""
from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from ingest.synthetic import Generator, write_csv

seed_group = AppGroup("seed", help="The fictional sample directory for Hartford and New Haven.")


@seed_group.command("generate")
@click.option("--orgs", default=95, show_default=True, help="How many organisations to generate.")
@click.option("--seed", "random_seed", default=7, show_default=True, help="Random seed (same seed, same file).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("seed_data/lead_hartford_new_haven_sample.csv"), show_default=True)
def generate_command(orgs: int, random_seed: int, out: Path) -> None:
    """Write the sample directory as a provider spreadsheet."""
    rows = list(Generator(seed=random_seed).rows(orgs))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(write_csv(iter(rows)), encoding="utf-8")
    sites = {(r["organization_id"], r["location_id"]) for r in rows}
    click.echo(f"wrote {len(rows)} services at {len(sites)} sites to {out}")


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_group)
