"""The case manager's page: a participant profile form -> ranked, explained results, a map, a print
view and a text to send the participant. Nothing about the participant is kept: the profile lives in
the form (POSTed, never in a URL), the page is ``no-store``, and nothing is logged."""
from __future__ import annotations

from datetime import datetime

from flask import g, make_response, render_template, request, session
from flask_babel import gettext as _
from marshmallow import ValidationError

from api.inputs import MatchRequestSchema
from api.pages.common import no_store, page_for, pages
from api.pages.mapsvg import result_map
from api.pages.messages import page_message
from api.problem import flatten_messages
from api.runtime import LANGUAGES as UI_LANGUAGES
from api.runtime import request_language, runtime
from api.usecases import search
from api.usecases.search import PlaceNotFound, UnknownNeeds
from directory import eligibility, hours, taxonomy
from directory.vocabulary import LANGUAGES

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
        control = dim.kind.control
        options = [{"code": t.code, "label": t.es if lang == "es" else t.en} for t in dim.vocabulary.terms] \
            if dim.vocabulary else []
        out.append({"name": name, "control": control, "label": dim.question(lang) if dim.question else name,
                    "options": options})
    return out


def language_choices(lang: str) -> list[dict]:
    return [{"code": t.code, "label": t.es if lang == "es" else t.en} for t in LANGUAGES.terms if t.code != "en"]


DAYS = {"en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), "es": ("lun", "mar", "mié", "jue", "vie", "sáb", "dom")}
MONTHS = {"en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
          "es": ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic")}


def at_label(iso: str | None) -> str:
    """The time a search asked about, as people read it: 'Tue 8 Dec, 22:00' ('mar 8 dic, 22:00')."""
    if not iso:
        return ""
    when = datetime.fromisoformat(iso)
    lang = "es" if request_language() == "es" else "en"
    return f"{DAYS[lang][when.weekday()]} {when.day} {MONTHS[lang][when.month - 1]}, {when:%H:%M}"


def request_body(form) -> dict:  # noqa: ANN001 - the request's form
    """The match request (``MatchRequestSchema`` input) from the page form; empty fields are left out."""
    body: dict = {"location": {}, "needs": form.getlist("needs")}
    lat, lon, near = form.get("lat", "").strip(), form.get("lon", "").strip(), form.get("near", "").strip()
    if lat and lon:
        body["location"] = {"lat": lat, "lon": lon}
    elif near:
        body["location"] = {"text": near}
    for name, dim in eligibility.PROFILE_FIELDS.items():
        value = dim.kind.read_form(form, name)
        if value is not None:
            body[name] = value
    if form.getlist("languages"):
        body["languages"] = form.getlist("languages")
        if form.get("must_speak") == "yes":
            body["must_speak"] = form.getlist("languages")
    if form.get("at", "").strip():
        body["at"] = form.get("at").strip()
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
            "age": _("Type an age between 0 and 120."),
            "at": _("Choose a date and time within a month of now, or leave it empty for now.")}
    return {k: said.get(k, page_message(v)) for k, v in errors.items()}


def participant_text(results: list[dict], start: int = 1) -> list[str]:
    """The results as plain text for a text message, one block each, numbered from ``start``: name,
    address, phone, hours as people say them, what to bring. No staff notes (reasons, cautions); a sample
    listing says so first."""
    return [_participant_block(r, n) for n, r in enumerate(results, start)]


def _participant_block(result: dict, n: int) -> str:
    a = result.get("address") or {}
    lines = [_("SAMPLE LISTING, NOT A REAL PROGRAM")] if result.get("sample") else []
    lines.append(f"{n}. {result['service']['name']} – {result['organization']['name']}")
    street = ", ".join(x for x in (a.get("address_1"), a.get("address_2")) if x)
    town = " ".join(x for x in (a.get("town") or a.get("city"), a.get("state_province") or "CT", a.get("postal_code"))
                    if x)
    if result.get("no_site"):
        lines.append(result.get("site_text") or "")
    elif street or town:
        lines.append(", ".join(x for x in (street, town) if x))
    if result.get("phone"):
        lines.append(_("Phone: %(phone)s", phone=result["phone"]))
    elif result.get("no_phone_line"):
        lines.append(_("No phone on file; %(line)s (%(dial)s) can give its number", line=result["no_phone_line"]["name"],
                       dial=result["no_phone_line"]["dial"]))
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
        out = search.match(runtime(), g.user, body, request_language(), outcomes=True)
    except ValidationError as exc:
        errors = _errors(exc.messages)
    except UnknownNeeds:
        errors = {"needs": ""}
    except PlaceNotFound as exc:
        errors = {"near": exc.errors[0]["message"]}
    status = 200 if out is not None else 422
    return no_store(make_response(_render(form=form, errors=_friendly(errors), out=out), status))


def shown_lists(out: dict | None, layout: str) -> list[dict]:
    """What the results page shows: one section per need (each with its heading and what answers at
    any hour), or the single ranked list. Cards are numbered through, as the map is."""
    if not out:
        return []
    if out.get("sections") and layout != "list":
        lists = [{"need": s["need"], "name": s["name"], "results": s["results"], "now": s["now"]}
                 for s in out["sections"]]
    else:
        lists = [{"need": None, "name": None, "results": out["results"], "now": out["now"]}]
    n = 0
    for part in lists:
        part["start"] = n
        n += len(part["results"])
    return lists


def summaries_for(lists: list[dict]) -> list[str]:
    """The text for the participant, one block per card numbered like the page: grouped by need, each
    need's name above its first program (then each block as ``participant_text`` writes it)."""
    blocks = []
    for part in lists:
        texts = participant_text(part["results"], part["start"] + 1)
        if part["name"] and texts:
            texts[0] = f"{part['name'].upper()}\n{texts[0]}"
        blocks.extend(texts)
    return blocks


def _render(*, form, errors: dict, out: dict | None = None) -> str:  # noqa: ANN001 - a dict or the request form
    lang = request_language()
    layout = form.get("layout", "sections") if hasattr(form, "get") else "sections"
    lists = shown_lists(out, layout)
    results = [r for part in lists for r in part["results"]]
    chosen = {"needs": set(_getlist(form, "needs")), "languages": set(_getlist(form, "languages")),
              **{n: set(_getlist(form, n)) for n, d in eligibility.PROFILE_FIELDS.items()
                 if d.kind.control == "checkboxes"}}
    svg = result_map(out.get("location") if out else None, results,
                     title=_("Map of the results around the participant's location"),
                     centre_label=_("Participant's location")) if results else ""
    return render_template(
        "match.html", title=_("Find services") if out is None else _("Results"), form=form, chosen=chosen,
        errors=errors, out=out, results=results, need_groups=need_groups(lang), facts=fact_fields(lang),
        languages=language_choices(lang), distances=DISTANCES, map_svg=svg, lang_form="profile",
        lists=lists, layout=layout, at_label=at_label(out.get("at") if out else None),
        summaries=summaries_for(lists), times_note=times_note(),
        printed_at=hours.human_moment(runtime().search.clock(), lang, runtime().settings.timezone))


def _getlist(form, name: str) -> list[str]:  # noqa: ANN001
    return form.getlist(name) if hasattr(form, "getlist") else list(form.get(name) or [])
