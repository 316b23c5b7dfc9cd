"""Program reports for the Policy Coordinating Group: what a LEAD program did over a period, and what the
community lacked (unmet need), as counts no person can be singled out from.

Computed here from plain documents (diversions, referrals, unmet-need tallies), so the figures are pure
functions a test can check against counts it makes itself; ``api.usecases.reports`` reads the documents.

- Every count from 1 to ``SMALL - 1`` is shown as ``"<11"`` (``cell``); a rate or a median is shown only
  when it rests on at least ``SMALL`` cases, else ``"<11"`` too. Zero is shown as 0: it singles nobody out.
  (Complementary suppression, hiding a second cell so a suppressed one cannot be worked out from a total, is
  not done: the report shows no totals beside the cells it breaks down, except the acceptance figures.)
- Participant data never leaves this module: a diversion and a referral of the same person are joined on
  their opaque reference, in memory, only to time diversion to placement.
- Unmet need, by need × town × ISO week: officers' nearby searches where no result was open with room
  (``directory.indices.unmet`` counts them, without any participant data), and referrals declined for no
  capacity.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import median

SMALL = 11
SUPPRESSED = "<11"


def cell(n: int) -> int | str:
    """A count as it may be shown."""
    return SUPPRESSED if 0 < n < SMALL else n


def _at(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def week_of(moment: datetime) -> str:
    """The ISO week a moment falls in, as the date of its Monday ('2026-11-02')."""
    day = moment.date()
    return (day - timedelta(days=day.weekday())).isoformat()


def _minutes(start: str | None, end: str | None) -> float | None:
    a, b = _at(start), _at(end)
    return (b - a).total_seconds() / 60 if a and b and b >= a else None


def _median(values: list[float]) -> float | str | None:
    if not values:
        return None
    return round(median(values), 1) if len(values) >= SMALL else SUPPRESSED


def _rate(part: int, whole: int) -> float | str | None:
    if not whole:
        return None
    return round(part / whole, 3) if whole >= SMALL and (part == 0 or part >= SMALL) else SUPPRESSED


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime  # exclusive

    def holds(self, value: str | None) -> bool:
        moment = _at(value)
        return moment is not None and self.start <= moment < self.end


def program_report(period: Period, program: str | None, diversions: list[dict], referrals: list[dict],
                   unmet_searches: list[dict], listing_towns: dict[str, str], now: datetime) -> dict:
    """The report: ``diversions`` and ``referrals`` of the program (any program: None) created in the
    period, ``unmet_searches`` tallied in it; ``listing_towns`` gives each referred listing's town."""
    divs = [d for d in diversions if period.holds(d.get("created_at")) and (program is None or d.get("program") == program)]
    refs = [r for r in referrals if period.holds(r.get("created_at")) and (program is None or r.get("program") == program)]

    by_type_town: dict[str, Counter] = defaultdict(Counter)
    for d in divs:
        by_type_town[d["type"]][d.get("town") or "unknown"] += 1
    to_ack = [m for d in divs if (m := _minutes(d["created_at"], d.get("acknowledged_at"))) is not None]
    to_contact = [m for d in divs if (m := _minutes(d["created_at"], d.get("contacted_at"))) is not None]

    by_need = Counter(n for r in refs for n in (r.get("needs") or []))
    decided = [r for r in refs if r.get("decision") in ("accepted", "declined")]
    accepted = sum(1 for r in decided if r["decision"] == "accepted")
    declines = Counter(r.get("decline_reason") or "other" for r in decided if r["decision"] == "declined")
    no_shows = sum(1 for r in refs if any(e.get("status") == "no_show" for e in r.get("events") or []))
    enrolled = sum(1 for r in refs if any(e.get("status") == "enrolled" for e in r.get("events") or []))

    # Diversion to placement: the first enrolment of a referral of the same person, after the diversion.
    placed_at: dict[tuple[str | None, str], datetime] = {}
    for r in referrals:
        for e in r.get("events") or []:
            if e.get("status") == "enrolled" and r.get("participant_ref"):
                key = (r.get("program"), r["participant_ref"])
                moment = _at(e["at"])
                if key not in placed_at or moment < placed_at[key]:
                    placed_at[key] = moment
    to_placement = []
    for d in divs:
        placed = placed_at.get((d.get("program"), d.get("participant_ref")))
        began = _at(d.get("occurred_at") or d["created_at"])
        if placed and placed >= began:
            to_placement.append((placed - began).total_seconds() / 3600)

    bed_days = 0.0
    for r in refs:
        hold = r.get("hold") or {}
        start, until = _at(hold.get("at")), _at(hold.get("until"))
        if not start or not until:
            continue
        end = min(x for x in (_at(hold.get("released_at")), until, now, period.end) if x)
        begin = max(start, period.start)
        if end > begin:
            bed_days += (end - begin).total_seconds() / 86400

    unmet: Counter = Counter()
    for s in unmet_searches:
        if period.holds(s.get("at")) and (program is None or s.get("program") in (None, program)):
            unmet[(s["need"], s.get("town") or "unknown", s["week"], "search")] += 1
    for r in refs:
        if r.get("decision") == "declined" and r.get("decline_reason") == "no_capacity":
            town = listing_towns.get(r.get("listing_id"), "unknown")
            for need in r.get("needs") or ["unknown"]:
                unmet[(need, town, week_of(_at(r["decided_at"] or r["created_at"])), "referral")] += 1

    return {
        "period": {"from": period.start.isoformat(), "to": period.end.isoformat()}, "program": program,
        "small_cell": SMALL,
        "diversions": {
            "count": cell(len(divs)),
            "by_type_and_town": [{"type": t, "town": town, "count": cell(n)}
                                 for t in sorted(by_type_town) for town, n in sorted(by_type_town[t].items())],
            "minutes_to_acknowledge": {"median": _median(to_ack), "cases": cell(len(to_ack))},
            "minutes_to_first_contact": {"median": _median(to_contact), "cases": cell(len(to_contact))},
            "hours_to_placement": {"median": _median(to_placement), "cases": cell(len(to_placement))},
        },
        "referrals": {
            "count": cell(len(refs)),
            "by_need": [{"need": n, "count": cell(c)} for n, c in sorted(by_need.items())],
            "decided": cell(len(decided)), "accepted": cell(accepted),
            "declined": cell(len(decided) - accepted), "acceptance_rate": _rate(accepted, len(decided)),
            "declines_by_reason": [{"reason": k, "count": cell(v)} for k, v in sorted(declines.items())],
            "no_shows": cell(no_shows), "enrolled": cell(enrolled),
            "bed_days_held": round(bed_days, 1),
        },
        "unmet_need": [{"need": need, "town": town, "week": week, "source": source, "count": cell(n)}
                       for (need, town, week, source), n in sorted(unmet.items())],
    }


