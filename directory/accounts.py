"""Accounts and roles, stored in ``<prefix>-users`` with secrets only as strong hashes.

- Passwords (web sign-in) are hashed with scrypt (Werkzeug's default method).
- API tokens are 256-bit random secrets shown once; the store keeps their SHA-256 (a slow hash
  adds nothing for secrets of that entropy). A token names its account; the account's document is read
  once and then kept in the process (``_AccountCache``), so checking a token or a session costs no
  engine round trip. Every account change rewrites one document (``<prefix>-account-changes``) after
  the account itself; each process reads that document's sequence number at most once per
  ``GENERATION_SECONDS`` and forgets every cached account when it moved. So disabling an account,
  revoking its tokens, a new password or signing out reaches every worker of every app server within
  ``GENERATION_SECONDS`` (0.5 s), at the cost of one read by id per process per half second. A check
  that would refuse (unknown token or session, disabled) reads the account again before refusing.
- Repeated failed sign-ins lock the *pair* of that username and that client for a while, so nobody
  can lock someone else out at will; unknown and known usernames are counted and answered alike.
- A browser session exists server-side too (a random id per sign-in, kept hashed on the account):
  signing out, a new password and disabling the account end it, whatever a captured cookie says.
- Case managers and officers may belong to a *program* (their LEAD site, e.g. ``hartford``): they see
  their program's referrals. Without one, they see only the referrals they sent themselves.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from elasticsearch import Elasticsearch
from werkzeug.security import check_password_hash, generate_password_hash

from directory import permissions
from directory.indices.catalogue import Catalogue, StaleWrite
from directory.indices.users import AccountChangesIndex, SigninFailureIndex, UserIndex, UsernameTaken
from directory.settings import Settings

ROLES = permissions.ROLES
MAX_FAILED_LOGINS = 5
LOCK_MINUTES = 15
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{2,63}$")
PROGRAM = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")

MAX_SESSIONS = 20  # per account: signing in on a 21st device ends the oldest session

# How often a process asks whether any account changed: the longest a change made in one process (an account
# disabled, a token revoked) goes unseen by another.
GENERATION_SECONDS = 0.5
CACHE_ACCOUNTS = 10_000  # accounts kept per process and directory; more and the cache starts again
_UNREAD = object()


class _AccountCache:
    """The account documents one process has read, for one users index, and the generation they belong to."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.docs: dict[str, dict] = {}
        self.generation: object = _UNREAD
        self.checked_at = float("-inf")


_CACHES: dict[str, _AccountCache] = {}
_CACHES_LOCK = threading.Lock()


def _cache_of(index: str) -> _AccountCache:
    """The process-wide cache of one users index (every ``Accounts`` over it shares it, as workers' threads do)."""
    with _CACHES_LOCK:
        return _CACHES.setdefault(index, _AccountCache())


class AccountError(ValueError):
    """Bad account data (unknown role, provider without organisation, taken username...); ``field`` names
    the account field at fault."""

    def __init__(self, message: str, field: str = "username"):
        super().__init__(message)
        self.field = field


class AccountDisabled(Exception):
    """Valid credentials of an account an administrator has disabled."""


class LoginLocked(Exception):
    def __init__(self, until: datetime):
        super().__init__("too many failed sign-ins")
        self.until = until


@dataclass
class User:
    username: str
    role: str
    organizations: list[str] = field(default_factory=list)
    display_name: str | None = None
    disabled: bool = False
    program: str | None = None

    def can_edit(self, organization_id: str) -> bool:
        return permissions.covers_organization(self, "listing.edit", organization_id)

    def public(self) -> dict:
        return {"username": self.username, "role": self.role, "organizations": self.organizations,
                "display_name": self.display_name, "disabled": self.disabled, "program": self.program}


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _encode_name(username: str) -> str:
    return base64.urlsafe_b64encode(username.encode()).decode().rstrip("=")


