"""The kinds of eligibility rule, one class each: everything that differs between "an age range", "a set
the person must be in", "a fact that must be true" and the rest lives here, and nowhere else.

A kind knows, for a row of ``directory.eligibility.DIMENSIONS`` (passed in as ``dim``):
- how the listing states it (record value, search document fields and mapping, the value shown back);
- its oracle (``evaluate``: met / unmet / unknown for a listing value and a participant value);
- its engine clauses (``rule``: what excludes, ``confirmed``: what earns the confirmation bonus,
  ``without_facts``: what a search with no participant facts leaves out);
- its reason text (``reason_text``) and where its notice shows (``notice_in``);
- how it is asked and entered: the match request field, the case manager's form control and how the
  form is read, the provider edit field, the record schema field, the view field;
- its HSDS term (``hsds_native``, ``hsds_description``, ``hsds_value``) and how an import cell is read
  (``cell``: int, bool or list).

Adding a kind is one class here; a row of the table names its kind.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from marshmallow import fields, validate

from directory import places
from directory.vocabulary import Choice

if TYPE_CHECKING:  # pragma: no cover
    from directory.eligibility import Dimension

_MAX_AGE = 120


def town_key(town: Any) -> str:
    """A town in one spelling ('Harford' -> 'HARTFORD'), as the service-area rule compares them."""
    return places.canonical_town(str(town or "")) or " ".join(str(town or "").upper().split())


def _get(node: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def _unknown_or(dim: "Dimension", clause: dict) -> dict:
    """Three-valued: pass when the listing does not state the dimension, or when it is satisfied."""
    not_stated = {"term": {dim.known_field: False}} if dim.is_list else \
        {"bool": {"must_not": {"exists": {"field": dim.doc_field}}}}
    return {"bool": {"should": [not_stated, clause], "minimum_should_match": 1}}


class Kind:
    """What every kind shares; a subclass overrides what makes it different."""

    name: str = ""
    is_list: bool = False
    # How an import cell (provider spreadsheet, HSDS value) is read: "int", "bool" or "list".
    cell: str = "bool"
    # The case manager's form control for the participant fact: number, select, checkboxes or yesno.
    control: str = "yesno"
    # Where the row's notice (a restriction worth showing anyone) shows when the listing states it:
    # "serves" (who it serves), "cautions" (a result's cautions) or None.
    notice_in: str | None = None
    # Ages travel as native HSDS service fields; every other kind as a lead-eligibility attribute.
    hsds_native: bool = False

    def __repr__(self) -> str:
        return f"<rule kind {self.name}>"

    # ----- reading a listing ---------------------------------------------------------------------
    def record_value(self, dim: "Dimension", record: dict) -> Any:
        """The listing's value in a validated record: None when not stated."""
        return _get(record, dim.listing_paths[0])

    def doc_value(self, dim: "Dimension", doc: dict) -> Any:
        """The listing's value in a search document: None when not stated."""
        value = _get(doc, dim.doc_field)
        if self.is_list:
            return list(value or []) if _get(doc, dim.known_field) else None
        return value

    def document_fields(self, dim: "Dimension", value: Any) -> dict[str, Any]:
        """The search document fields for a listing value (paths relative to the document root)."""
        if self.is_list:
            return {dim.doc_field: list(value or []), dim.known_field: value is not None}
        return {dim.doc_field: value}

    def mapping(self, name: str) -> dict[str, dict]:
        """The search mapping of the row's fields under ``eligibility`` (``name``: the field's own name)."""
        if self.is_list:
            return {name: {"type": "keyword"}, f"{name}_known": {"type": "boolean"}}
        return {name: {"type": "boolean"}}

    def view(self, dim: "Dimension", value: Any) -> dict[str, Any]:
        """The value shown back, keyed by the provider edit columns."""
        return {dim.columns[0]: value}

    # ----- the rule ------------------------------------------------------------------------------
    def asked(self, dim: "Dimension", facts: dict[str, Any]) -> bool:
        """Whether this participant's facts bring the rule into play."""
        return dim.participant(facts) not in (None, [], "")

    def evaluate(self, dim: "Dimension", listing: Any, p: Any) -> str | None:
        """'met', 'unmet' or 'unknown' (not stated); None when there is nothing to confirm or warn about."""
        raise NotImplementedError

    def rule(self, dim: "Dimension", p: Any) -> tuple[dict | None, dict | None]:
        """(filter, must_not) clauses that exclude exactly the listings that definitely do not serve ``p``."""
        raise NotImplementedError

    def confirmed(self, dim: "Dimension", p: Any) -> dict | None:
        """Listings that state the rule and serve ``p`` (earns the confirmation bonus)."""
        raise NotImplementedError

    def without_facts(self, dim: "Dimension") -> dict | None:
        """What a search that knows nothing of the person (the officer's quick mode) leaves out."""
        return None

    def reason_text(self, dim: "Dimension", listing: Any, p: Any, lang: str) -> str:
        return dim.reason(lang)

    # ----- asking and entering it ----------------------------------------------------------------
    def fact_field(self, dim: "Dimension") -> fields.Field:
        """The match request field for the participant fact."""
        return fields.Boolean(metadata={"description": dim.profile_description})

    def browse_field(self, dim: "Dimension") -> fields.Field:
        """The directory browse filter (a query string or a JSON body) for the participant fact."""
        return fields.Boolean()

    def read_form(self, form: Any, name: str) -> Any:
        """The participant fact from the case manager's form (a MultiDict); None when left empty."""
        return form.get(name) == "yes" if form.get(name) in ("yes", "no") else None

    def edit_field(self, dim: "Dimension") -> fields.Field:
        """The provider edit field of a column (``null`` sets it to "not stated")."""
        return fields.Boolean(allow_none=True, metadata={"description": dim.label.en})

    def listing_control(self, dim: "Dimension") -> str:
        """The provider's listing form control: range, yesno, choices or words."""
        return "yesno"

    def read_listing_form(self, dim: "Dimension", form: Any) -> dict[str, Any]:
        """The edit column values from the provider's listing form (a MultiDict)."""
        return {dim.columns[0]: {"yes": True, "no": False}.get(form.get(dim.columns[0]) or "")}

    def record_field(self, dim: "Dimension") -> fields.Field:
        """The field of the validated record's ``eligibility`` section."""
        return fields.Boolean(load_default=None, allow_none=True)

    def view_field(self, dim: "Dimension") -> fields.Field:
        """The field of a listing view's eligibility (one per column)."""
        return fields.Boolean(allow_none=True, metadata={"description": f"{dim.label.en}; null: not stated"})

    # ----- HSDS ----------------------------------------------------------------------------------
    def hsds_description(self, dim: "Dimension") -> str:
        return f"{dim.label.en}: 'true' or 'false'"

    def hsds_value(self) -> str:
        """How the attribute values decode (``directory.hsds_terms.decode``)."""
        return "list" if self.is_list else "bool"


