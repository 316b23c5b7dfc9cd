"""The case manager's page: a participant profile form -> ranked, explained results, a map, a print
view and a text to send the participant. Nothing about the participant is kept: the profile lives in
the form (POSTed, never in a URL), the page is ``no-store``, and nothing is logged."""
from __future__ import annotations

from flask import make_response, render_template, request, session
from flask_babel import gettext as _
from marshmallow import ValidationError

from api.match import MatchRequestSchema, profile_from
from api.pages.common import no_store, page_for, pages
from api.pages.mapsvg import result_map
from api.pages.messages import page_message
from api.problem import flatten_messages
from api.runtime import LANGUAGES as UI_LANGUAGES
from api.runtime import request_language, runtime
from directory import eligibility, hours, taxonomy
from directory.places import PlaceError
from directory.vocabulary import LANGUAGES
from matching.profile import NeedError

DISTANCES = (2, 5, 10, 25, 50)
DEFAULTS = {"urgency": "this_week", "max_miles": "10", "limit": "10"}


def need_groups(lang: str) -> list[dict]:
    """The need taxonomy as groups of plain-language choices: 'any housing' plus each kind."""
    groups = []
    for top in taxonomy.TOP_LEVEL:
        need = taxonomy.BY_CODE[top]
        children = [n for n in taxonomy.NEEDS if n.parent == top or (n.parent or "").startswith(top + ".")]
        groups.append({"code": top, "name": need.name_es if lang == "es" else need.name,
                       "choices": [{"code": n.code, "name": n.name_es if lang == "es" else n.name}
                                   for n in children]})
    return groups


def fact_fields(lang: str) -> list[dict]:
    """One form control per participant fact of the eligibility table, chosen by the kind of rule."""
    out = []
    for name, dim in eligibility.PROFILE_FIELDS.items():
        if not dim.question:
            continue  # a fact no case manager is asked (in custody)
        control = {"range": "number", "member": "select", "overlap": "checkboxes", "excludes": "checkboxes"}.get(
            dim.kind, "yesno")
        options = [{"code": t.code, "label": t.es if lang == "es" else t.en} for t in dim.vocabulary.terms] \
            if dim.vocabulary else []
        out.append({"name": name, "control": control, "label": dim.question(lang) if dim.question else name,
                    "options": options})
    return out


def language_choices(lang: str) -> list[dict]:
    return [{"code": t.code, "label": t.es if lang == "es" else t.en} for t in LANGUAGES.terms if t.code != "en"]


def request_body(form) -> dict:  # noqa: ANN001 - the request's form
    """The match request (``MatchRequestSchema`` input) from the page form; empty fields are left out."""
    body: dict = {"location": {}, "needs": form.getlist("needs")}
    lat, lon, near = form.get("lat", "").strip(), form.get("lon", "").strip(), form.get("near", "").strip()
    if lat and lon:
        body["location"] = {"lat": lat, "lon": lon}
    elif near:
        body["location"] = {"text": near}
    for name, dim in eligibility.PROFILE_FIELDS.items():
        if dim.kind in ("overlap", "excludes"):
            values = form.getlist(name)
            if values:
                body[name] = values
        elif dim.kind in ("requires", "only_for"):
            if form.get(name) in ("yes", "no"):
                body[name] = form.get(name) == "yes"
        elif form.get(name, "").strip():
            raw = form.get(name).strip()
            body[name] = int(raw) if dim.kind == "range" and raw.isdigit() else raw
    if form.getlist("languages"):
        body["languages"] = form.getlist("languages")
    body["urgency"] = form.get("urgency") or DEFAULTS["urgency"]
    if form.get("max_miles", DEFAULTS["max_miles"]):
        body["max_miles"] = form.get("max_miles", DEFAULTS["max_miles"])
    body["include_full"] = form.get("include_full") == "yes"
    limit = form.get("limit") or DEFAULTS["limit"]
    body["limit"] = int(limit) if str(limit).isdigit() else limit
    if form.get("query", "").strip():
        body["query"] = form.get("query").strip()
    return body


FIELD_NAMES = {"location": "near", "location.text": "near", "location.lat": "near", "location.lon": "near"}


