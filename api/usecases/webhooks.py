"""Organisations' webhooks: set one (a new signing secret, shown once) or remove it; each audited."""
from __future__ import annotations

from typing import TYPE_CHECKING

from api.usecases.errors import Invalid, NotFound
from directory.accounts import User
from directory.webhook_targets import TargetRefused

if TYPE_CHECKING:
    from api.runtime import Runtime


class UnknownOrganization(NotFound):
    """No organisation by that id in the directory (404)."""


def configure(rt: Runtime, who: User, organization_id: str, url: str) -> dict:
    """Set an organisation's webhook URL (a loaded ``WebhookRequestSchema``'s) with a new secret; returns it
    with the secret, shown this once. ``UnknownOrganization``, or 422 on ``url`` for a target refused."""
    if organization_id not in rt.store.listings.organization_ids([organization_id]):
        raise UnknownOrganization(f"No organisation {organization_id!r} in the directory.")
    rt.store.ensure_indices()
    try:
        made = rt.webhooks.configure(organization_id, url, by=who.username)
    except TargetRefused as exc:
        raise Invalid("url", str(exc), detail=f"This webhook URL cannot be used: {exc}.") from None
    rt.store.audit("webhook.set", actor=who.username, field="webhook",
                   new={"organization_id": organization_id, "url": url, "fingerprint": made["fingerprint"]})
    return made


def remove(rt: Runtime, who: User, organization_id: str) -> dict:
    """Stop sending an organisation's events; ``NotFound`` when it has no webhook."""
    if not rt.webhooks.remove(organization_id):
        raise NotFound(f"No webhook for {organization_id!r}.")
    rt.store.audit("webhook.remove", actor=who.username, field="webhook", new={"organization_id": organization_id})
    return {"organization_id": organization_id, "url": None}
