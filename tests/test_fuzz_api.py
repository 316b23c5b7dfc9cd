"""Hostile input, generated: schemathesis sends what /api/openapi.json allows (and what it does not)
to every operation, as an admin and as a provider, against the real engine with the seed loaded.
No answer may be a 5xx, and every answer must match what the document declares for it."""
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (content_type_conformance, not_a_server_error, response_schema_conformance,
                                 status_code_conformance)

from tests.conftest import seeded_app

pytestmark = pytest.mark.es
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance, status_code_conformance]


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


def run(case, token: str) -> None:
    if case.path.endswith(("/disable", "/enable", "/token")):
        # never disable or re-key the accounts doing the fuzzing
        case.path_parameters = {**(case.path_parameters or {}), "username": "nobody-by-that-name"}
    # (identity: the WSGI transport would not unzip a compressed answer)
    case.call_and_validate(headers={"Authorization": f"Bearer {token}", "Accept-Encoding": "identity"}, checks=CHECKS)


def fuzz_every_operation(api_schema, token: str) -> tuple[int, list[str]]:
    """Generated cases for every operation (a bounded number each); (operations, failures)."""
    failures: list[str] = []
    operations = 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def check(case):
            run(case, token)

        try:
            check()
        except Exception as exc:  # noqa: BLE001 - collect every operation's failure, then report them all
            failures.append(f"{operation.label}: {exc}")
    return operations, failures


EXAMPLES = 25


def test_no_operation_errors_or_breaks_its_contract_as_an_admin(api_schema, fuzz_app):
    operations, failures = fuzz_every_operation(api_schema, fuzz_app[1]["admin"])
    assert operations >= 25 and not failures, "\n\n".join(failures)


def test_no_operation_errors_or_breaks_its_contract_as_a_provider(api_schema, fuzz_app):
    operations, failures = fuzz_every_operation(api_schema, fuzz_app[1]["provider"])
    assert operations >= 25 and not failures, "\n\n".join(failures)
