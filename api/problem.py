"""Every error as RFC 9457 ``application/problem+json``, naming the failing fields."""
from __future__ import annotations

from typing import Any

from flask import Response, json
from marshmallow import Schema, fields
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

PROBLEM = "application/problem+json"


class FieldErrorSchema(Schema):
    field = fields.String(required=True, metadata={"description": "Path of the failing field, e.g. needs[0]"})
    message = fields.String(required=True)
    accepted = fields.List(fields.String(), metadata={"description": "The values this field accepts"})
    did_you_mean = fields.List(fields.String(), metadata={"description": "Accepted values closest to the one sent"})


class ProblemSchema(Schema):
    """The body of every error response."""
    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    errors = fields.List(fields.Nested(FieldErrorSchema), metadata={"description": "One entry per failing field"})
    current_etag = fields.String(metadata={"description": "412: the listing's current ETag"})
    current_status = fields.String(metadata={"description": "409 on a referral: its status now"})


ERROR_DESCRIPTIONS = {
    400: "The request is malformed (for example, not valid JSON)",
    401: "No valid credentials",
    403: "This role or organisation may not do this",
    404: "Not found",
    409: "The request conflicts with the current state (of the listing, or of the referral: see current_status)",
    412: "If-Match is stale: nothing was changed",
    413: "The body is too large",
    414: "The query string is too long",
    415: "The body is not JSON",
    422: "Invalid fields; `errors` names each one",
    428: "If-Match is missing",
    429: "Too many attempts",
    503: "The search engine is unavailable; retry after Retry-After seconds",
}


def documents_errors(blp, *codes: int):  # noqa: ANN001 - a flask-smorest Blueprint
    """Declare these error responses (problem+json) on a view."""
    def wrap(view):  # noqa: ANN001
        for code in codes:
            view = blp.alt_response(code, schema=ProblemSchema, content_type=PROBLEM,
                                    description=ERROR_DESCRIPTIONS[code])(view)
        return view
    return wrap


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
        out.extend(_field_error(prefix or "body", m) for m in messages)
    elif isinstance(messages, list):
        for i, sub in enumerate(messages):
            out.extend(flatten_messages(sub, f"{prefix}[{i}]"))
    else:
        out.append(_field_error(prefix or "body", str(messages)))
    return out


def _field_error(field: str, message: str) -> dict:
    """A field error; a choice's message (``directory.vocabulary.ChoiceMessage``) also gives the accepted
    values and the nearest ones as lists."""
    entry: dict[str, Any] = {"field": field, "message": str(message)}
    for key in ("accepted", "did_you_mean"):
        if getattr(message, key, None):
            entry[key] = list(getattr(message, key))
    return entry


def from_http_exception(error: HTTPException) -> Response:
    data = getattr(error, "data", None) or {}
    errors = flatten_messages(data["messages"]) if "messages" in data else None
    status = error.code or 500
    detail = data.get("message") or error.description
    if errors and status == 422:
        detail = "The request has invalid fields: " + ", ".join(e["field"] for e in errors)
    return problem(status, detail, errors=errors, headers=data.get("headers"))
