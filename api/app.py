"""The Flask app factory."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from elastic_transport import ConnectionError as EngineConnectionError
from elastic_transport import ConnectionTimeout
from elasticsearch import ApiError, Elasticsearch
from flask import Flask, current_app
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from api.problem import from_http_exception, problem
from directory.accounts import Accounts
from directory.es import make_client
from directory.settings import Settings
from directory.store import Store

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """What a request needs, built once per app: settings, the engine client and the store."""
    settings: Settings
    es: Elasticsearch
    store: Store
    accounts: Accounts


def runtime() -> Runtime:
    return current_app.extensions["lead"]


class ProblemApi(Api):
    """flask-smorest's Api with every HTTP error rendered as problem+json."""

    def handle_http_exception(self, error: HTTPException):  # noqa: D102 - flask-smorest hook
        return from_http_exception(error)


def create_app(settings: Settings | None = None, es: Elasticsearch | None = None) -> Flask:
    settings = settings or Settings.from_env()
    # The engine client's DEBUG log carries whole request and response bodies: participant profiles
    # and account documents. Whatever the root level, it never goes below INFO.
    logging.getLogger("elastic_transport.node").setLevel(logging.INFO)
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        API_TITLE="LEAD service directory",
        API_VERSION="v1",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
        JSON_SORT_KEYS=False,
        API_SPEC_OPTIONS={"security": [{"bearer": []}]},
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="lead_session",
        PERMANENT_SESSION_LIFETIME=12 * 3600,
    )
    # Load the offline place tables now, not on the first officer's request.
    from ingest.geocode import town_centroids, zip_centroids

    zip_centroids()
    town_centroids()
    client = es or make_client(settings)
    store = Store(client, settings)
    app.extensions["lead"] = Runtime(settings=settings, es=client, store=store,
                                     accounts=Accounts(client, settings, audit=store.audit))

    api = ProblemApi(app, spec_kwargs={"info": {"description": (
        "Service directory and referral matching for Law Enforcement Assisted Diversion (LEAD) programs. "
        "Errors are application/problem+json with the failing fields in `errors`.")}})

    from api import admin, bedboard, health, ingest_cli, listings, match, provider, seed_cli, users_cli, web

    for blueprint in (health.blp, listings.blp, match.blp, provider.blp, bedboard.blp, admin.blp):
        api.register_blueprint(blueprint)
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    app.register_blueprint(web.web)
    ingest_cli.init_app(app)
    seed_cli.init_app(app)
    users_cli.init_app(app)

    @app.after_request
    def security_headers(resp):
        resp.headers.setdefault("Content-Security-Policy",
                                "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                                "frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("Referrer-Policy", "no-referrer")
        if resp.mimetype in ("application/json", "application/problem+json"):
            resp.headers.setdefault("Cache-Control", "no-store")
        return resp

    @app.errorhandler(EngineConnectionError)
    @app.errorhandler(ConnectionTimeout)
    def engine_unavailable(exc: Exception):
        log.warning("search engine unavailable: %s", type(exc).__name__)
        return problem(503, "The search engine is unavailable; try again shortly.", headers={"Retry-After": "5"})

    @app.errorhandler(ApiError)
    def engine_error(exc: ApiError):
        log.error("search engine error %s: %s", exc.meta.status if exc.meta else "?", exc.message)
        status = 503 if exc.meta and exc.meta.status in (429, 503) else 502
        return problem(status, "The search engine could not answer this request.", headers={"Retry-After": "5"})

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return from_http_exception(exc)
        log.exception("unhandled error")
        return problem(500, "Something went wrong on our side; it has been logged.")

    return app