class _ListKind(Kind):
    is_list = True
    cell = "list"
    control = "checkboxes"

    def evaluate(self, dim: "Dimension", listing: Any, p: Any) -> str | None:
        return "unknown" if listing is None else self.compare(dim, listing, p)

    def compare(self, dim: "Dimension", listing: Any, p: Any) -> str:
        raise NotImplementedError

    def fact_field(self, dim: "Dimension") -> fields.Field:
        return fields.List(Choice(dim.vocabulary), validate=validate.Length(max=len(dim.vocabulary.codes)),
                           metadata={"description": dim.profile_description})

    def browse_field(self, dim: "Dimension") -> fields.Field:
        return fields.List(Choice(dim.vocabulary), load_default=list,
                           validate=validate.Length(max=len(dim.vocabulary.codes)))

    def read_form(self, form: Any, name: str) -> Any:
        return form.getlist(name) or None

    def edit_field(self, dim: "Dimension") -> fields.Field:
        item = Choice(dim.vocabulary) if dim.vocabulary else fields.String(validate=validate.Length(min=2, max=60))
        return fields.List(item, allow_none=True, validate=validate.Length(max=200),
                           metadata={"description": dim.label.en})

    def listing_control(self, dim: "Dimension") -> str:
        return "choices" if dim.vocabulary else "words"

    def read_listing_form(self, dim: "Dimension", form: Any) -> dict[str, Any]:
        column = dim.columns[0]
        if dim.vocabulary:
            return {column: form.getlist(column) if form.get(f"{column}__stated") == "yes" else None}
        words = [w.strip() for w in form.get(column, "").split(",") if w.strip()]
        return {column: words or None}

    def record_field(self, dim: "Dimension") -> fields.Field:
        item = fields.String(validate=validate.OneOf(dim.vocabulary.codes)) if dim.vocabulary else fields.String()
        return fields.List(item, load_default=None, allow_none=True)

    def view_field(self, dim: "Dimension") -> fields.Field:
        return fields.List(fields.String(), allow_none=True,
                           metadata={"description": f"{dim.label.en}; null: not stated"})

    def hsds_description(self, dim: "Dimension") -> str:
        return f"{dim.label.en}: one attribute per value, of {', '.join(dim.vocabulary.codes)}; 'none': stated, none"


