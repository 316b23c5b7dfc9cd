"""The program report page (administrators, who supervise the programs): a period and a program, the
figures with server-drawn charts, and links to the same report as CSV and JSON."""
from __future__ import annotations

from datetime import date, timedelta

from flask import g, make_response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from api.pages.common import no_store, page_for, pages
from api.pages.diversions import CLOSE_LABELS, DECLINE_LABELS, TYPE_LABELS
from api.pages.officer import buttons
from api.pages.reportsvg import bar_chart
from api.runtime import request_language, runtime
from api.usecases import reports as cases
from api.usecases.errors import Invalid
from directory import taxonomy

SOURCE_LABELS = {"search": _l("Nearby search"), "referral": _l("Referral declined: no capacity")}


def _need(code: str) -> str:
    groups = dict(buttons("quick_buttons") + buttons("more_buttons"))
    if code in groups:
        return str(groups[code])
    need = taxonomy.BY_CODE.get(code)
    if not need:
        return code
    return need.name_es if request_language() == "es" else need.name


def _day(name: str, default: date) -> date:
    try:
        return date.fromisoformat(request.args.get(name, "")) if request.args.get(name) else default
    except ValueError:
        raise Invalid(name, "a date such as 2026-11-01") from None


@pages.route("/reports")
@page_for("report.read")
def reports_page():
    rt = runtime()
    today = date.today()
    first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    start, end = _day("from", first), _day("to", today.replace(day=1) - timedelta(days=1))
    program = request.args.get("program") or None
    report = cases.program_report(rt, g.user, start, end, program)
    note = _("fewer than 11: not shown, so that no one can be singled out")
    d, r = report["diversions"], report["referrals"]
    charts = {
        "types": bar_chart(_("Diversions by kind and town"),
                           [(f"{TYPE_LABELS.get(x['type'], x['type'])} · {x['town']}", x["count"])
                            for x in d["by_type_and_town"]], note),
        "needs": bar_chart(_("Referrals by need"), [(_need(x["need"]), x["count"]) for x in r["by_need"]], note),
        "declines": bar_chart(_("Declines by reason"),
                              [(str(DECLINE_LABELS.get(x["reason"], CLOSE_LABELS.get(x["reason"], x["reason"]))),
                                x["count"]) for x in r["declines_by_reason"]], note),
    }
    args = {"from": start.isoformat(), "to": end.isoformat(), **({"program": program} if program else {})}
    html = render_template("reports.html", title=_("Program report"), report=report, charts=charts, args=args,
                           programs=rt.settings.programs, need_label=_need, sources=SOURCE_LABELS,
                           types=TYPE_LABELS)
    return no_store(make_response(html))