def csv_rows(report: dict) -> list[list[str]]:
    """The report as rows of (section, dimension, dimension, value) for a CSV export."""
    rows = [["section", "key", "detail", "value"]]
    d, r = report["diversions"], report["referrals"]
    rows.append(["diversions", "count", "", str(d["count"])])
    rows += [["diversions_by_type_and_town", x["type"], x["town"], str(x["count"])] for x in d["by_type_and_town"]]
    for name in ("minutes_to_acknowledge", "minutes_to_first_contact", "hours_to_placement"):
        rows.append([name, "median", "", "" if d[name]["median"] is None else str(d[name]["median"])])
        rows.append([name, "cases", "", str(d[name]["cases"])])
    rows.append(["referrals", "count", "", str(r["count"])])
    rows += [["referrals_by_need", x["need"], "", str(x["count"])] for x in r["by_need"]]
    for name in ("decided", "accepted", "declined", "acceptance_rate", "no_shows", "enrolled", "bed_days_held"):
        rows.append(["referrals", name, "", "" if r[name] is None else str(r[name])])
    rows += [["declines_by_reason", x["reason"], "", str(x["count"])] for x in r["declines_by_reason"]]
    rows += [["unmet_need", f"{x['need']}|{x['town']}", f"{x['week']}|{x['source']}", str(x["count"])]
             for x in report["unmet_need"]]
    return rows


def parse_day(value: str) -> date:
    return date.fromisoformat(value)
