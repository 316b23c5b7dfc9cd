"""Pages for people, served by the same app as the API and calling the same service layer:
sign-in, the case manager's match, the officer's 'Nearby now', providers' listings and admin."""
from __future__ import annotations

import json
import re

from flask import Flask

from api.pages import (account, admin, casemanager, diversions, listing, officer, provider,  # noqa: F401 - routes
                       referrals, reports)
from api.pages.common import error_page, pages, wants_page
from api.runtime import request_language
from directory.vocabulary import LANGUAGES, service_name


def _language_label(code: str) -> str:
    return LANGUAGES.label(code, request_language())


def _service_name(name: str) -> str:
    """A listing's name in the page's language (generic and descriptive names; a program's own name as given)."""
    return service_name(name or "", request_language())


def _tel(number: str) -> str:
    """'(860) 555-0100 ext 2' -> '+18605550100' for a tel: link (US numbers)."""
    digits = re.sub(r"\D", "", re.split(r"(?i)\s*(?:ext|x)\.?\s*\d+$", number or "")[0])
    if len(digits) == 10:
        return f"+1{digits}"
    return f"+{digits}" if len(digits) == 11 and digits.startswith("1") else digits


def first_upper(text: str) -> str:
    """'men' -> 'Men', 'Medicaid (HUSKY)' unchanged: a label at the start of a line."""
    return text[:1].upper() + text[1:] if text else text


def _short(value) -> str:  # noqa: ANN001 - any audit value
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return "" if value is None else (text if len(text) <= 120 else text[:117] + "…")


def results_points(results: list[dict]) -> list[dict]:
    """The numbered, located results for the optional tile map."""
    return [{"n": n, "lat": r["location"]["lat"], "lon": r["location"]["lon"]}
            for n, r in enumerate(results, 1) if r.get("location")]


def init_app(app: Flask) -> None:
    app.register_blueprint(pages)
    app.config["LEAD_MAP_TILE_URL"] = app.extensions["lead"].settings.map_tile_url
    app.jinja_env.globals["results_points"] = results_points
    app.jinja_env.filters.update(language_label=_language_label, service_name=_service_name, tel=_tel, short=_short,
                                 first_upper=first_upper)


__all__ = ["init_app", "error_page", "wants_page"]