def _errors(messages) -> dict[str, str]:  # noqa: ANN001
    out: dict[str, str] = {}
    for e in flatten_messages(messages):
        field = FIELD_NAMES.get(e["field"], e["field"].split(".")[0].split("[")[0])
        out.setdefault(field, e["message"])
    return out


def _friendly(errors: dict[str, str]) -> dict[str, str]:
    """Page-language messages for the fields a person fills in."""
    said = {"needs": _("Choose at least one need."),
            "near": _("Type a ZIP code, town, neighbourhood or street corner in Connecticut."),
            "age": _("Type an age between 0 and 120.")}
    return {k: said.get(k, page_message(v)) for k, v in errors.items()}


def participant_text(results: list[dict], start: int = 1) -> list[str]:
    """The results as plain text for a text message, one block each, numbered from ``start``: name,
    address, phone, hours as people say them, what to bring. No staff notes (reasons, cautions)."""
    return [_participant_block(r, n) for n, r in enumerate(results, start)]


def _participant_block(result: dict, n: int) -> str:
    a = result.get("address") or {}
    lines = [f"{n}. {result['service']['name']} – {result['organization']['name']}"]
    street = ", ".join(x for x in (a.get("address_1"), a.get("address_2")) if x)
    town = " ".join(x for x in (a.get("town") or a.get("city"), a.get("state_province") or "CT", a.get("postal_code"))
                    if x)
    if result.get("no_site"):
        lines.append(result.get("site_text") or "")
    elif street or town:
        lines.append(", ".join(x for x in (street, town) if x))
    if result.get("phone"):
        lines.append(_("Phone: %(phone)s", phone=result["phone"]))
    lines.append(_("Hours: %(hours)s", hours=result["hours"]) if result.get("hours")
                 else _("Hours not stated: call first."))
    if result.get("required_documents"):
        lines.append(_("Bring: %(things)s", things=", ".join(result["required_documents"])))
    return "\n".join(lines)


def times_note() -> str:
    """The line that says which clock the times are on (the participant reads the copy later, elsewhere)."""
    return _("Times are Eastern Time (Connecticut).")


@pages.route("/match", methods=["GET"])
@page_for("placement.plan")
def match_form():
    return no_store(make_response(_render(form=DEFAULTS, errors={})))


@pages.route("/match", methods=["POST"])
@page_for("placement.plan")
def match_results():
    if request.form.get("set_lang") in UI_LANGUAGES:
        session["lang"] = request.form["set_lang"]
    form = request.form
    if form.get("set_lang") and not form.getlist("needs"):
        return no_store(make_response(_render(form=form, errors={})))  # switched language on the empty form
    errors: dict[str, str] = {}
    out = None
    try:
        body = MatchRequestSchema().load(request_body(form))
        out = runtime().search.match(profile_from(body), request_language(), outcomes=True)
    except ValidationError as exc:
        errors = _errors(exc.messages)
    except NeedError:
        errors = {"needs": ""}
    except PlaceError as exc:
        errors = {"near": str(exc)}
    status = 200 if out is not None else 422
    return no_store(make_response(_render(form=form, errors=_friendly(errors), out=out), status))


def _render(*, form, errors: dict, out: dict | None = None) -> str:  # noqa: ANN001 - a dict or the request form
    lang = request_language()
    results = (out or {}).get("results") or []
    chosen = {"needs": set(_getlist(form, "needs")), "languages": set(_getlist(form, "languages")),
              **{n: set(_getlist(form, n)) for n, d in eligibility.PROFILE_FIELDS.items()
                 if d.kind in ("overlap", "excludes")}}
    svg = result_map(out.get("location") if out else None, results,
                     title=_("Map of the results around the participant's location"),
                     centre_label=_("Participant's location")) if results else ""
    return render_template(
        "match.html", title=_("Find services") if out is None else _("Results"), form=form, chosen=chosen,
        errors=errors, out=out, results=results, need_groups=need_groups(lang), facts=fact_fields(lang),
        languages=language_choices(lang), distances=DISTANCES, map_svg=svg, lang_form="profile",
        summaries=participant_text(results), times_note=times_note(),
        printed_at=hours.human_moment(runtime().search.clock(), lang, runtime().settings.timezone))


def _getlist(form, name: str) -> list[str]:  # noqa: ANN001
    return form.getlist(name) if hasattr(form, "getlist") else list(form.get(name) or [])
