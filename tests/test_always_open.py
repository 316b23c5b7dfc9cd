"""The statewide 24/7 lines and the places that stand in for a need, from their one data file: the
shipped file is complete and says where each number was verified; a broken file is refused with the
entry named; each need gets the lines that answer it."""
from __future__ import annotations

import copy
import json

import pytest

from directory import always_open
from directory.always_open import DEFAULT_FILE, AlwaysOpenError, parse

DATA = json.loads(DEFAULT_FILE.read_text(encoding="utf-8"))


def test_the_shipped_file_loads_and_every_number_says_where_it_was_verified():
    lines = always_open.load().lines
    assert {line.id for line in lines} >= {"988", "211", "dmhas-access-line"}
    for line in lines:
        assert line.verified["on"] and all(s.startswith(("http://", "https://")) for s in line.verified["sources"])
        assert line.name["es"] and line.does["es"] and line.name["en"] != line.name["es"]
    assert always_open.load().fallback().dial == "2-1-1"


@pytest.mark.parametrize("needs, age, dials", [
    (["substance_use.withdrawal_management"], None, ["1-800-563-4086", "988", "2-1-1"]),
    (["substance_use.opioid_treatment_program"], None, ["1-800-563-4086", "2-1-1"]),
    (["substance_use"], None, ["1-800-563-4086", "988", "2-1-1"]),  # a parent need gets its children's lines
    (["mental_health.crisis"], 34, ["988", "1-800-467-3135", "2-1-1"]),
    (["mental_health.crisis"], 15, ["988", "2-1-1, then 1"]),  # under 18: the youth line, not the adults' one
    (["housing.emergency_shelter"], None, ["2-1-1"]),  # the housing line is 2-1-1: said once
    (["substance_use.harm_reduction.naloxone"], None, ["2-1-1"]),
    (["basic_needs.food"], None, ["2-1-1"]),
])
def test_each_need_gets_the_lines_that_answer_it(needs, age, dials):
    assert [line.dial for line in always_open.load().lines_for(needs, age)] == dials


def test_emergency_departments_stand_in_for_detox_crisis_and_naloxone():
    data = always_open.load()
    for need in ("substance_use.withdrawal_management", "mental_health.crisis", "substance_use.harm_reduction.naloxone"):
        assert any("healthcare.hospital" in r.place_needs for r in data.place_rules([need])), need
    assert not data.place_rules(["housing.emergency_shelter"])


@pytest.mark.parametrize("change, says", [
    (lambda d: d["lines"][0].update(tel="call us"), "'tel' must be the digits"),
    (lambda d: d["lines"][0]["name"].pop("es"), "'name' needs an English and a Spanish text"),
    (lambda d: d["lines"][0].update(needs=["detox"]), "unknown need codes in 'needs': detox"),
    (lambda d: d["lines"][0].update(verified={}), "'verified' must say when"),
    (lambda d: d["lines"][0].update(fallback=True), "exactly one line must be the fallback"),
    (lambda d: d["places"][0].update(place_needs=[]), "'place_needs' must be a list of need codes"),
])
def test_a_broken_file_is_refused_naming_the_entry(change, says):
    data = copy.deepcopy(DATA)
    change(data)
    with pytest.raises(AlwaysOpenError, match=says) as caught:
        parse(data, "edited.json")
    assert "edited.json" in str(caught.value)


def test_an_admins_copy_replaces_the_shipped_file(tmp_path):
    data = copy.deepcopy(DATA)
    data["lines"][0]["dial"] = "1-800-000-0000"
    path = tmp_path / "lines.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert always_open.load(str(path)).lines[0].dial == "1-800-000-0000"
    path.write_text("{ not json", encoding="utf-8")
    always_open.load.cache_clear()
    with pytest.raises(AlwaysOpenError, match="cannot be read as JSON"):
        always_open.load(str(path))


def test_a_number_read_with_words_is_read_in_the_participants_language():
    youth = next(line for line in always_open.load().lines if line.id == "211-youth-crisis")
    assert youth.view("en")["dial"] == "2-1-1, then 1"
    assert youth.view("es")["dial"] == "2-1-1, luego 1"
    digits_only = always_open.load().fallback()
    assert digits_only.view("es")["dial"] == digits_only.view("en")["dial"] == "2-1-1"


def test_a_number_with_words_in_one_language_only_is_refused():
    data = copy.deepcopy(DATA)
    data["lines"][0]["dial"] = "2-1-1, then 1"
    with pytest.raises(AlwaysOpenError, match="English and Spanish"):
        parse(data, "edited.json")
