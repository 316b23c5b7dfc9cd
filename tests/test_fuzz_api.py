"""Hostile input, generated: schemathesis sends what /api/openapi.json allows (and what it does not)
to every operation, as an admin and as a provider, against the real engine with the seed loaded.
No answer may be a 5xx, and every answer to allowed input must match what the document declares for it.
Referrals are also driven as sequences that follow the document's links (send, read, move, move again)."""
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import rule
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.generation.stateful.state_machine import StepInput
from schemathesis.checks import (content_type_conformance, not_a_server_error, response_schema_conformance,
                                 status_code_conformance)

from directory.referral_states import SHAREABLE, URGENCIES
from tests.conftest import seeded_app

pytestmark = pytest.mark.es
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance, status_code_conformance]
# Input the document does not allow: whatever the answer is, it is a 4xx problem, never a 5xx.
NEGATIVE_CHECKS = [not_a_server_error, content_type_conformance]
# Cases per operation and role (allowed input), per operation (input not allowed), and referral sequences.
EXAMPLES, NEGATIVE_EXAMPLES, SEQUENCES, STEPS = 40, 25, 40, 10
# A real listing and its organisation, so that sent referrals exist and their links lead somewhere.
LISTING, ORGANIZATION = "seed-00023", "org-0012"


@pytest.fixture(scope="module")
def fuzz_app(es, base_settings):
    with seeded_app(es, base_settings, "fuzz", testing=False) as app:
        accounts = app.extensions["lead"].accounts
        _, admin = accounts.create("fuzz-admin", "admin")
        _, provider = accounts.create("fuzz-provider", "provider", organizations=["org-0001"])
        yield app, {"admin": admin, "provider": provider}


@pytest.fixture(scope="module")
def api_schema(fuzz_app):
    app, _ = fuzz_app
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app)


def _headers(token: str) -> dict:
    # (identity: the WSGI transport would not unzip a compressed answer)
    return {"Authorization": f"Bearer {token}", "Accept-Encoding": "identity"}


def _spare_the_fuzzers(case) -> None:
    if case.path.endswith(("/disable", "/enable", "/token")):
        # never disable or re-key the accounts doing the fuzzing
        case.path_parameters = {**(case.path_parameters or {}), "username": "nobody-by-that-name"}


def fuzz_every_operation(api_schema, token: str, *, mode=GenerationMode.POSITIVE, examples=EXAMPLES,
                         checks=CHECKS) -> tuple[int, list[str]]:
    """Generated cases for every operation (a bounded number each); (operations, failures)."""
    failures: list[str] = []
    operations = 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(generation_mode=mode))
        def check(case):
            _spare_the_fuzzers(case)
            case.call_and_validate(headers=_headers(token), checks=checks)

        try:
            check()
        except Unsatisfiable:
            continue  # an operation without parameters or body has no input to get wrong
        except Exception as exc:  # noqa: BLE001 - collect every operation's failure, then report them all
            failures.append(f"{operation.label}: {exc}")
    return operations, failures


def test_no_operation_errors_or_breaks_its_contract_as_an_admin(api_schema, fuzz_app):
    operations, failures = fuzz_every_operation(api_schema, fuzz_app[1]["admin"])
    assert operations >= 25 and not failures, "\n\n".join(failures)


def test_no_operation_errors_or_breaks_its_contract_as_a_provider(api_schema, fuzz_app):
    operations, failures = fuzz_every_operation(api_schema, fuzz_app[1]["provider"])
    assert operations >= 25 and not failures, "\n\n".join(failures)


def test_input_the_document_does_not_allow_is_never_a_server_error(api_schema, fuzz_app):
    operations, failures = fuzz_every_operation(api_schema, fuzz_app[1]["admin"], mode=GenerationMode.NEGATIVE,
                                                examples=NEGATIVE_EXAMPLES, checks=NEGATIVE_CHECKS)
    assert operations >= 25 and not failures, "\n\n".join(failures)


def test_referral_sequences_following_the_links_never_error(api_schema, fuzz_app):
    """Send a referral (to a real listing, with a generated consent, needs, note and urgency), then follow the
    document's links from each answer: read it, move it to a generated status, move it again. As an admin,
    who acts for both sides, so every transition the generated statuses ask for is tried, legal or not."""
    app, tokens = fuzz_app
    referrals = api_schema.include(path_regex=r"^/api/v1/referrals")
    send = referrals["/api/v1/referrals"]["POST"]
    base = referrals.as_state_machine()

    class ReferralSequences(base):
        @rule(target=base.bundles["POST /api/v1/referrals -> 201"],
              share=st.lists(st.sampled_from(SHAREABLE), unique=True),
              note=st.text(max_size=500), urgency=st.sampled_from(URGENCIES), n=st.integers(1, 10**6))
        def send_a_referral(self, share, note, urgency, n):
            case = send.Case(media_type="application/json", body={
                "listing_ids": [LISTING], "participant_ref": f"FUZZ-{n}", "needs": ["outpatient"], "note": note,
                "urgency": urgency, "consents": [{"organization_id": ORGANIZATION, "share": share}]})
            step = StepInput.initial(case)
            self.recorder.record_case(case=case)  # as the machine's own root steps do, so links can follow it
            self.control.record_step(step, self.recorder)
            return self._step(step)

        def get_call_kwargs(self, case):
            return {"headers": _headers(tokens["admin"])}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS)

    ReferralSequences.run(settings=settings(max_examples=SEQUENCES, stateful_step_count=STEPS, deadline=None,
                                            derandomize=True, database=None, suppress_health_check=list(HealthCheck)))
    seen = app.extensions["lead"].referrals.search(app.extensions["lead"].accounts.get("fuzz-admin"), size=1000)
    moved = [r for r in seen if len(r["events"]) > 1]
    # The links were followed (schemathesis varies how often, on purpose): sequences sent and moved referrals.
    assert len(seen) >= SEQUENCES and moved, f"{len(moved)} of {len(seen)} referrals sent were moved"