class Range(Kind):
    """L = (minimum, maximum); P outside is ineligible. Ages live on the service, as HSDS has them."""

    name = "range"
    cell = "int"
    control = "number"
    hsds_native = True

    def record_value(self, dim: "Dimension", record: dict) -> Any:
        lo, hi = (_get(record, p) for p in dim.listing_paths)
        return None if lo is None and hi is None else (lo, hi)

    def doc_value(self, dim: "Dimension", doc: dict) -> Any:
        span = doc.get(dim.doc_field)
        return None if not span else (span.get("gte"), span.get("lte"))

    def document_fields(self, dim: "Dimension", value: Any) -> dict[str, Any]:
        if value is None:
            return {dim.doc_field: None}
        lo, hi = value
        return {dim.doc_field: {"gte": lo if lo is not None else 0, "lte": hi if hi is not None else _MAX_AGE}}

    def mapping(self, name: str) -> dict[str, dict]:
        return {name: {"type": "integer_range"}}

    def view(self, dim: "Dimension", value: Any) -> dict[str, Any]:
        lo, hi = value or (None, None)
        return dict(zip(dim.columns, (lo, hi if hi is None or hi < _MAX_AGE else None)))

    def evaluate(self, dim: "Dimension", listing: Any, p: Any) -> str | None:
        if listing is None:
            return "unknown"
        lo, hi = listing
        return "unmet" if (lo is not None and p < lo) or (hi is not None and p > hi) else "met"

    def rule(self, dim: "Dimension", p: Any) -> tuple[dict | None, dict | None]:
        return _unknown_or(dim, {"term": {dim.doc_field: p}}), None

    def confirmed(self, dim: "Dimension", p: Any) -> dict | None:
        return {"term": {dim.doc_field: p}}

    def reason_text(self, dim: "Dimension", listing: Any, p: Any, lang: str) -> str:
        lo, hi = listing
        lo = lo if lo is not None else 0
        if hi is None or hi >= _MAX_AGE:
            return dim.reason(lang, span=f"{lo}+")
        return dim.reason(lang, span=f"{lo}–{hi}")

    def fact_field(self, dim: "Dimension") -> fields.Field:
        return fields.Integer(strict=True, validate=validate.Range(0, _MAX_AGE),
                              metadata={"description": dim.profile_description})

    def browse_field(self, dim: "Dimension") -> fields.Field:
        return fields.Integer(validate=validate.Range(0, _MAX_AGE))

    def read_form(self, form: Any, name: str) -> Any:
        raw = (form.get(name) or "").strip()
        if not raw:
            return None
        return int(raw) if raw.isdigit() else raw  # a non-number fails validation with its own message

    def edit_field(self, dim: "Dimension") -> fields.Field:
        return fields.Integer(allow_none=True, strict=True, validate=validate.Range(0, _MAX_AGE))

    def listing_control(self, dim: "Dimension") -> str:
        return "range"

    def read_listing_form(self, dim: "Dimension", form: Any) -> dict[str, Any]:
        return {column: self.read_form(form, column) for column in dim.columns}

    def view_field(self, dim: "Dimension") -> fields.Field:
        return fields.Integer(allow_none=True, metadata={"description": f"{dim.label.en}; null: not stated"})


class Member(_ListKind):
    """L = the values served (genders, medications accepted); P not among them is ineligible."""

    name = "member"
    control = "select"

    def compare(self, dim: "Dimension", listing: Any, p: Any) -> str:
        return "met" if p in listing else "unmet"

    def rule(self, dim: "Dimension", p: Any) -> tuple[dict | None, dict | None]:
        return _unknown_or(dim, {"term": {dim.doc_field: p}}), None

    def confirmed(self, dim: "Dimension", p: Any) -> dict | None:
        return {"term": {dim.doc_field: p}}

    def reason_text(self, dim: "Dimension", listing: Any, p: Any, lang: str) -> str:
        return dim.reason(lang, values=dim.vocabulary.label(p, lang))

    def fact_field(self, dim: "Dimension") -> fields.Field:
        return Choice(dim.vocabulary, metadata={"description": dim.profile_description})

    def browse_field(self, dim: "Dimension") -> fields.Field:
        return Choice(dim.vocabulary)

    def read_form(self, form: Any, name: str) -> Any:
        return (form.get(name) or "").strip() or None


class Overlap(_ListKind):
    """L = the values accepted (insurance); P's values, widened by the row's ``accepts``, must meet one."""

    name = "overlap"

    def compare(self, dim: "Dimension", listing: Any, p: Any) -> str:
        return "met" if set(listing) & set(dim.accepted(p)) else "unmet"

    def rule(self, dim: "Dimension", p: Any) -> tuple[dict | None, dict | None]:
        return _unknown_or(dim, {"terms": {dim.doc_field: dim.accepted(p)}}), None

    def confirmed(self, dim: "Dimension", p: Any) -> dict | None:
        return {"terms": {dim.doc_field: dim.accepted(p)}}

    def reason_text(self, dim: "Dimension", listing: Any, p: Any, lang: str) -> str:
        mine = [v for v in p if v in listing]
        shown = mine or [v for v in dim.accepted(p) if v in listing]
        return dim.reason(lang, values=", ".join(dim.vocabulary.label(v, lang) for v in shown))


