"""Withdrawing a participant's consent, or setting when it expires, on a referral or a diversion
(``directory.consents``): for the JSON API and the pages alike."""
from __future__ import annotations

from typing import TYPE_CHECKING

from datetime import datetime

from api.usecases.errors import Conflict, Forbidden, Invalid, NotFound
from directory import consents as domain
from directory import disclosure, diversions
from directory.accounts import User
from directory.referral_states import utcnow

if TYPE_CHECKING:
    from api.runtime import Runtime


def service(rt: Runtime) -> domain.Consents:
    return domain.Consents(rt.store.es, rt.store.catalogue, rt.store.audit)


def change(rt: Runtime, user: User, kind: str, record_id: str, body: dict, now: datetime | None = None) -> dict:
    """Withdraw (``body["withdraw"]``) or set a new ``expires_at``; returns the consent's state."""
    now = now or utcnow()
    consents = service(rt)
    try:
        if body.get("withdraw"):
            doc = consents.withdraw(kind, record_id, user, now)
        else:
            if body["expires_at"] <= now:
                raise Invalid("expires_at", "must be in the future (to end it now, withdraw it)")
            doc = consents.set_expiry(kind, record_id, user, body["expires_at"], now)
    except domain.NotFound:
        raise NotFound(f"No {kind} {record_id!r}.") from None
    except domain.NotAllowed:
        raise Forbidden(f"Only the {kind}'s own program may change its consent.") from None
    except domain.AlreadyWithdrawn:
        raise Conflict("This consent was already withdrawn; a new consent is a new " + kind + ".",
                       current_state="withdrawn") from None
    return view(kind, doc, now)


def view(kind: str, doc: dict, now: datetime) -> dict:
    consent = doc.get("consent") or {}
    state = disclosure.consent_state(doc, now) if kind == "referral" else diversions.consent_state(doc, now)
    return {"kind": kind, "id": doc["id"], "state": state, "expires_at": consent.get("expires_at"),
            "withdrawn_at": consent.get("withdrawn_at")}
