"""The ``lead`` command: the Flask CLI bound to this app (``lead ingest run ...``)."""
from __future__ import annotations

import os

from flask.cli import FlaskGroup

from api.app import create_app


def main() -> None:
    # .env pins the Elasticsearch release for make and docker compose; it is not app config.
    os.environ.setdefault("FLASK_SKIP_DOTENV", "1")
    FlaskGroup(create_app=lambda: create_app(), help="LEAD service directory commands.")()