def _decode_name(text: str) -> str:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()


class Accounts:
    """Accounts in Elasticsearch. Every change is audited through ``audit`` (a Store method)."""

    def __init__(self, es: Elasticsearch, settings: Settings, audit=None):
        self.es = es
        self.settings = settings
        self.catalogue = Catalogue(es, settings)
        self.users = UserIndex(es, self.catalogue)
        self.failures = SigninFailureIndex(es, self.catalogue)
        self.changes = AccountChangesIndex(es, self.catalogue)
        self.index = self.users.index
        self.failures_index = self.failures.index
        self.changes_index = self.changes.index
        self._audit = audit or (lambda *a, **k: None)
        self._cache = _cache_of(self.index)
        self._clock = time.monotonic

    def ensure_index(self) -> None:
        self.catalogue.ensure("users", "signin_failures", "account_changes")

    # ----- the cache of verified accounts -------------------------------------------------------
    def _generation(self) -> object:
        """Where the account-changes document stands: (primary term, sequence number), None before any change.
        A sequence number is never reused, so a changed generation always reads as changed."""
        return self.changes.generation()

    def _changed(self) -> None:
        """After an account write: every process forgets its cached accounts (this one now, others within
        ``GENERATION_SECONDS``)."""
        self.changes.bump(_now().isoformat())
        self.forget()

    def forget(self) -> None:
        """Drop this process's cached accounts (the next check reads the generation again)."""
        with self._cache.lock:
            self._cache.docs.clear()
            self._cache.generation = _UNREAD
            self._cache.checked_at = float("-inf")

    def _cached(self, username: str, *, fresh: bool = False) -> tuple[dict | None, bool]:
        """(the account document, whether it came from this process's cache): the cached one when no
        account changed since it was read, else read now."""
        cache, now = self._cache, self._clock()
        if now - cache.checked_at >= GENERATION_SECONDS:
            generation = self._generation()
            with cache.lock:
                if generation != cache.generation:
                    cache.docs.clear()
                    cache.generation = generation
                cache.checked_at = now
        if not fresh:
            doc = cache.docs.get(username)
            if doc is not None:
                return doc, True
        generation = cache.generation
        found = self._get(username)
        with cache.lock:
            if found is None:
                cache.docs.pop(username, None)
            elif cache.generation is generation:  # no change seen while it was read: keep it
                if len(cache.docs) >= CACHE_ACCOUNTS:
                    cache.docs.clear()
                cache.docs[username] = found[0]
        return (found[0] if found else None), False

    def _verified(self, username: str, check):  # noqa: ANN001, ANN202 - check(doc) -> (verdict, ok)
        """``check`` over the cached account; a refusal is checked again over the account read afresh, so
        a token or session made in another process a moment ago is never refused for being unknown here."""
        doc, cached = self._cached(username)
        verdict = check(doc) if doc is not None else (None, False)
        if verdict[1] or not cached:
            return verdict[0]
        doc, _ = self._cached(username, fresh=True)
        return check(doc)[0] if doc is not None else None

    def _get(self, username: str) -> tuple[dict, dict] | None:
        return self.users.get(username)

    @staticmethod
    def _user(doc: dict) -> User:
        return User(doc["username"], doc["role"], list(doc.get("organizations") or []), doc.get("display_name"),
                    bool(doc.get("disabled")), doc.get("program"))

    # ----- administration ---------------------------------------------------------------------
    def create(self, username: str, role: str, *, organizations: list[str] | None = None,
               password: str | None = None, display_name: str | None = None, program: str | None = None,
               actor: str = "system") -> tuple[User, str]:
        """Create an account; returns the user and its first API token (shown once). ``program`` is the
        LEAD site of a case manager or officer, which scopes the referrals they see."""
        username = username.strip().lower()
        if not USERNAME.match(username):
            raise AccountError("username must be 3-64 characters: lower-case letters, digits, . _ @ -")
        if role not in ROLES:
            raise AccountError(f"role must be one of {', '.join(ROLES)}", "role")
        organizations = sorted(set(organizations or []))
        if permissions.bound_to_organizations(role) and not organizations:
            raise AccountError(f"a {role} account must be bound to at least one organisation", "role")
        if password is not None and len(password) < 12:
            raise AccountError("passwords must have at least 12 characters", "password")
        program = (program or "").strip().lower() or None
        if program and not PROGRAM.match(program):
            raise AccountError("program must be 2-64 characters: lower-case letters, digits, . _ -", "program")
        if program and not permissions.in_a_program(role):
            raise AccountError("only case managers and officers belong to a program", "program")
        self.ensure_index()
        token, token_entry = self._new_token(username)
        now = _now().isoformat()
        doc = {"username": username, "role": role, "organizations": organizations, "display_name": display_name,
               "program": program, "password_hash": generate_password_hash(password) if password else None, "tokens": {"items": [token_entry]},
               "disabled": False, "failed_logins": 0, "locked_until": None, "created_at": now, "updated_at": now}
        try:
            self.users.create(username, doc)
        except UsernameTaken:
            raise AccountError(f"the username {username!r} is taken") from None
        self._audit("account.create", actor=actor, field="account", new={"username": username, "role": role,
                                                                          "organizations": organizations,
                                                                          "program": program})
        return self._user(doc), token

    def _new_token(self, username: str) -> tuple[str, dict]:
        secret = secrets.token_urlsafe(32)
        token_id = secrets.token_hex(4)
        return (f"lead.{_encode_name(username)}.{token_id}.{secret}",
                {"id": token_id, "sha256": _digest(secret), "created_at": _now().isoformat()})

    def _update(self, username: str, change, *, retries: int = 20) -> dict:
        for _ in range(retries):
            found = self._get(username)
            if not found:
                raise AccountError(f"no account {username!r}")
            doc, seq = found
            change(doc)
            doc["updated_at"] = _now().isoformat()
            try:
                self.users.save(username, doc, seq)
            except StaleWrite:
                continue
            self._changed()
            return doc
        raise AccountError(f"could not update {username!r}: too much contention")

    def reset_token(self, username: str, *, actor: str = "system") -> str:
        """Revoke every token of the account and issue a new one (shown once)."""
        token, entry = self._new_token(username)
        self._update(username, lambda d: d.update(tokens={"items": [entry]}))
        self._audit("account.reset_token", actor=actor, field="account", new={"username": username})
        return token

    def set_disabled(self, username: str, disabled: bool, *, actor: str = "system") -> User:
        doc = self._update(username, lambda d: d.update(disabled=disabled, sessions={"items": []}))
        self._audit("account.disable" if disabled else "account.enable", actor=actor, field="account",
                    new={"username": username})
        return self._user(doc)

    def set_password(self, username: str, password: str, *, actor: str = "system") -> None:
        if len(password) < 12:
            raise AccountError("passwords must have at least 12 characters", "password")
        hashed = generate_password_hash(password)
        self._update(username, lambda d: d.update(password_hash=hashed, sessions={"items": []}))
        self._audit("account.password", actor=actor, field="account", new={"username": username})

    def list(self) -> list[User]:
        return [self._user(doc) for doc in self.users.list()]

    def get(self, username: str) -> User | None:
        found = self._get(username)
        return self._user(found[0]) if found else None

    # ----- authentication ---------------------------------------------------------------------
    def authenticate_token(self, token: str) -> User | None:
        """The active account a bearer token belongs to, or None; raises ``AccountDisabled`` for a
        valid token of a disabled account, so the caller can say so."""
        parts = token.split(".")
        if len(parts) != 4 or parts[0] != "lead":
            return None
        try:
            username = _decode_name(parts[1])
        except (ValueError, UnicodeDecodeError):
            return None
        if not USERNAME.match(username):
            return None
        digest = _digest(parts[3])

        def check(doc: dict) -> tuple[User | str | None, bool]:
            for entry in (doc.get("tokens") or {}).get("items", []):
                if entry["id"] == parts[2] and hmac.compare_digest(entry["sha256"], digest):
                    return ("disabled", False) if doc.get("disabled") else (self._user(doc), True)
            return None, False

        verdict = self._verified(username, check)
        if verdict == "disabled":
            raise AccountDisabled(username)
        return verdict

    def authenticate_password(self, username: str, password: str, *, client: str = "") -> User | None:
        """Check a password; raises ``LoginLocked`` while this username is locked for this client.

        Failures are counted per (username, client), for unknown usernames exactly as for known ones,
        so one client's failures never lock the account for anyone else. Every attempt runs exactly one
        password check of the same cost, whatever the account's state (unknown, without a password,
        disabled, locked, wrong or right password), so the time an answer takes says nothing about it.
        """
        username = username.strip().lower()
        key = _digest(f"{username}|{client}")
        failures = self._failures(key)
        found = self._get(username) if USERNAME.match(username) else None
        stored = (found[0].get("password_hash") if found else None) or _DUMMY_HASH
        ok = check_password_hash(stored, password) and stored is not _DUMMY_HASH
        locked = failures.get("locked_until") if failures else None
        if locked and datetime.fromisoformat(locked) > _now():
            raise LoginLocked(datetime.fromisoformat(locked))
        if ok and not found[0].get("disabled"):
            if failures:
                self.failures.clear(key)
            return self._user(found[0])
        count = int((failures or {}).get("count") or 0) + 1
        doc = {"count": 0 if count >= MAX_FAILED_LOGINS else count, "updated_at": _now().isoformat(),
               "locked_until": (_now() + timedelta(minutes=LOCK_MINUTES)).isoformat() if count >= MAX_FAILED_LOGINS
               else None}
        self.failures.put(key, doc)
        if doc["locked_until"]:
            self._audit("signin.locked", actor="anonymous", field="account",
                        new={"username": username, "client": _digest(client)[:12]})
        return None

    def _failures(self, key: str) -> dict | None:
        return self.failures.get(key)

    # ----- browser sessions ---------------------------------------------------------------------
    def start_session(self, username: str) -> str:
        """A new server-side session for this account; the id goes in the signed cookie."""
        sid = secrets.token_urlsafe(24)
        entry = {"id": _digest(sid), "created_at": _now().isoformat()}

        def add(doc: dict) -> None:
            items = list((doc.get("sessions") or {}).get("items") or [])
            doc["sessions"] = {"items": (items + [entry])[-MAX_SESSIONS:]}

        self._update(username, add)
        return sid

    def end_session(self, username: str, sid: str) -> None:
        digest = _digest(sid or "")

        def drop(doc: dict) -> None:
            items = (doc.get("sessions") or {}).get("items") or []
            doc["sessions"] = {"items": [i for i in items if i["id"] != digest]}

        try:
            self._update(username, drop)
        except AccountError:
            pass  # the account is gone: so is the session

    def session_user(self, username: str, sid: str) -> tuple[User | None, str]:
        """(the account, "ok") when this session of it is still open; else (None, "none" or "disabled")."""
        if not USERNAME.match(username or ""):
            return None, "none"
        digest = _digest(sid or "")

        def check(doc: dict) -> tuple[tuple[User | None, str], bool]:
            if doc.get("disabled"):
                return (None, "disabled"), False
            if not any(hmac.compare_digest(i["id"], digest) for i in (doc.get("sessions") or {}).get("items") or []):
                return (None, "none"), False
            return (self._user(doc), "ok"), True

        return self._verified(username, check) or (None, "none")


_DUMMY_HASH = generate_password_hash("not-a-real-password-just-for-timing")
