"""What every blueprint shares: the per-app runtime (settings, store, accounts, search) and the
Blueprint class that names each operation. Blueprints import this, never the app factory."""
from __future__ import annotations

from dataclasses import dataclass

import flask_smorest
from flask import Response, current_app, jsonify, request, session

from directory.accounts import Accounts
from directory.indices.unmet import UnmetNeed
from directory.referrals import Referrals
from directory.settings import Settings
from directory.store import Store
from directory.suggestions import Suggestions
from directory.webhooks import Webhooks
from matching.service import SearchService

LANGUAGES = ("en", "es")


@dataclass
class Runtime:
    """Built once per app: settings, the store, accounts, the search service, suggested corrections,
    referrals and their outgoing webhooks, and the unmet-need tally of nearby searches."""
    settings: Settings
    store: Store
    accounts: Accounts
    search: SearchService
    suggestions: Suggestions
    referrals: Referrals
    webhooks: Webhooks
    unmet_need: UnmetNeed


def runtime() -> Runtime:
    return current_app.extensions["lead"]


def shaped(payload: dict) -> Response:
    """Send a body that already has exactly the shape its response schema would dump, as it is.

    The search service builds match, nearby and browse answers as JSON-ready dicts in their schema's
    shape; dumping them through the schema again costs a few milliseconds a search and changes nothing
    (tests/test_response_shapes.py holds the two equal). The schema still documents the response.
    """
    return jsonify(payload)


def request_language() -> str:
    """The language chosen with the switch on the pages (kept in the session), else the one the
    caller prefers (Accept-Language): 'es' or 'en'."""
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or "en"


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


class Blueprint(flask_smorest.Blueprint):
    """A flask-smorest Blueprint whose every operation carries an ``operationId`` (the view's name in
    camelCase), so generated clients get stable method names."""

    def _store_endpoint_docs(self, endpoint, obj, parameters, tags, **options):  # noqa: ANN001 - flask-smorest hook
        super()._store_endpoint_docs(endpoint, obj, parameters, tags, **options)
        for method, doc in self._docs[endpoint].items():
            if method != "parameters":
                doc.setdefault("manual_doc", {}).setdefault("operationId", _camel(endpoint))
