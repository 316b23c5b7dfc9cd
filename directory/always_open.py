"""What answers at every hour: statewide 24/7 lines and the 24/7 places that stand in for a need.

The lines (988, Connecticut 2-1-1, the DMHAS Access Line, ...) and which of the directory's own 24/7
places (an emergency department for detox, crisis and naloxone) to offer when nothing that meets a need
is open live in one data file, ``directory/data/always_open.json``, that admins edit (or a copy named
by ``LEAD_ALWAYS_OPEN_FILE``). Each line says where its number was verified and when. The file is
checked when it is loaded: a line with no number, an unknown need code or a missing Spanish text is an
error that names the line, never a page without an answer.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from directory import taxonomy

DEFAULT_FILE = Path(__file__).resolve().parent / "data" / "always_open.json"
TEL = re.compile(r"^\+?\d{3,15}$")


class AlwaysOpenError(ValueError):
    """The data file is not usable; the message names the file and the entry."""


@dataclass(frozen=True)
class Line:
    id: str
    name: dict[str, str]
    dial: str  # the number as people read it, in English ("2-1-1, then 1")
    tel: str
    does: dict[str, str]
    needs: tuple[str, ...]
    except_needs: tuple[str, ...] = ()
    text_message: bool = False
    alternate: str | None = None
    min_age: int | None = None
    max_age: int | None = None
    fallback: bool = False
    verified: dict[str, Any] = field(default_factory=dict)
    dial_in: dict[str, str] = field(default_factory=dict)  # the reading in other languages, where it has words

    def answers(self, needs: list[str]) -> bool:
        """Whether this line answers any of these need codes (a parent or a child of its needs)."""
        return any(_related(n, mine) and not any(_within(n, x) for x in self.except_needs)
                   for n in needs for mine in self.needs)

    def serves_age(self, age: int | None) -> bool:
        if age is None:
            return True
        return (self.min_age is None or age >= self.min_age) and (self.max_age is None or age <= self.max_age)

    def view(self, lang: str = "en") -> dict:
        """The line as results carry it."""
        return {"id": self.id, "name": _pick(self.name, lang), "dial": self.dial_in.get(lang) or self.dial, "tel": self.tel,
                "text_message": self.text_message, "alternate": self.alternate, "does": _pick(self.does, lang),
                "hours": "24/7", "min_age": self.min_age, "max_age": self.max_age}


@dataclass(frozen=True)
class PlaceRule:
    """For these needs, 24/7 listings offering ``place_needs`` stand in when nothing is open."""
    needs: tuple[str, ...]
    place_needs: tuple[str, ...]
    why: dict[str, str]

    def applies(self, needs: list[str]) -> bool:
        return any(_related(n, mine) for n in needs for mine in self.needs)


@dataclass(frozen=True)
class AlwaysOpen:
    lines: tuple[Line, ...]
    places: tuple[PlaceRule, ...]

    def lines_for(self, needs: list[str], age: int | None = None) -> list[Line]:
        """The lines that answer these needs for someone of this age (unknown: every age), the
        statewide fallback line last."""
        chosen = [line for line in self.lines if not line.fallback and line.answers(needs) and line.serves_age(age)]
        fallback = self.fallback()
        return chosen + ([] if any(line.tel == fallback.tel for line in chosen) else [fallback])

    def fallback(self) -> Line:
        """The line that finds any program's number (Connecticut 2-1-1)."""
        return next(line for line in self.lines if line.fallback)

    def place_rules(self, needs: list[str]) -> list[PlaceRule]:
        return [rule for rule in self.places if rule.applies(needs)]


def _within(code: str, parent: str) -> bool:
    return code == parent or code.startswith(parent + ".")


def _related(asked: str, offered: str) -> bool:
    """A line for ``offered`` answers a need asked more narrowly or more broadly."""
    return _within(asked, offered) or _within(offered, asked)


def _pick(text: dict[str, str], lang: str) -> str:
    return text.get(lang) or text["en"]


