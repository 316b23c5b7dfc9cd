"""The ``lead`` command: the Flask CLI bound to this app (``lead ingest run ...``)."""
from __future__ import annotations

import logging
import os
import sys

from flask.cli import FlaskGroup

from api.app import create_app
from directory.es import ENGINE_ERROR, ENGINE_UNAVAILABLE
from directory.settings import Settings

# The exit status when the engine cannot be reached or refuses a request (1 is click's usage errors).
ENGINE_EXIT = 3


def main() -> None:
    # .env pins the Elasticsearch release for make and docker compose; it is not app config.
    os.environ.setdefault("FLASK_SKIP_DOTENV", "1")
    # The client logs each failed node as a warning; the one sentence below says it all.
    logging.getLogger("elastic_transport").setLevel(logging.ERROR)
    try:
        FlaskGroup(create_app=lambda: create_app(), help="LEAD service directory commands.")()
    except ENGINE_UNAVAILABLE as exc:
        print(f"lead: cannot reach Elasticsearch at {_nodes()} ({_reason(exc)}); start it (make es-up) "
              "or point LEAD_ES_URL at a running node.", file=sys.stderr)
        sys.exit(ENGINE_EXIT)
    except ENGINE_ERROR as exc:
        status = getattr(getattr(exc, "meta", None), "status", "?")
        print(f"lead: Elasticsearch at {_nodes()} refused the request (HTTP {status}: "
              f"{getattr(exc, 'message', type(exc).__name__)}).", file=sys.stderr)
        sys.exit(ENGINE_EXIT)


def _nodes() -> str:
    try:
        return ", ".join(Settings.from_env().es_nodes)
    except ValueError:
        return os.environ.get("LEAD_ES_URL", "?")


def _reason(exc: Exception) -> str:
    text = str(exc)
    for known in ("Connection refused", "timed out", "Name or service not known", "No route to host"):
        if known.lower() in text.lower():
            return known.lower()
    return type(exc).__name__
