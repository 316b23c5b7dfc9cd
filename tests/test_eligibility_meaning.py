"""Each eligibility rule held to cases written from what it means, not from its row in the table: a row
with the wrong kind, field or widening rule fails here even though the table-driven tests, which derive
their expectations from the row itself, would agree with it."""
from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from directory import model
from directory.eligibility import DIMENSIONS, definitely_ineligible
from tests.eligibility_meaning import ineligible as by_meaning
from tests.test_properties import FACTS, TOWN, random_record

# name -> [(what the listing states, the participant's facts, excluded?)]. Listing keys are the record's
# own fields: service.minimum_age / maximum_age, or a field under eligibility.
CASES: dict[str, list[tuple[dict, dict, bool]]] = {
    "age": [({"minimum_age": 18, "maximum_age": 64}, {"age": 30}, False),
            ({"minimum_age": 18, "maximum_age": 64}, {"age": 17}, True),
            ({"minimum_age": 18, "maximum_age": 64}, {"age": 65}, True),
            ({"minimum_age": 55}, {"age": 70}, False),
            ({"maximum_age": 17}, {"age": 18}, True),
            ({}, {"age": 12}, False)],
    "gender": [({"genders": ["female"]}, {"gender": "female"}, False),
               ({"genders": ["female"]}, {"gender": "male"}, True),
               ({"genders": ["male", "transgender"]}, {"gender": "transgender"}, False),
               ({}, {"gender": "male"}, False)],
    "insurance": [({"insurance": ["medicaid"]}, {"insurance": ["medicaid"]}, False),
                  ({"insurance": ["medicaid"]}, {"insurance": ["private"]}, True),
                  ({"insurance": ["medicaid", "medicare"]}, {"insurance": ["private", "medicare"]}, False),
                  ({"insurance": ["uninsured"]}, {"insurance": ["private"]}, False),  # free: anyone
                  ({"insurance": ["sliding_fee"]}, {"insurance": ["uninsured"]}, False),
                  ({"insurance": ["state_funded"]}, {"insurance": ["uninsured"]}, False),
                  ({"insurance": ["sliding_fee"]}, {"insurance": ["private"]}, True),
                  ({"insurance": ["medicare"]}, {"insurance": ["uninsured"]}, True),
                  ({}, {"insurance": ["uninsured"]}, False)],
    "moud": [({"moud_accepted": ["buprenorphine"]}, {"moud": "buprenorphine"}, False),
             ({"moud_accepted": ["buprenorphine"]}, {"moud": "methadone"}, True),
             ({"moud_accepted": []}, {"moud": "naltrexone"}, True),  # stated: accepts no one on MOUD
             ({}, {"moud": "methadone"}, False)],
    "sobriety": [({"sobriety_required": True}, {"currently_using": True}, True),
                 ({"sobriety_required": True}, {"currently_using": False}, False),
                 ({"sobriety_required": False}, {"currently_using": True}, False),
                 ({}, {"currently_using": True}, False)],
    "offences": [({"offence_exclusions": ["arson"]}, {"offences": ["arson"]}, True),
                 ({"offence_exclusions": ["arson", "sex_offense_registry"]}, {"offences": ["violent_felony"]}, False),
                 ({"offence_exclusions": []}, {"offences": ["arson"]}, False),
                 ({}, {"offences": ["sex_offense_registry"]}, False)],
    "veterans": [({"veterans_only": True}, {"veteran": True}, False),
                 ({"veterans_only": True}, {"veteran": False}, True),
                 ({"veterans_only": True}, {}, True),  # not stated a veteran: a veterans-only program is closed
                 ({"veterans_only": False}, {"veteran": False}, False)],
    "pregnant": [({"pregnant_only": True}, {"pregnant": True}, False),
                 ({"pregnant_only": True}, {"parenting": True}, True),  # a prenatal program: pregnant women
                 ({"pregnant_only": True}, {}, True)],
    "parenting": [({"parenting_only": True}, {"parenting": True}, False),
                  ({"parenting_only": True}, {"pregnant": True}, True),
                  ({"parenting_only": False}, {}, False)],
    "pregnant_parenting": [({"pregnant_parenting_only": True}, {"pregnant": True}, False),
                           ({"pregnant_parenting_only": True}, {"parenting": True}, False),
                           ({"pregnant_parenting_only": True}, {"pregnant": False, "parenting": False}, True),
                           ({"pregnant_parenting_only": True}, {}, True),
                           ({"pregnant_parenting_only": False}, {}, False)],
    "homeless": [({"homeless_only": True}, {"homeless": True}, False),
                 ({"homeless_only": True}, {"homeless": False}, True),
                 ({}, {"homeless": False}, False)],
    "students": [({"students_only": True}, {"enrolled_student": True}, False),
                 ({"students_only": True}, {}, True)],
    "custody": [({"custody_only": True}, {}, True),  # a LEAD participant is not in custody
                ({"custody_only": True}, {"in_custody": True}, False)],
    # A program for people on probation or parole takes them on their officer's referral, no one else.
    "supervision": [({"supervision_only": True}, {"on_supervision": True}, False),
                    ({"supervision_only": True}, {"on_supervision": False}, True),
                    ({"supervision_only": True}, {}, True),  # not known to be on probation: closed
                    ({"supervision_only": False}, {"on_supervision": False}, False),
                    ({}, {"on_supervision": True}, False)],  # not stated: a general program takes them too
    "id": [({"id_required": True}, {"has_id": False}, True),
           ({"id_required": True}, {"has_id": True}, False),
           ({"id_required": True}, {}, False),  # not asked: the case manager is told to check
           ({"id_required": False}, {"has_id": False}, False)],
    "service_area": [({"service_area_towns": ["New Haven", "West Haven"]}, {"_town": "NEW HAVEN"}, False),
                     ({"service_area_towns": ["New Haven"]}, {"_town": "Hartford"}, True),
                     ({"service_area_towns": ["Hartford"]}, {"_town": "harford"}, False),  # one spelling
                     ({}, {"_town": "Hartford"}, False)],
}