def _texts(entry: dict, key: str, where: str) -> dict[str, str]:
    value = entry.get(key)
    if not isinstance(value, dict) or not all(isinstance(value.get(lang), str) and value[lang].strip()
                                              for lang in ("en", "es")):
        raise AlwaysOpenError(f"{where}: {key!r} needs an English and a Spanish text ('en', 'es')")
    return {"en": value["en"], "es": value["es"]}


def _codes(entry: dict, key: str, where: str, *, required: bool) -> tuple[str, ...]:
    codes = entry.get(key, [])
    if not isinstance(codes, list) or (required and not codes):
        raise AlwaysOpenError(f"{where}: {key!r} must be a list of need codes")
    unknown = [c for c in codes if c not in taxonomy.BY_CODE]
    if unknown:
        raise AlwaysOpenError(f"{where}: unknown need codes in {key!r}: {', '.join(map(str, unknown))}")
    return tuple(codes)


def parse(data: dict, origin: str = "always_open.json") -> AlwaysOpen:
    """Check and read the data file's content; raises ``AlwaysOpenError`` naming what is wrong."""
    lines = []
    for i, entry in enumerate(data.get("lines") or []):
        where = f"{origin}: lines[{i}] ({entry.get('id', '?')})"
        if not str(entry.get("id") or "").strip():
            raise AlwaysOpenError(f"{where}: 'id' is missing")
        tel = str(entry.get("tel") or "")
        if not TEL.match(tel):
            raise AlwaysOpenError(f"{where}: 'tel' must be the digits to dial, e.g. +18005634086 or 211")
        dial = entry.get("dial")
        if isinstance(dial, dict):
            dial = _texts(entry, "dial", where)
        elif not str(dial or "").strip():
            raise AlwaysOpenError(f"{where}: 'dial' (the number as people read it) is missing")
        elif re.search(r"[A-Za-z]", str(dial)):
            raise AlwaysOpenError(f"{where}: 'dial' has words; give it in English and Spanish ('en', 'es')")
        else:
            dial = {"en": str(dial)}
        verified = entry.get("verified") or {}
        if not verified.get("on") or not verified.get("sources"):
            raise AlwaysOpenError(f"{where}: 'verified' must say when ('on') and where ('sources') the number "
                                  "was checked")
        ages = {k: entry.get(k) for k in ("min_age", "max_age")}
        if any(v is not None and not (isinstance(v, int) and 0 <= v <= 120) for v in ages.values()):
            raise AlwaysOpenError(f"{where}: 'min_age' and 'max_age' are whole years between 0 and 120")
        lines.append(Line(id=entry["id"], name=_texts(entry, "name", where), dial=dial["en"], dial_in={k: v for k, v in dial.items() if k != "en"}, tel=tel,
                          does=_texts(entry, "does", where), needs=_codes(entry, "needs", where, required=False),
                          except_needs=_codes(entry, "except_needs", where, required=False),
                          text_message=bool(entry.get("text_message")), alternate=entry.get("alternate"),
                          fallback=bool(entry.get("fallback")), verified=verified, **ages))
    if sum(line.fallback for line in lines) != 1:
        raise AlwaysOpenError(f"{origin}: exactly one line must be the fallback (\"fallback\": true), the line "
                              "that finds any program's number")
    if len({line.id for line in lines}) != len(lines):
        raise AlwaysOpenError(f"{origin}: line ids must be unique")
    places = []
    for i, entry in enumerate(data.get("places") or []):
        where = f"{origin}: places[{i}]"
        places.append(PlaceRule(needs=_codes(entry, "needs", where, required=True),
                                place_needs=_codes(entry, "place_needs", where, required=True),
                                why=_texts(entry, "why", where)))
    return AlwaysOpen(tuple(lines), tuple(places))


@lru_cache(maxsize=8)
def load(path: str = "") -> AlwaysOpen:
    """The lines and place rules of the data file at ``path`` (empty: the one shipped with the code)."""
    file = Path(path) if path else DEFAULT_FILE
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise AlwaysOpenError(f"{file}: cannot be read as JSON ({exc})") from None
    return parse(data, str(file))
