"""Access logs with nothing private in them: paths without query strings, no credentials.

Query strings can carry what must not be kept: a place an officer searched (``near=``, ``lat``/``lon``),
words typed in a search, the path a page wanted to come back to. Participant references are refused in
URLs altogether (``POST /api/v1/referrals/search`` takes them in a body), but a log is written by the
server whatever the app answers, so the server writes none of it:

- ``PrivateAccessLogger``: gunicorn's logger (``--logger-class api.access_log.PrivateAccessLogger``) whose
  every access-log atom is stripped of query strings (the request line ``%(r)s``, ``%(q)s``, the raw URI,
  the referrer) and of credentials (``Authorization``, cookies, the CSRF header), whatever format is used.
- ``PrivateRequestLines``: the same for the development server's request log (``make serve``).
"""
from __future__ import annotations

import logging

from gunicorn.glogging import Logger

HIDDEN = "-"
# Atoms that are a URL or a request line: kept without their query string.
URL_ATOMS = ("f", "{referer}i", "{raw_uri}e", "{request_uri}e", "{http_referer}e")
# Atoms that are a query string or a credential: not written at all.
SECRET_ATOMS = ("q", "{query_string}e", "{authorization}i", "{http_authorization}e", "{cookie}i", "{http_cookie}e",
                "{x-csrf-token}i", "{http_x_csrf_token}e", "{set-cookie}o")


def without_query(url: str) -> str:
    """'/nearby?near=12+Elm+St' -> '/nearby' (also for full URLs; a fragment goes too)."""
    return url.split("?", 1)[0].split("#", 1)[0] if isinstance(url, str) else url


def request_line_without_query(line: str) -> str:
    """'GET /nearby?near=x HTTP/1.1' -> 'GET /nearby HTTP/1.1'."""
    parts = line.split(" ")
    if len(parts) >= 3:
        return " ".join([parts[0], without_query(" ".join(parts[1:-1])), parts[-1]])
    return without_query(line)


def private_atoms(atoms: dict) -> dict:
    out = dict(atoms)
    out["r"] = request_line_without_query(out.get("r", ""))
    for key in URL_ATOMS:
        if key in out:
            out[key] = without_query(out[key])
    for key in SECRET_ATOMS:
        if key in out:
            out[key] = HIDDEN
    return out


class PrivateAccessLogger(Logger):
    """gunicorn's logger, with ``private_atoms`` applied to every access-log line."""

    def atoms(self, resp, req, environ, request_time):  # noqa: ANN001, ANN201 - gunicorn's hook
        return private_atoms(super().atoms(resp, req, environ, request_time))


class PrivateRequestLines(logging.Filter):
    """For Werkzeug's development-server log: the request line it logs, without its query string."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(request_line_without_query(a) if isinstance(a, str) and " HTTP/" in a else a
                                for a in record.args)
        return True
