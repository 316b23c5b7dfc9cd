"""The listing form a provider edits (and anyone suggests a correction with): its fields come from
the provider edit API (hours, phones, languages, walk-in) and the eligibility table, never a list of
dimensions written out here. Values travel as the edit API's fields, so the page and the API share
``ListingEditSchema`` and the store's edit."""
from __future__ import annotations

import json
from typing import Any

from flask_babel import gettext as _
from marshmallow import ValidationError

from api.pages.messages import page_message
from api.problem import flatten_messages
from directory import eligibility
from directory.model import error_messages
from directory.vocabulary import LANGUAGES

MAX_PHONES = 3
YES_NO_FIELDS = ("walk_in",)


def current_values(view: dict) -> dict[str, Any]:
    """A listing's public view -> the edit fields' current values (None: not stated)."""
    phones = [{"number": p.get("number"), "description": p.get("description")}
              for p in view.get("phones") or [] if p.get("number")]
    return {"hours": (view.get("hours") or {}).get("source_text") or None, "phones": phones,
            "languages": view.get("languages") or None, "walk_in": (view.get("access") or {}).get("walk_in"),
            **(view.get("eligibility") or {})}


def controls(lang: str) -> list[dict]:
    """The eligibility controls, one per column of the table, by the kind of rule."""
    out = []
    for dim in eligibility.DIMENSIONS:
        label, control = dim.label(lang), dim.kind.listing_control(dim)
        if control == "range":
            out.append({"kind": "range", "columns": dim.columns, "label": label,
                        "labels": (_("Youngest age served"), _("Oldest age served"))})
        elif control == "choices":
            out.append({"kind": "choices", "column": dim.columns[0], "label": label,
                        "options": [{"code": t.code, "label": t.es if lang == "es" else t.en}
                                    for t in dim.vocabulary.terms]})
        else:
            out.append({"kind": control, "column": dim.columns[0], "label": label})
    return out


def language_options(lang: str) -> list[dict]:
    return [{"code": t.code, "label": t.es if lang == "es" else t.en} for t in LANGUAGES.terms]


def _tri(raw: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(raw or "")


def form_values(form) -> dict[str, Any]:  # noqa: ANN001 - the request form
    """The page form -> edit field values, in the same shape as ``current_values``."""
    values: dict[str, Any] = {"hours": form.get("hours", "").strip() or None}
    phones = []
    for i in range(MAX_PHONES):
        number = form.get(f"phone_{i}", "").strip()
        if number:
            phones.append({"number": number, "description": form.get(f"phone_{i}_description", "").strip() or None})
    values["phones"] = phones
    values["languages"] = form.getlist("languages") or None
    values["walk_in"] = _tri(form.get("walk_in"))
    for dim in eligibility.DIMENSIONS:
        values.update(dim.kind.read_listing_form(dim, form))
    return values


def changed(base: dict, values: dict) -> dict[str, Any]:
    """The fields whose new value differs from the one the form was opened with."""
    return {k: v for k, v in values.items() if _norm(base.get(k)) != _norm(v)}


def _norm(value: Any) -> Any:
    if isinstance(value, list):
        return sorted(json.dumps(v, sort_keys=True) for v in value)
    return value


def encode_base(values: dict) -> str:
    return json.dumps(values, sort_keys=True, separators=(",", ":"))


def decode_base(raw: str | None) -> dict:
    try:
        base = json.loads(raw or "{}")
    except ValueError:
        return {}
    return base if isinstance(base, dict) else {}


def field_label(field: str, lang: str) -> str:
    fixed = {"hours": _("Hours"), "phones": _("Phone numbers"), "languages": _("Languages"),
             "walk_in": _("Walk-ins welcome"), "min_age": _("Youngest age served"),
             "max_age": _("Oldest age served")}
    if field in fixed:
        return fixed[field]
    for dim in eligibility.DIMENSIONS:
        if field in dim.columns:
            return dim.label(lang)
    return field


def show(field: str, value: Any, lang: str) -> str:
    """A value as a person reads it."""
    if value is None:
        return _("Not stated")
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if field == "phones":
        return "; ".join(p["number"] + (f" ({p['description']})" if p.get("description") else "") for p in value) \
            or _("None")
    if isinstance(value, list):
        vocab = LANGUAGES if field == "languages" else next(
            (d.vocabulary for d in eligibility.DIMENSIONS if field in d.columns and d.vocabulary), None)
        shown = [vocab.label(v, lang) if vocab else str(v) for v in value]
        return ", ".join(shown) or _("None")
    return str(value)


def differences(before: dict, after: dict, lang: str) -> list[dict]:
    """What differs between two sets of values, for people: field, before, after."""
    return [{"field": field_label(k, lang), "before": show(k, before.get(k), lang), "after": show(k, after.get(k), lang)}
            for k in sorted(set(before) | set(after)) if _norm(before.get(k)) != _norm(after.get(k))]


# Record paths a failed write names -> the form's fields.
RECORD_FIELDS = {"hours_text": "hours", "service.minimum_age": "min_age", "service.maximum_age": "max_age",
                 **{path: column for dim in eligibility.DIMENSIONS
                    for column, path in zip(dim.columns, dim.listing_paths)}}


def error_lines(exc: ValidationError, lang: str) -> list[str]:
    """What to fix, field by field, in the page's language where we can say it better than the schema."""
    if isinstance(exc.messages, dict) and not any("." in str(k) for k in exc.messages):
        pairs = [(e["field"], e["message"]) for e in flatten_messages(exc.messages)]
    else:
        pairs = error_messages(exc)
    return lines_for(pairs, lang)


def lines_for(pairs: list[tuple[str, str]], lang: str) -> list[str]:
    """(field path, message) pairs -> the lines ``error_lines`` shows (a write refused by the store names
    record paths: ``eligibility.min_age``)."""
    said = {"hours": _("Write the hours like the example, e.g. Mo-Fr 08:00-17:00; Sa 09:00-12:00."),
            "min_age": _("Type ages between 0 and 120, the youngest no older than the oldest."),
            "max_age": _("Type ages between 0 and 120, the youngest no older than the oldest."),
            "phones": _("Check the phone numbers: each needs at least 3 digits.")}
    lines = []
    for path, message in pairs:
        field = path.split("[")[0]
        field = RECORD_FIELDS.get(field, field.split(".")[0])
        line = f"{field_label(field, lang)}: {said.get(field, page_message(message))}"
        if line not in lines:
            lines.append(line)
    return lines
