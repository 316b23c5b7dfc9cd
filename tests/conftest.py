"""Fixtures. Integration tests run against the real Elasticsearch started by `make es-up`;
when it is not reachable the run stops with a message instead of skipping anything."""
from __future__ import annotations

import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
from elasticsearch import Elasticsearch

from directory.es import make_client
from directory.settings import Settings
from directory.store import Store

# Tests that reach a real engine or browser carry one of these markers; every other test runs with
# sockets blocked (pytest-socket), so a unit test that opens a connection fails instead of passing by luck.
ENGINE_MARKERS = ("es", "browser", "node", "cluster")
ENGINE_FIXTURES = ("es", "store", "app", "live", "ct_live", "browser")

ROOT = Path(__file__).resolve().parent.parent


def pytest_collection_modifyitems(config, items):  # noqa: ANN001 - pytest hook
    for item in items:
        if any(item.get_closest_marker(m) for m in ENGINE_MARKERS):
            item.add_marker(pytest.mark.enable_socket)


def pytest_runtest_setup(item):  # noqa: ANN001 - pytest hook
    """A test that asks for the engine or the browser must say so with its marker."""
    parametrized = set(getattr(getattr(item, "callspec", None), "params", {}))  # an argument named es is not the engine
    used = [f for f in ENGINE_FIXTURES if f in getattr(item, "fixturenames", ()) and f not in parametrized]
    if used and not any(item.get_closest_marker(m) for m in ENGINE_MARKERS):
        pytest.fail(f"{item.nodeid} uses {', '.join(used)} but is not marked es, browser, node or cluster: "
                    "add `pytestmark = pytest.mark.es` (or the right marker) to its module", pytrace=False)
SHARED = ROOT.parent / "shared" / "data"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def base_settings() -> Settings:
    # Every test client signs in from 127.0.0.1: the throttles are tested apart, with their own limits.
    return Settings.from_env(index_prefix=f"test-{uuid.uuid4().hex[:8]}", login_rate_limit="10000 per minute",
                             bad_token_rate_limit="10000 per minute")


@pytest.fixture(scope="session")
def es(base_settings: Settings) -> Elasticsearch:
    client = make_client(base_settings, batch=True)
    try:
        client.cluster.health(timeout="5s")
    except Exception as exc:  # noqa: BLE001 - any failure means the engine is not usable
        pytest.exit(f"Elasticsearch is not reachable at {base_settings.es_url} ({type(exc).__name__}). "
                    "Start it with `make es-up` (or run the whole suite with `make test`).", returncode=3)
    yield client
    client.indices.delete(index=f"{base_settings.index_prefix}*", ignore_unavailable=True,
                          allow_no_indices=True, expand_wildcards="all")
    client.close()


@pytest.fixture
def settings(base_settings: Settings) -> Settings:
    """Each test gets its own index prefix, so tests never see each other's data."""
    return base_settings.with_(index_prefix=f"{base_settings.index_prefix}-{uuid.uuid4().hex[:6]}")


@pytest.fixture
def store(es: Elasticsearch, settings: Settings) -> Store:
    s = Store(es, settings)
    s.ensure_indices()
    yield s
    s.drop_everything()


@pytest.fixture
def app(es: Elasticsearch, settings: Settings, store: Store):
    from api.app import create_app

    application = create_app(settings, es=es)
    application.config["TESTING"] = True
    return application


@pytest.fixture
def accounts(app):
    return app.extensions["lead"].accounts


@pytest.fixture
def client_as(app, accounts):
    """A test client signed in with a bearer token of a new account of this role."""
    made: dict[tuple, object] = {}

    def make(role: str, organizations: tuple[str, ...] = ()):
        key = (role, organizations)
        if key not in made:
            name = f"{role.replace('_', '-')}-{uuid.uuid4().hex[:6]}"
            _, token = accounts.create(name, role, organizations=list(organizations))
            c = app.test_client()
            c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
            c.username = name
            made[key] = c
        return made[key]
    return make


@pytest.fixture
def client(client_as):
    """Signed in as a case manager, the main user of search and match."""
    return client_as("case_manager")


@pytest.fixture
def anonymous(app):
    return app.test_client()


@pytest.fixture
def shared() -> Path:
    assert SHARED.is_dir(), f"the shared data folder is missing: {SHARED}"
    return SHARED


@contextmanager
def seeded_app(es: Elasticsearch, base_settings: Settings, name: str, *, testing: bool = True,
               sources: tuple[str, ...] = ()) -> Iterator:
    """An app over the seed directory (plus ``sources``, e.g. ``federal:<dir>``) in indices of its own
    (``<prefix>-<name>``), dropped afterwards: for a module's tests that read far more than they write."""
    from api.app import create_app  # noqa: PLC0415 - the app is built only where a module asks for it
    from ingest import pipeline  # noqa: PLC0415
    from ingest.geocode import Geocoder  # noqa: PLC0415

    settings = base_settings.with_(index_prefix=f"{base_settings.index_prefix}-{name}")
    store = Store(es, settings)
    store.ensure_indices()
    pipeline.run([f"seed:{ROOT / 'seed_data'}", *sources], store, Geocoder(), samples=True)
    app = create_app(settings, es=es)
    app.config["TESTING"] = testing
    try:
        yield app
    finally:
        store.drop_everything()
