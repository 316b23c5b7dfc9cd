"""Liveness and readiness."""
from __future__ import annotations

from elasticsearch import TransportError
from elastic_transport import TransportError as LowTransportError
from flask_smorest import Blueprint

from api.app import runtime
from api.problem import problem

blp = Blueprint("health", __name__, description="Liveness and readiness probes")


@blp.route("/healthz")
@blp.doc(security=[])
@blp.response(200)
def healthz():
    """The process is up (no dependency is checked)."""
    return {"status": "ok"}


@blp.route("/readyz")
@blp.doc(security=[])
@blp.response(200)
@blp.alt_response(503, description="The engine is unreachable or the directory is not loaded")
def readyz():
    """The engine answers and the listings alias exists."""
    rt = runtime()
    try:
        index = rt.store.live_index()
    except (TransportError, LowTransportError):
        return problem(503, "The search engine is unreachable.", headers={"Retry-After": "5"})
    if not index:
        return problem(503, "The directory has not been loaded yet (no listings alias).", headers={"Retry-After": "30"})
    return {"status": "ready", "index": index, "listings": rt.store.count()}
