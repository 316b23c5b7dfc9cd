"""Admin: the audit trail and accounts; and /api/v1/me for everyone."""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from api.auth import require, user
from api.bounds import Instant
from api.inputs import NewUserSchema
from api.problem import documents_errors
from api.runtime import Blueprint, runtime
from api.schemas import AuditSchema, CreatedUserSchema, TokenSchema, UserSchema, UsersSchema
from api.usecases import accounts

blp = Blueprint("admin", __name__, url_prefix="/api/v1", description="Audit trail and accounts")


class AuditQuerySchema(Schema):
    class Meta:
        unknown = RAISE

    listing_id = fields.String(validate=validate.Length(max=200))
    actor = fields.String(validate=validate.Length(max=64))
    action = fields.String(validate=validate.Length(max=64))
    since = Instant()
    size = fields.Integer(load_default=100, validate=validate.Range(1, 1000))


@blp.route("/audit")
@require("audit.read")
@blp.arguments(AuditQuerySchema, location="query", unknown=RAISE)
@blp.response(200, AuditSchema)
@documents_errors(blp, 401, 403, 422)
def audit(args: dict):
    """Changes to directory data, capacity, ingest runs and accounts: who, when, field, old and new."""
    since = args["since"].isoformat() if args.get("since") else None
    events = runtime().store.audit_trail.events(listing_id=args.get("listing_id"), actor=args.get("actor"),
                                          action=args.get("action"), since=since, size=args["size"])
    # Each event also in the shape of an HSDS ``metadata`` row.
    for e in events:
        new = e.get("new")
        e["metadata"] = {
            "resource_id": e.get("listing_id") or (new.get("username") if isinstance(new, dict) else None),
            "resource_type": "service_at_location" if e.get("listing_id") else
            ("account" if e["action"].startswith("account") else "directory"),
            "last_action_date": e["at"], "last_action_type": e["action"], "field_name": e.get("field"),
            "previous_value": e.get("old"), "replacement_value": e.get("new"), "updated_by": e["actor"],
        }
    return {"events": events}


@blp.route("/me")
@require("directory.browse")
@blp.response(200, UserSchema)
@documents_errors(blp, 401)
def me():
    """The signed-in account."""
    return user().public()


@blp.route("/users")
@require("accounts.manage")
@blp.response(200, UsersSchema)
@documents_errors(blp, 401, 403)
def list_users():
    """Every account (no secrets)."""
    return {"users": [u.public() for u in runtime().accounts.list()]}


@blp.route("/users", methods=["POST"])
@require("accounts.manage")
@blp.arguments(NewUserSchema)
@blp.response(201, CreatedUserSchema)
@documents_errors(blp, 400, 401, 403, 415, 422)
def create_user(body: dict):
    """Create an account; the response carries its API token, shown this once. A provider is bound to
    organisations that exist in the directory (see GET /api/v1/organizations)."""
    created, token = accounts.create(runtime(), user().username, body)
    return {**created.public(), "token": token}


@blp.route("/users/<string:username>/disable", methods=["POST"])
@require("accounts.manage")
@blp.response(200, UserSchema)
@documents_errors(blp, 401, 403, 404)
def disable_user(username: str):
    """Disable an account: its tokens and sessions stop working at once."""
    return accounts.set_disabled(runtime(), user().username, username, True).public()


@blp.route("/users/<string:username>/enable", methods=["POST"])
@require("accounts.manage")
@blp.response(200, UserSchema)
@documents_errors(blp, 401, 403, 404)
def enable_user(username: str):
    """Enable a disabled account again: its current token and password work again (sessions ended by the
    disabling stay ended)."""
    return accounts.set_disabled(runtime(), user().username, username, False).public()


@blp.route("/users/<string:username>/token", methods=["POST"])
@require("accounts.manage")
@blp.response(200, TokenSchema)
@documents_errors(blp, 401, 403, 404)
def reset_token(username: str):
    """Revoke the account's tokens and issue a new one, shown this once."""
    return {"username": username, "token": accounts.reset_token(runtime(), user().username, username)}