class Excludes(_ListKind):
    """L = the exclusions (offences); any of P's among them is ineligible."""

    name = "excludes"

    def compare(self, dim: "Dimension", listing: Any, p: Any) -> str:
        return "unmet" if set(listing) & set(p) else "met"

    def rule(self, dim: "Dimension", p: Any) -> tuple[dict | None, dict | None]:
        return None, {"terms": {dim.doc_field: list(p)}}

    def confirmed(self, dim: "Dimension", p: Any) -> dict | None:
        return {"bool": {"filter": [{"term": {dim.known_field: True}}],
                         "must_not": [{"terms": {dim.doc_field: list(p)}}]}}


class Area(_ListKind):
    """L = the towns served; P = the participant's town (from the location) outside is ineligible."""

    name = "area"
    control = ""  # never asked: read from the location

    def document_fields(self, dim: "Dimension", value: Any) -> dict[str, Any]:
        return {dim.doc_field: [town_key(v) for v in value or []], dim.known_field: value is not None}

    def mapping(self, name: str) -> dict[str, dict]:
        return {name: {"type": "keyword", "normalizer": "lower"}, f"{name}_known": {"type": "boolean"}}

    def view(self, dim: "Dimension", value: Any) -> dict[str, Any]:
        return {dim.columns[0]: [places.town_label(t) for t in value] if value else value}

    def compare(self, dim: "Dimension", listing: Any, p: Any) -> str:
        return "met" if town_key(p) in {town_key(t) for t in listing} else "unmet"

    def rule(self, dim: "Dimension", p: Any) -> tuple[dict | None, dict | None]:
        return _unknown_or(dim, {"term": {dim.doc_field: p}}), None

    def confirmed(self, dim: "Dimension", p: Any) -> dict | None:
        return {"term": {dim.doc_field: p}}

    def reason_text(self, dim: "Dimension", listing: Any, p: Any, lang: str) -> str:
        return dim.reason(lang, values=str(p).title())

    def hsds_description(self, dim: "Dimension") -> str:
        return f"{dim.label.en}: one attribute per town; 'none': stated, none"


class Requires(Kind):
    """L = True when the program requires something; P equal to the row's ``fails_when`` is ineligible."""

    name = "requires"
    notice_in = "cautions"

    def evaluate(self, dim: "Dimension", listing: Any, p: Any) -> str | None:
        fails = p == dim.fails_when
        if listing is True:
            return "unmet" if fails else None
        if listing is None:
            return "unknown" if fails else None
        return "met" if fails else None  # stated: not required

    def rule(self, dim: "Dimension", p: Any) -> tuple[dict | None, dict | None]:
        return (None, {"term": {dim.doc_field: True}}) if p == dim.fails_when else (None, None)

    def confirmed(self, dim: "Dimension", p: Any) -> dict | None:
        return {"term": {dim.doc_field: False}} if p == dim.fails_when else None


class OnlyFor(Kind):
    """L = True when the program serves only people with a trait; P not True is ineligible."""

    name = "only_for"
    notice_in = "serves"

    def asked(self, dim: "Dimension", facts: dict[str, Any]) -> bool:
        return True  # a program only for veterans is closed to anyone not known to be one

    def evaluate(self, dim: "Dimension", listing: Any, p: Any) -> str | None:
        if listing is not True:
            return None  # nothing restrictive stated: nothing to confirm or warn about
        return "met" if p is True else "unmet"

    def rule(self, dim: "Dimension", p: Any) -> tuple[dict | None, dict | None]:
        return (None, {"term": {dim.doc_field: True}}) if p is not True else (None, None)

    def confirmed(self, dim: "Dimension", p: Any) -> dict | None:
        return {"term": {dim.doc_field: True}} if p is True else None

    def without_facts(self, dim: "Dimension") -> dict | None:
        return {"term": {dim.doc_field: True}}


RANGE, MEMBER, OVERLAP, EXCLUDES, AREA, REQUIRES, ONLY_FOR = (
    Range(), Member(), Overlap(), Excludes(), Area(), Requires(), OnlyFor())
KINDS: dict[str, Kind] = {k.name: k for k in (RANGE, MEMBER, OVERLAP, EXCLUDES, AREA, REQUIRES, ONLY_FOR)}
