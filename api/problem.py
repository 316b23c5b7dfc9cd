"""Every error as RFC 9457 ``application/problem+json``, naming the failing fields."""
from __future__ import annotations

from typing import Any

from flask import Response, json
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

PROBLEM = "application/problem+json"


def problem(status: int, detail: str | None = None, *, title: str | None = None,
            errors: list[dict] | None = None, headers: dict[str, str] | None = None, **extra: Any) -> Response:
    body: dict[str, Any] = {"type": "about:blank", "title": title or HTTP_STATUS_CODES.get(status, "Error"),
                            "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    body.update(extra)
    resp = Response(json.dumps(body), status=status, mimetype=PROBLEM)
    for key, value in (headers or {}).items():
        resp.headers[key] = value
    return resp


def flatten_messages(messages: Any, prefix: str = "") -> list[dict]:
    """webargs/marshmallow messages -> [{"field": "needs[0]", "message": "..."}]."""
    out: list[dict] = []
    if isinstance(messages, dict):
        for key, sub in messages.items():
            if key in ("json", "query", "form", "headers", "path", "files", "view_args", "querystring") and not prefix:
                out.extend(flatten_messages(sub, ""))
                continue
            name = str(key)
            if name == "_schema":
                path = prefix or "body"
            elif isinstance(key, int):
                path = f"{prefix}[{key}]"
            else:
                path = f"{prefix}.{name}" if prefix else name
            out.extend(flatten_messages(sub, path))
    elif isinstance(messages, list) and messages and all(isinstance(m, str) for m in messages):
        out.extend({"field": prefix or "body", "message": m} for m in messages)
    elif isinstance(messages, list):
        for i, sub in enumerate(messages):
            out.extend(flatten_messages(sub, f"{prefix}[{i}]"))
    else:
        out.append({"field": prefix or "body", "message": str(messages)})
    return out


def from_http_exception(error: HTTPException) -> Response:
    data = getattr(error, "data", None) or {}
    errors = flatten_messages(data["messages"]) if "messages" in data else None
    status = error.code or 500
    detail = data.get("message") or error.description
    if errors and status == 422:
        detail = "The request has invalid fields: " + ", ".join(e["field"] for e in errors)
    return problem(status, detail, errors=errors, headers=data.get("headers"))
