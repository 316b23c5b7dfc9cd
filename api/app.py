"""The Flask app factory."""
from __future__ import annotations

import json
import logging
import secrets

import orjson
from flask import Flask, request
from flask.json.provider import DefaultJSONProvider
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_smorest import Api
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from api import i18n
from api.access_log import PrivateRequestLines
from api.problem import PROBLEM, ProblemSchema, from_http_exception, problem
from api.runtime import Runtime
from api.usecases.errors import Refused
from directory import places
from directory.indices import counters
from directory.accounts import Accounts
from directory.es import ENGINE_ERROR, ENGINE_UNAVAILABLE, make_client
from directory.settings import Settings
from directory.indices.suggestions import SuggestionIndex
from directory.indices.unmet import UnmetNeed
from directory.referrals import Referrals
from directory.store import Store
from directory.suggestions import Suggestions
from directory.webhooks import Webhooks
from matching.service import SearchService

log = logging.getLogger(__name__)
BODY_METHODS = ("POST", "PUT", "PATCH")


class ProblemApi(Api):
    """flask-smorest's Api with every HTTP error rendered, and documented, as problem+json."""

    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error: HTTPException):  # noqa: D102 - flask-smorest hook
        from api import pages

        if pages.wants_page():  # a person's browser asked for a page: answer with one
            return pages.error_page(error.code or 500)
        return from_http_exception(error)

    def _register_responses(self):  # noqa: D102 - flask-smorest hook: error responses are problem+json
        self.DEFAULT_RESPONSE_CONTENT_TYPE = PROBLEM
        try:
            super()._register_responses()
        finally:
            del self.DEFAULT_RESPONSE_CONTENT_TYPE


class OrjsonProvider(DefaultJSONProvider):
    """Flask's JSON, encoded by orjson: the same output (sorted keys, compact, dates as Flask writes
    them), several times faster on the large search answers."""

    OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS

    def dumps(self, obj, **kwargs):  # noqa: ANN001, ANN201 - Flask's provider interface
        if kwargs:  # indent and other stdlib options (pretty printing in debug mode)
            return super().dumps(obj, **kwargs)
        option = self.OPTIONS | (orjson.OPT_SORT_KEYS if self.sort_keys else 0)
        return orjson.dumps(obj, default=self.default, option=option).decode()


