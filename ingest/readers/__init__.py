"""Readers turn one kind of outside data into candidate listing records."""
from __future__ import annotations

from functools import partial
from typing import Callable, Iterator

from ingest.readers.federal import read_federal_dir
from ingest.readers.hsds import read_hsds3_json
from ingest.readers.hsds_csv import read_hsds_csv
from ingest.readers.ohana import read_ohana_csv, read_ohana_json
from ingest.readers.provider_csv import read_provider_path
from ingest.records import ReadItem

# Source kinds, as named on the command line: ``KIND:PATH``.
READERS: dict[str, Callable[[str], Iterator[ReadItem]]] = {
    "seed": partial(read_provider_path, source="seed"),
    "provider": partial(read_provider_path, source="provider"),
    "hsds3-json": partial(read_hsds3_json, source="hsds3"),
    "hsds3-csv": partial(read_hsds_csv, source="hsds3-csv"),
    "hsds1-csv": partial(read_hsds_csv, source="hsds1-csv"),
    "ohana-csv": partial(read_ohana_csv, source="ohana"),
    "ohana-jsonl": partial(read_ohana_json, source="ohana"),
    "federal": read_federal_dir,
}
