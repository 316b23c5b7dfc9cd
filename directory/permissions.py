"""Who may do what: one table of actions, each with the roles that may take it and the scope each role
has. ``api.auth.require``, the pages (``page_for`` and their menus), the templates (``may``), the
domain's scope checks and the README's matrix (``lead permissions``) all read this table.

Scopes:
- ``any``: every record.
- ``own organisation``: the listings (and their referrals, capacity, history) of the organisations the
  provider account is bound to; another organisation's is refused.
- ``own program``: the referrals of the account's LEAD program, or only its own without a program.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Protocol

# The roles, named here and nowhere else (tests/test_role_names.py): other modules read these names.
ADMIN, CASE_MANAGER, OFFICER, PROVIDER = "admin", "case_manager", "officer", "provider"
ROLES = (ADMIN, CASE_MANAGER, OFFICER, PROVIDER)

ANY = "any"
OWN_ORGANIZATION = "own organisation"
OWN_PROGRAM = "own program"
SCOPES = (ANY, OWN_ORGANIZATION, OWN_PROGRAM)


class Person(Protocol):
    role: str
    organizations: list[str]
    program: str | None


@dataclass(frozen=True)
class Action:
    name: str
    what: str  # in the README's matrix
    grants: dict[str, str]  # role -> scope
    calls: tuple[str, ...] = ()  # the API calls and pages that take it (the README's matrix)


def _grant(scope_by_role: dict[str, str] | None = None, **roles: str) -> dict[str, str]:
    return {**(scope_by_role or {}), **roles}


_READERS = {"admin": ANY, "case_manager": ANY, "officer": ANY}
_EVERYONE = {**_READERS, "provider": OWN_ORGANIZATION}

ACTIONS: tuple[Action, ...] = (
    Action("directory.browse", "browse the directory, the need taxonomy, one's own account", _EVERYONE,
           ("GET /api/v1/services", "POST /api/v1/services/search", "GET /api/v1/taxonomy", "GET /api/v1/me")),
    Action("listing.read", "read one listing", _EVERYONE, ("GET /api/v1/services/{id}",)),
    Action("listing.page", "the listing page: everything the directory holds about one listing", _EVERYONE,
           ("/listings/{id}",)),
    Action("search.match", "match a participant, nearby now, the bed board", _READERS,
           ("POST /api/v1/match", "GET/POST /api/v1/nearby", "GET /api/v1/capacity", "/nearby")),
    Action("placement.plan", "the case manager's page: find services for a participant", _grant(
        admin=ANY, case_manager=ANY), ("/match",)),
    Action("listing.edit", "change a listing, its beds, confirm them", _grant(admin=ANY, provider=OWN_ORGANIZATION),
           ("PATCH /api/v1/services/{id}", "PUT .../capacity", "POST .../capacity/confirm", "/provider")),
    Action("capacity.history", "read a listing's capacity history", _grant(
        admin=ANY, case_manager=ANY, provider=OWN_ORGANIZATION), ("GET /api/v1/services/{id}/capacity/history",)),
    Action("suggestion.make", "suggest a correction to any listing", _grant(
        admin=ANY, case_manager=ANY, provider=ANY), ("POST /api/v1/services/{id}/suggestions", "/suggest")),
    Action("suggestion.decide", "list, accept and reject suggested corrections", _grant(admin=ANY),
           ("GET /api/v1/suggestions", "POST /api/v1/suggestions/{id}/accept", "POST .../reject")),
    Action("referral.send", "refer a participant to up to three listings", _READERS,
           ("POST /api/v1/referrals", "/referrals/new")),
    Action("referral.follow", "see referrals and move them (sent, viewed, accepted, ...)", _grant(
        admin=ANY, case_manager=OWN_PROGRAM, officer=OWN_PROGRAM, provider=OWN_ORGANIZATION),
           ("GET /api/v1/referrals", "POST /api/v1/referrals/search", "GET /api/v1/referrals/{id}",
            "POST /api/v1/referrals/{id}/status", "/referrals")),
    Action("referral.inbox", "the provider's inbox of incoming referrals", _grant(
        admin=ANY, provider=OWN_ORGANIZATION), ("/provider/referrals",)),
    Action("referral.outcomes", "a listing's referral acceptance and decline rates", _grant(
        admin=ANY, case_manager=ANY), ("GET /api/v1/services/{id}/referral-outcomes",)),
    Action("diversion.record", "divert a person to the LEAD program (from Nearby now)", _grant(
        admin=ANY, officer=OWN_PROGRAM), ("POST /api/v1/diversions", "/diversions/new")),
    Action("diversion.follow", "see diversions and move them: officers their own, case managers their program's", _grant(
        admin=ANY, case_manager=OWN_PROGRAM, officer=OWN_PROGRAM),
           ("GET /api/v1/diversions", "GET /api/v1/diversions/{id}", "POST /api/v1/diversions/{id}/status",
            "/diversions")),
    Action("diversion.inbox", "be on call: claim a diversion of one's program, contact, enrol, close", _grant(
        admin=ANY, case_manager=OWN_PROGRAM), ("POST /api/v1/diversions/{id}/status",)),
    Action("diversion.supervise", "the supervisor's view: escalated diversions and who holds each", _grant(
        admin=ANY), ("GET /api/v1/diversions/escalations", "/diversions/supervisor")),
    Action("consent.withdraw", "withdraw a participant's consent, or set when it expires", _grant(
        admin=ANY, case_manager=OWN_PROGRAM),
           ("POST /api/v1/referrals/{id}/consent", "POST /api/v1/diversions/{id}/consent", "/consent")),
    Action("referral.answer_link", "give a provider without an account a single-use link to answer", _grant(
        admin=ANY, case_manager=OWN_PROGRAM, officer=OWN_PROGRAM),
           ("POST /api/v1/referrals/{id}/answer-link", "/referrals/{id}/answer-link")),
    Action("report.read", "the program reports and their CSV and JSON exports", _grant(admin=ANY),
           ("GET /api/v1/reports/program", "/reports")),
    Action("hsds.read", "read the HSDS 3.0 API (anyone when the directory is public)", _READERS, ("GET /hsds/...",)),
    Action("audit.read", "read the audit trail", _grant(admin=ANY), ("GET /api/v1/audit", "/admin/audit")),
    Action("organizations.list", "list the organisations (to bind provider accounts)", _grant(admin=ANY),
           ("GET /api/v1/organizations", "/admin/organizations")),
    Action("accounts.manage", "create, disable, enable accounts and issue their tokens", _grant(admin=ANY),
           ("GET/POST /api/v1/users", "POST /api/v1/users/{u}/disable|enable|token", "/admin/accounts")),
    Action("webhooks.manage", "set and remove organisations' webhooks, read deliveries", _grant(admin=ANY),
           ("PUT/DELETE /api/v1/organizations/{id}/webhook", "GET /api/v1/webhooks", "/admin/webhooks")),
    Action("directory.admin", "the admin pages: ingest runs and their reports", _grant(admin=ANY),
           ("/admin", "/admin/ingest")),
)
BY_NAME: dict[str, Action] = {a.name: a for a in ACTIONS}


class UnknownAction(KeyError):
    pass


def action(name: str) -> Action:
    try:
        return BY_NAME[name]
    except KeyError:
        raise UnknownAction(name) from None


def may(person: Person | str | None, name: str) -> bool:
    """Whether this account (or role) may take the action at all, whatever its scope."""
    role = person if isinstance(person, str) or person is None else person.role
    return role in action(name).grants


def scope(person: Person, name: str) -> str | None:
    """The scope this account has for the action, or None when it may not take it."""
    return action(name).grants.get(person.role)


def covers_organization(person: Person, name: str, organization_id: str) -> bool:
    """Whether the account may take the action on a record of this organisation."""
    got = scope(person, name)
    return got == ANY or (got == OWN_ORGANIZATION and organization_id in (person.organizations or []))


def bound_to_organizations(role: str) -> bool:
    """Whether accounts of this role act for organisations (some action is theirs for their own only)."""
    return any(a.grants.get(role) == OWN_ORGANIZATION for a in ACTIONS)


def in_a_program(role: str) -> bool:
    """Whether accounts of this role may belong to a LEAD program (they follow their program's referrals)."""
    return any(a.grants.get(role) == OWN_PROGRAM for a in ACTIONS)


def roles(name: str) -> tuple[str, ...]:
    """The roles that may take the action, in the order of ``ROLES``."""
    grants = action(name).grants
    return tuple(r for r in ROLES if r in grants)


def matrix_markdown(actions: Iterable[Action] = ACTIONS) -> str:
    """The README's who-may-do-what table, made from this one."""
    head = "| action | " + " | ".join(ROLES) + " | calls and pages |"
    lines = [head, "|" + "---|" * (len(ROLES) + 2)]
    for a in actions:
        cells = []
        for role in ROLES:
            got = a.grants.get(role)
            cells.append("no" if got is None else ("yes" if got == ANY else got))
        lines.append(f"| {a.what} (`{a.name}`) | " + " | ".join(cells) + " | "
                     + ", ".join(f"`{c}`" for c in a.calls) + " |")
    return "\n".join(lines)
