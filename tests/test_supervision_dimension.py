"""The "on probation or parole" dimension, added as one row of the eligibility table: everything that
reads the table (the case manager's question, the match request, the provider spreadsheet column, the
name classifier, short HSDS eligibility values, the sample listing) picks it up from the row alone."""
from pathlib import Path

from directory import eligibility
from ingest.classify import classify
from ingest.readers.hsds_fields import eligibility_from_text
from ingest.readers.provider_csv import ELIGIBILITY_COLUMNS, read_provider_path
from ingest.records import Candidate

SAMPLE = Path(__file__).resolve().parent.parent / "seed_data" / "lead_supervision_sample.csv"


def test_the_participant_is_asked_and_the_provider_states_it():
    assert eligibility.PROFILE_FIELDS["on_supervision"].name == "supervision"
    assert "supervision_only" in ELIGIBILITY_COLUMNS
    assert "supervision_only" in eligibility.WHO_COLUMNS


def test_a_program_for_people_under_supervision_is_closed_to_others_and_open_to_them():
    record = {"service": {"status": "active"}, "eligibility": {"supervision_only": True}}
    assert "supervision" in eligibility.definitely_ineligible(record, {})
    assert "supervision" in eligibility.definitely_ineligible(record, {"on_supervision": False})
    assert "supervision" not in eligibility.definitely_ineligible(record, {"on_supervision": True})
    general = {"service": {"status": "active"}, "eligibility": {}}
    assert eligibility.definitely_ineligible(general, {"on_supervision": True}) == []


def test_names_and_short_eligibility_values_that_say_so_are_read():
    assert classify("Adult Probation Treatment Program", domain="substance_use").values.get("supervision_only") is True
    assert classify("Alternative in the Community Center", domain="substance_use").values.get("supervision_only")
    assert "supervision_only" not in classify("Probably Good Counseling", domain="substance_use").values
    facts, _ = eligibility_from_text(["Probation or parole"])
    assert facts == {"supervision": True}


def test_the_sample_listing_states_it():
    items = [i for i in read_provider_path(SAMPLE, source="seed") if isinstance(i, Candidate)]
    assert len(items) == 1
    assert items[0].raw["eligibility"]["supervision_only"] is True
