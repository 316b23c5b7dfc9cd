"""English and Spanish for the pages: Flask-Babel with catalogues in ``api/translations``.

The language is the one chosen with the switch on every page (kept in the session), else the
browser's Accept-Language; the search service gets the same language, so reasons, cautions and
opening times come back in it too.
"""
from __future__ import annotations

from flask import Flask
from flask_babel import Babel

from api.runtime import LANGUAGES, request_language

LANGUAGE_NAMES = {"en": "English", "es": "Español"}


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "en")
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    Babel(app, locale_selector=request_language)
    app.jinja_env.globals.update(LANGUAGES=LANGUAGES, LANGUAGE_NAMES=LANGUAGE_NAMES)
