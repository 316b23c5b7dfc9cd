"""Liveness and readiness."""
from __future__ import annotations

from api.problem import documents_errors, problem
from api.runtime import Blueprint, runtime
from api.schemas import HealthSchema, ReadySchema

blp = Blueprint("health", __name__, description="Liveness and readiness probes")


@blp.route("/healthz")
@blp.doc(security=[])
@blp.response(200, HealthSchema)
def healthz():
    """The process is up (no dependency is checked)."""
    return {"status": "ok"}


@blp.route("/readyz")
@blp.doc(security=[])
@blp.response(200, ReadySchema)
@documents_errors(blp, 503)
def readyz():
    """The engine answers and the listings alias exists."""
    store = runtime().store
    index = store.listings.live_index()
    if not index:
        return problem(503, "The directory has not been loaded yet (no listings alias).", headers={"Retry-After": "30"})
    return {"status": "ready", "index": index, "listings": store.listings.count()}