def create_app(settings: Settings | None = None, es=None) -> Flask:  # noqa: ANN001 - a directory.es client
    settings = settings or Settings.from_env()
    # The engine client's DEBUG log carries whole request and response bodies: participant profiles
    # and account documents. Whatever the root level, it never goes below INFO.
    logging.getLogger("elastic_transport.node").setLevel(logging.INFO)
    # The development server's request log: paths without query strings (places searched stay out of it).
    werkzeug_log = logging.getLogger("werkzeug")
    if not any(isinstance(f, PrivateRequestLines) for f in werkzeug_log.filters):
        werkzeug_log.addFilter(PrivateRequestLines())
    if not settings.secret_key:
        if settings.env == "production":
            raise RuntimeError("LEAD_SECRET_KEY is not set: a production app will not sign sessions with a known "
                               "or made-up key. Set it to a long random value shared by every worker.")
        log.warning("LEAD_SECRET_KEY is not set: using a random key, so sessions end when this process does")
        settings = settings.with_(secret_key=secrets.token_urlsafe(32))
    app = Flask(__name__)
    if settings.trusted_proxies:
        # Behind that many proxies, the client is the address the nearest one saw (its X-Forwarded-For), and
        # the scheme the one it was reached by; a client's own X-Forwarded-For entries count for nothing.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies, x_proto=settings.trusted_proxies)
    app.json = OrjsonProvider(app)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        API_TITLE="LEAD service directory",
        API_VERSION="v1",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
        JSON_SORT_KEYS=False,
        API_SPEC_OPTIONS={"security": [{"bearer": []}, {"session": []}]},
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="lead_session",
        PERMANENT_SESSION_LIFETIME=12 * 3600,
        COMPRESS_MIMETYPES=["application/json", "application/problem+json", "text/html", "text/css",
                            "text/javascript", "application/javascript", "image/svg+xml"],
        COMPRESS_MIN_SIZE=600,
        COMPRESS_ALGORITHM=["gzip", "deflate"],
    )
    # Load the offline place tables now, not on the first officer's request.
    places.load()
    client = es or make_client(settings)
    store = Store(client, settings)
    webhooks = Webhooks(client, settings)
    app.extensions["lead"] = Runtime(settings=settings, store=store,
                                     accounts=Accounts(client, settings, audit=store.audit),
                                     search=SearchService(store, settings),
                                     suggestions=Suggestions(SuggestionIndex(client, store.catalogue)),
                                     referrals=Referrals(client, settings, store, notify=webhooks.enqueue),
                                     webhooks=webhooks, unmet_need=UnmetNeed(client, store.catalogue,
                                                                             fresh_client=lambda: make_client(settings)))
    app.extensions["lead"].search.on_nearby = app.extensions["lead"].unmet_need.record_search
    Compress(app)
    i18n.init_app(app)

    @app.after_request
    def buffer_static_files(resp):
        """Read our small static files into memory so Flask-Compress gzips them whole (it runs after
        this): compressing the file stream chunk by chunk would leave the file unclosed."""
        if request.endpoint == "static" and resp.status_code == 200 and resp.is_streamed:
            resp.direct_passthrough = False
            resp.make_sequence()
        return resp

    @app.after_request
    def retry_after_only_when_waiting(resp):
        """Retry-After says when to come back: only on a 429 or a 503. (Registered before the limiter, so it
        runs after the limiter has added its rate-limit headers to every limited response.)"""
        if resp.status_code not in (429, 503):
            resp.headers.pop("Retry-After", None)
        return resp

    api = ProblemApi(app, spec_kwargs={"info": {"description": (
        "Service directory and referral matching for Law Enforcement Assisted Diversion (LEAD) programs. "
        "Errors are application/problem+json with the failing fields in `errors`. Send "
        "`Accept-Language: es` for explanations in Spanish.")}})

    from api import (admin, backup_cli, diversions, diversions_cli, export_cli, health, hsds, ingest_cli, lines_cli,
                     listings, match, pages, provider, referrals, referrals_cli, reports, seed_cli, suggestions,
                     users_cli)

    # Rate limits apply to the public HSDS reads, counted per client address; with the directory not public
    # those reads need a token and are not limited here. The sign-in and bad-token throttles (api.auth) count
    # in the same storage: the engine by default, so every worker and app instance shares the counts.
    if settings.rate_limit_storage == "engine":
        storage_uri = f"{counters.SCHEME}://"
        storage_options = {"es": client, "index": store.catalogue.name("counters"),
                           "ensure": lambda: store.catalogue.ensure("counters")}
    else:
        storage_uri, storage_options = settings.rate_limit_storage, {}
    limiter = Limiter(get_remote_address, app=app, storage_uri=storage_uri, storage_options=storage_options,
                      headers_enabled=True, default_limits=[])
    # One budget per client across every public read (a shared limit), not one per endpoint a client could go
    # round; a CORS preflight costs nothing.
    limiter.shared_limit(lambda: settings.public_rate_limit, scope="public-hsds",
                         exempt_when=lambda: not settings.public_directory or request.method == "OPTIONS")(hsds.blp)
    app.extensions["lead_limiter"] = limiter
    for blueprint in (health.blp, listings.blp, match.blp, provider.blp, suggestions.blp, referrals.blp, admin.blp,
                      hsds.blp, diversions.blp, reports.blp):
        api.register_blueprint(blueprint)
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    api.spec.components.security_scheme("session", {
        "type": "apiKey", "in": "cookie", "name": "lead_session",
        "description": "The cookie of someone signed in at /login (the pages' own scripts). A state-changing "
                       "call with it must also send the page's CSRF token in X-CSRF-Token."})
    pages.init_app(app)
    ingest_cli.init_app(app)
    export_cli.init_app(app)
    backup_cli.init_app(app)
    seed_cli.init_app(app)
    lines_cli.init_app(app)
    users_cli.init_app(app)
    referrals_cli.init_app(app)
    diversions_cli.init_app(app)

    @app.before_request
    def short_queries():
        """An over-long query string is refused with a problem, not the server's bare page."""
        if len(request.query_string) > settings.max_query_bytes:
            return problem(414, f"The query string is longer than {settings.max_query_bytes} bytes; shorten it.",
                           errors=[{"field": "query", "message": "too long"}])
        return None

    @app.before_request
    def json_bodies():
        """A body must be JSON, and valid JSON, before any view reads it: each failure has its own message."""
        if request.method not in BODY_METHODS or not request.path.startswith("/api/"):
            return None
        has_body = (request.content_length or 0) > 0 or request.headers.get("Transfer-Encoding") == "chunked"
        if not has_body:
            return None
        if not request.is_json:
            sent = request.mimetype or "no Content-Type"
            return problem(415, f"Send the body as JSON with 'Content-Type: application/json' (got {sent}).",
                           errors=[{"field": "Content-Type", "message": "must be application/json"}])
        data = request.get_data(cache=True)
        if request.content_length is None and len(data) >= settings.max_body_bytes:
            # A chunked body is cut at the limit without an error: count a body that fills it as too large.
            return problem(413, f"The body is larger than {settings.max_body_bytes} bytes.",
                           errors=[{"field": "body", "message": "too large"}])
        try:
            json.loads(data)
        except RecursionError:
            return problem(400, "The JSON body is nested too deeply.", errors=[{"field": "body",
                                                                               "message": "nested too deeply"}])
        except ValueError as exc:
            return problem(400, f"The body is not valid JSON: {exc}.", errors=[{"field": "body",
                                                                              "message": "not valid JSON"}])
        return None

    # Map tiles, when a tile server is configured, are the only images from elsewhere.
    tile_origin = _origin(settings.map_tile_url)
    img_src = f"'self' data: {tile_origin}" if tile_origin else "'self' data:"

    @app.after_request
    def security_headers(resp):
        resp.headers.setdefault("Content-Security-Policy",
                                f"default-src 'self'; style-src 'self' 'unsafe-inline'; img-src {img_src}; "
                                "frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("Referrer-Policy", "no-referrer")
        if resp.mimetype in ("application/json", "application/problem+json"):
            resp.headers.setdefault("Cache-Control", "no-store")
        return resp

    def engine_unavailable(exc: Exception):
        log.warning("search engine unavailable: %s", type(exc).__name__)
        if pages.wants_page():
            return pages.error_page(503)
        return problem(503, "The search engine is unavailable; try again shortly.", headers={"Retry-After": "5"})

    for exc_class in ENGINE_UNAVAILABLE:
        app.register_error_handler(exc_class, engine_unavailable)

    @app.errorhandler(ENGINE_ERROR)
    def engine_error(exc):  # noqa: ANN001 - the engine client's ApiError
        log.error("search engine error %s: %s", exc.meta.status if exc.meta else "?", exc.message)
        status = 503 if exc.meta and exc.meta.status in (429, 503) else 502
        if pages.wants_page():
            return pages.error_page(status)
        return problem(status, "The search engine could not answer this request.", headers={"Retry-After": "5"})

    @app.errorhandler(Refused)
    def refused(exc: Refused):
        if pages.wants_page():
            return pages.error_page(exc.status)
        return problem(exc.status, exc.detail, errors=exc.errors, headers=exc.headers, **exc.extra)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            if pages.wants_page():
                return pages.error_page(exc.code or 500)
            return from_http_exception(exc)
        log.exception("unhandled error")
        if pages.wants_page():
            return pages.error_page(500)
        return problem(500, "Something went wrong on our side; it has been logged.")

    return app


def _origin(url: str) -> str | None:
    """'https://tiles.example/{z}/{x}/{y}.png' -> 'https://tiles.example'."""
    if not url or "://" not in url:
        return None
    scheme, rest = url.split("://", 1)
    return f"{scheme}://{rest.split('/', 1)[0]}"
