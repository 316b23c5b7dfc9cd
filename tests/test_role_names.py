"""Roles are named in the permission table (``directory/permissions.py``) and read from it everywhere else:
a role name written as a string anywhere else in the service, or a role compared by hand, fails here.

Some words are also other things, declared below: a referral has a *provider side* and a *referrer side*
(``directory.disclosure``), the provider spreadsheet is a source kind named ``provider``, and two API
blueprints are named ``provider`` and ``admin``. Those uses are allowed where they are declared, and only
that word."""
from __future__ import annotations

import ast
import re
from pathlib import Path

from directory import permissions

ROOT = Path(__file__).resolve().parent.parent
SERVICE = ("directory", "matching", "ingest", "api")
TABLE = "directory/permissions.py"
# file -> the role-like words it may write, because there they name something else.
NOT_ROLES = {
    "directory/disclosure.py": {"provider"},       # the referral sides: REFERRER, PROVIDER, SYSTEM
    "directory/referral_states.py": {"provider"},  # which side may make each move
    "directory/referrals.py": {"provider"},        # the side acting on a referral
    "api/pages/referrals.py": {"provider"},        # the side's label, and whether the viewer is that side
    "ingest/readers/__init__.py": {"provider"},    # the provider spreadsheet's source kind
    "ingest/readers/provider_csv.py": {"provider"},
    "ingest/readers/detect.py": {"provider"},      # the source kind it tells a path is
    "directory/diversions.py": {"officer"},        # a diversion's side and field: the officer who made it
    "api/diversions.py": {"officer"},
    "api/usecases/diversions.py": {"officer"},
}


def _blueprint_names(tree: ast.AST) -> set[int]:
    """ids of the string nodes that name a Blueprint (its first argument)."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "Blueprint" \
                and node.args and isinstance(node.args[0], ast.Constant):
            out.add(id(node.args[0]))
    return out


def role_literals(source: str, allowed: set[str] = frozenset()) -> list[tuple[int, str]]:
    """(line, what) of each role name written as a string, and of each hand-made role comparison."""
    roles = set(permissions.ROLES)
    tree = ast.parse(source)
    named = _blueprint_names(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and node.value in roles and node.value not in allowed \
                and id(node) not in named:
            found.append((node.lineno, repr(node.value)))
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(isinstance(s, ast.Attribute) and s.attr == "role" for s in sides) and \
                    any(isinstance(c, ast.Constant) and isinstance(c.value, str) for s in sides for c in ast.walk(s)):
                found.append((node.lineno, "a role compared with a string"))
    return found


def test_no_role_name_outside_the_permission_table():
    offenders = []
    for pkg in SERVICE:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel == TABLE:
                continue
            offenders += [f"{rel}:{line}: {what}" for line, what in
                          role_literals(path.read_text(encoding="utf-8"), NOT_ROLES.get(rel, set()))]
    assert not offenders, "role names outside directory/permissions.py:\n" + "\n".join(offenders)


def test_templates_ask_the_table_not_the_role():
    quoted = re.compile(r"""['"](%s)['"]""" % "|".join(permissions.ROLES))
    offenders = [f"{p.relative_to(ROOT)}:{text.count(chr(10), 0, m.start()) + 1}: {m.group(0)}"
                 for p in sorted((ROOT / "api" / "templates").rglob("*.html"))
                 for text in [p.read_text(encoding="utf-8")] for m in quoted.finditer(text)]
    assert not offenders, "templates naming roles (use may() / scope_of()):\n" + "\n".join(offenders)


def test_the_check_sees_role_names_and_role_comparisons():
    source = '''
blp = Blueprint("provider", __name__)
if user.role == "admin": pass
if person.role in ("case_manager", "officer"): pass
KIND = "provider"
side = PROVIDER
'''
    found = role_literals(source)
    assert [line for line, _ in found if _ == "a role compared with a string"] == [3, 4]
    assert sorted(what for _, what in found if what.startswith("'")) == ["'admin'", "'case_manager'", "'officer'",
                                                                          "'provider'"]
    assert role_literals('KIND = "provider"', {"provider"}) == []
