"""Admin: the audit trail and accounts; and /api/v1/me for everyone."""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from api.auth import require, user
from api.bounds import Instant
from api.problem import documents_errors, problem
from api.runtime import Blueprint, runtime
from api.schemas import AuditSchema, CreatedUserSchema, TokenSchema, UserSchema, UsersSchema
from directory.accounts import ROLES, AccountError

blp = Blueprint("admin", __name__, url_prefix="/api/v1", description="Audit trail and accounts")


class AuditQuerySchema(Schema):
    class Meta:
        unknown = RAISE

    listing_id = fields.String(validate=validate.Length(max=200))
    actor = fields.String(validate=validate.Length(max=64))
    action = fields.String(validate=validate.Length(max=64))
    since = Instant()
    size = fields.Integer(load_default=100, validate=validate.Range(1, 1000))


class NewUserSchema(Schema):
    class Meta:
        unknown = RAISE

    username = fields.String(required=True, validate=validate.Length(min=3, max=64))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    organizations = fields.List(fields.String(validate=validate.Length(min=1, max=200)), load_default=list,
                                validate=validate.Length(max=50))
    display_name = fields.String(validate=validate.Length(max=200))
    program = fields.String(validate=validate.Length(min=2, max=64), metadata={
        "description": "Case managers and officers: their LEAD site (e.g. 'hartford'); they see its referrals"})
    password = fields.String(validate=validate.Length(min=12, max=200), load_only=True)


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
    try:
        created, token = new_account(body, actor=user().username)
    except UnknownOrganizations as exc:
        return problem(422, f"No organisation {', '.join(map(repr, exc.missing))} in the directory; "
                            "see GET /api/v1/organizations.",
                       errors=[{"field": "organizations", "message": f"unknown organisation {m!r}"} for m in exc.missing])
    except AccountError as exc:
        field = next((f for f in ("username", "program", "password") if f in str(exc)), "role")
        return problem(422, str(exc), errors=[{"field": field, "message": str(exc)}])
    return {**created.public(), "token": token}


class UnknownOrganizations(AccountError):
    def __init__(self, missing: list[str]):
        super().__init__(f"unknown organisations: {', '.join(missing)}")
        self.missing = missing


def new_account(body: dict, *, actor: str):
    """Create an account from a loaded ``NewUserSchema`` body (API and admin page); returns (user, token).
    Raises ``UnknownOrganizations`` or ``AccountError``."""
    missing = sorted(set(body["organizations"]) - runtime().store.listings.organization_ids(body["organizations"]))
    if missing:
        raise UnknownOrganizations(missing)
    return runtime().accounts.create(
        body["username"], body["role"], organizations=body["organizations"], password=body.get("password"),
        display_name=body.get("display_name"), program=body.get("program"), actor=actor)


@blp.route("/users/<string:username>/disable", methods=["POST"])
@require("accounts.manage")
@blp.response(200, UserSchema)
@documents_errors(blp, 401, 403, 404)
def disable_user(username: str):
    """Disable an account: its tokens and sessions stop working at once."""
    try:
        return runtime().accounts.set_disabled(username, True, actor=user().username).public()
    except AccountError as exc:
        return problem(404, str(exc))


@blp.route("/users/<string:username>/enable", methods=["POST"])
@require("accounts.manage")
@blp.response(200, UserSchema)
@documents_errors(blp, 401, 403, 404)
def enable_user(username: str):
    """Enable a disabled account again: its current token and password work again (sessions ended by the
    disabling stay ended)."""
    try:
        return runtime().accounts.set_disabled(username, False, actor=user().username).public()
    except AccountError as exc:
        return problem(404, str(exc))


@blp.route("/users/<string:username>/token", methods=["POST"])
@require("accounts.manage")
@blp.response(200, TokenSchema)
@documents_errors(blp, 401, 403, 404)
def reset_token(username: str):
    """Revoke the account's tokens and issue a new one, shown this once."""
    try:
        return {"username": username, "token": runtime().accounts.reset_token(username, actor=user().username)}
    except AccountError as exc:
        return problem(404, str(exc))
