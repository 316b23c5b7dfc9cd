"""Only the index catalogue's modules (``directory/indices/``) and the client factory (``directory/es.py``)
talk to the engine: any call on an engine client (``es.search``, ``self.es.index``, ``client.es.get``...)
or use of the client's bulk helpers anywhere else in the service fails here. ``bench/`` measures the raw
engine on purpose and is not part of the service: it is left out."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVICE = ("directory", "matching", "ingest", "api")
ALLOWED = ("directory/indices/", "directory/es.py")
CLIENT_NAMES = {"es", "_es", "client_es"}


def _service_files() -> list[Path]:
    files = [p for pkg in SERVICE for p in sorted((ROOT / pkg).rglob("*.py"))]
    return [p for p in files if not p.relative_to(ROOT).as_posix().startswith(ALLOWED)]


def _chain(node: ast.expr) -> list[str]:
    """``self.es.indices.refresh`` -> ['self', 'es', 'indices', 'refresh']."""
    names: list[str] = []
    while isinstance(node, ast.Attribute):
        names.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        names.append(node.id)
    return names[::-1]


def engine_calls(source: str) -> list[tuple[int, str]]:
    """(line, call) of every engine call in a module's source: a call through an ``es`` client, or the
    client library's helpers (``helpers.bulk``, ``helpers.scan``...)."""
    tree = ast.parse(source)
    helpers = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("elasticsearch"):
            helpers |= {a.asname or a.name for a in node.names if a.name in ("helpers", "bulk", "scan",
                                                                            "streaming_bulk", "parallel_bulk")}
        if isinstance(node, ast.Import):
            helpers |= {a.asname or a.name for a in node.names if a.name.startswith("elasticsearch")}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            chain = _chain(node.func)
            if (CLIENT_NAMES & set(chain[:-1])) or (chain and chain[0] in helpers):
                found.append((node.lineno, ".".join(chain)))
    return found


def test_no_engine_call_outside_the_catalogue():
    offenders = [f"{p.relative_to(ROOT)}:{line}: {call}" for p in _service_files()
                 for line, call in engine_calls(p.read_text(encoding="utf-8"))]
    assert not offenders, "engine calls outside directory/indices/ and directory/es.py:\n" + "\n".join(offenders)


def test_the_check_sees_every_way_of_calling_the_engine():
    source = '''
from elasticsearch import helpers
import elasticsearch
def f(self, es, store):
    es.search(index="x")
    self.es.indices.refresh(index="x")
    store.es.options(ignore_status=404).delete(index="x", id="y")
    helpers.bulk(self.es, [])
    elasticsearch.helpers.scan(es)
    store.search(body={})          # a store's own door: fine
    self.settings.es_nodes.copy()  # not a call on a client: fine
'''
    calls = {call for _line, call in engine_calls(source)}
    assert calls == {"es.search", "self.es.indices.refresh", "store.es.options", "helpers.bulk",
                     "elasticsearch.helpers.scan"}, calls