def record_stating(stated: dict) -> dict:
    service = {"id": "s", "name": "Program"}
    eligibility = {}
    for key, value in stated.items():
        (service if key in ("minimum_age", "maximum_age") else eligibility)[key] = value
    return model.load_record({"id": "x", "organization": {"id": "o", "name": "Org"}, "service": service,
                              "location": {"id": "l", "latitude": 41.76, "longitude": -72.68,
                                           "geocode_quality": "provided"},
                              "address": {"city": "Hartford", "state_province": "CT"},
                              "needs": ["substance_use.outpatient"], "eligibility": eligibility,
                              "sources": [{"source": "test", "source_id": "x"}]})


def test_every_rule_has_cases_written_from_its_meaning():
    missing = [d.name for d in DIMENSIONS if d.name not in CASES]
    assert not missing, f"write cases for {missing} in CASES from what the rule means"


@pytest.mark.parametrize("name,stated,facts,excluded",
                         [(n, s, f, e) for n, cases in CASES.items() for s, f, e in cases],
                         ids=lambda v: v if isinstance(v, str) else None)
def test_the_table_excludes_as_the_rule_means(name, stated, facts, excluded):
    record = record_stating(stated)
    assert (name in definitely_ineligible(record, facts)) is excluded
    assert (name in by_meaning(record, facts)) is excluded  # the hand oracle says the same


@settings(max_examples=400, deadline=None, database=None)
@given(seed=st.integers(0, 10 ** 6), facts=FACTS, town=TOWN)
def test_the_table_and_the_meaning_agree_on_random_listings(seed, facts, town):
    record = random_record(seed, random.Random(seed))
    facts = {**facts, "_town": town} if town else facts
    assert set(definitely_ineligible(record, facts)) == by_meaning(record, facts)
