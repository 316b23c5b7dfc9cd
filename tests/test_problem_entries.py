"""Problem entries are built from what a validation error carries, never by reading its English words."""
from marshmallow import Schema, ValidationError, fields

from api.problem import flatten_messages
from directory.vocabulary import INSURANCE, LANGUAGES, Choice, ChoiceMessage


class _Body(Schema):
    insurance = fields.List(Choice(INSURANCE))
    language = Choice(LANGUAGES)
    note = fields.String()


def _entries(data: dict) -> dict[str, dict]:
    try:
        _Body().load(data)
    except ValidationError as exc:
        return {e["field"]: e for e in flatten_messages(exc.messages)}
    raise AssertionError("expected a validation error")


def test_a_choice_error_carries_the_accepted_codes_and_the_nearest():
    got = _entries({"insurance": ["medicaid", "medicad"], "language": "spanis"})
    assert got["insurance[1]"]["accepted"] == list(INSURANCE.codes)
    assert "medicaid" in got["insurance[1]"]["did_you_mean"]
    assert got["language"]["accepted"] == list(LANGUAGES.codes) and "es" in got["language"]["did_you_mean"]
    assert isinstance(got["language"]["message"], str) and "spanis" in got["language"]["message"]


def test_a_choice_with_nothing_close_has_no_did_you_mean():
    got = _entries({"language": "zzzzzzzz"})["language"]
    assert got["accepted"] == list(LANGUAGES.codes) and "did_you_mean" not in got


def test_plain_text_that_looks_like_a_choice_message_is_only_a_message():
    text = "accepted values are a, b; did you mean 'c'?"
    entry = flatten_messages({"note": [text]})[0]
    assert entry == {"field": "note", "message": text}


def test_the_lists_travel_on_the_message_itself():
    message = ChoiceMessage("no", accepted=("x", "y"), did_you_mean=["y"])
    assert flatten_messages({"f": [message]}) == [{"field": "f", "message": "no", "accepted": ["x", "y"],
                                                   "did_you_mean": ["y"]}]
