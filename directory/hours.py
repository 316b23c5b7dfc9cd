"""Opening hours as intervals in minutes of the local week.

Minute 0 is Monday 00:00 local time (America/New_York) and the week has 10,080 minutes. An
interval is ``(start, end)`` with ``end`` exclusive. Hours that run past midnight simply
continue into the next day; hours that run past Sunday midnight are split in two so that every
interval stays inside the week. Because the intervals are in local wall-clock time, "open now"
converts the instant to local time first, which is what makes daylight-saving changes work.
"""
from __future__ import annotations

import functools
import re
from datetime import datetime, timedelta
from typing import Iterable, Sequence
from zoneinfo import ZoneInfo

WEEK = 7 * 24 * 60
DAY = 24 * 60
DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DAY_ALIASES = {
    **{d: i for i, d in enumerate(DAYS)},
    **{n.upper(): i for i, n in enumerate(DAY_NAMES)},
    **{n.upper(): i for i, n in enumerate(
        ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"))},
    "TUES": 1, "THU": 3, "THUR": 3, "THURS": 3,
    # Spanish, so a provider can write their hours in the language of their page.
    **{n: i for i, names in enumerate((("LU", "LUN", "LUNES"), ("MA", "MAR", "MARTES"),
                                       ("MI", "MIE", "MIÉ", "MIERCOLES", "MIÉRCOLES"), ("JU", "JUE", "JUEVES"),
                                       ("VI", "VIE", "VIERNES"), ("SÁ", "SAB", "SÁB", "SABADO", "SÁBADO"),
                                       ("DO", "DOM", "DOMINGO"))) for n in names},
}

Interval = tuple[int, int]


class HoursError(ValueError):
    """Hours text or a schedule that cannot be understood."""


def parse_time(value: str) -> int:
    """'08:00', '8:00:00', '8am', '24:00' -> minutes after midnight."""
    text = value.strip().lower().replace(".", "")
    m = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?\s*(am|pm)?", text)
    if not m:
        raise HoursError(f"not a time of day: {value!r}")
    hour, minute, meridiem = int(m.group(1)), int(m.group(2) or 0), m.group(4)
    if meridiem:
        if not 1 <= hour <= 12:
            raise HoursError(f"not a time of day: {value!r}")
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    if minute > 59 or hour > 24 or (hour == 24 and minute):
        raise HoursError(f"not a time of day: {value!r}")
    return hour * 60 + minute


def day_index(token: str) -> int:
    try:
        return _DAY_ALIASES[token.strip().upper()]
    except KeyError:
        raise HoursError(f"not a day of the week: {token!r}") from None


def expand_days(spec: str) -> list[int]:
    """'Mo-Fr', 'MO,WE,FR', 'Sa-Mo' (wrapping) -> day indexes, Monday = 0."""
    days: list[int] = []
    for part in re.split(r"\s*,\s*", spec.strip()):
        if not part:
            continue
        if "-" in part:
            a, b = (day_index(p) for p in part.split("-", 1))
            span = (b - a) % 7
            days.extend((a + i) % 7 for i in range(span + 1))
        else:
            days.append(day_index(part))
    if not days:
        raise HoursError(f"no days in {spec!r}")
    return sorted(set(days))


def day_span(day: int, opens: int, closes: int) -> list[Interval]:
    """One day's opening as week intervals; closing at or before opening runs overnight."""
    start = day * DAY + opens
    length = closes - opens if closes > opens else DAY - opens + closes
    end = start + length
    if end <= WEEK:
        return [(start, end)]
    return [(start, WEEK), (0, end - WEEK)]


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sort and merge overlapping or touching intervals."""
    out: list[list[int]] = []
    for start, end in sorted(intervals):
        if out and start <= out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return [(s, e) for s, e in out]


def parse_hours(text: str) -> list[Interval]:
    """Parse the provider spreadsheet's hours syntax.

    ``24/7`` | ``Mo-Fr 08:00-17:00; Sa 09:00-12:00`` | ``Fr,Sa 22:00-06:00`` (overnight) |
    ``Mo-Su 00:00-24:00``. Days and ranges are separated by ``;``. Empty text means unknown
    hours and gives no intervals.
    """
    return list(_parse_hours(text))


@functools.lru_cache(maxsize=8192)
def _parse_hours(text: str) -> tuple[Interval, ...]:
    # A large ingest repeats the same few hundred hours texts: each is parsed once (make bench).
    text = (text or "").strip()
    if not text:
        return ()
    if re.fullmatch(r"24\s*/\s*7|24 hours|open 24 hours", text, flags=re.I):
        return ((0, WEEK),)
    intervals: list[Interval] = []
    for clause in filter(None, (c.strip() for c in text.split(";"))):
        m = re.fullmatch(r"([^\W\d_][\w,\- ]*?)\s+(\d.*|24h|24 hours)", clause)
        if not m:
            raise HoursError(f"expected 'Days HH:MM-HH:MM' in {clause!r}")
        days = expand_days(m.group(1))
        for rng in re.split(r"\s*,\s*", m.group(2)):
            if rng.lower() in ("24h", "24 hours"):
                opens, closes = 0, DAY
            else:
                parts = re.split(r"\s*-\s*", rng)
                if len(parts) != 2:
                    raise HoursError(f"expected HH:MM-HH:MM, got {rng!r}")
                opens, closes = parse_time(parts[0]), parse_time(parts[1])
                if opens == DAY:
                    raise HoursError(f"opening time cannot be 24:00 in {rng!r}")
            for day in days:
                intervals.extend(day_span(day, opens, closes))
    return tuple(merge(_fold_week(intervals)))


def _fold_week(intervals: Iterable[Interval]) -> list[Interval]:
    out: list[Interval] = []
    for start, end in intervals:
        if end > WEEK:
            out.extend([(start, WEEK), (0, end - WEEK)])
        else:
            out.append((start, end))
    return out


def schedule_intervals(schedules: Sequence[dict]) -> list[Interval]:
    """HSDS ``schedule`` rows (weekly ``byday`` + ``opens_at``/``closes_at``) -> intervals.

    Rows without ``byday`` but with times are taken as every day. Rows with neither are
    descriptions only and add nothing.
    """
    intervals: list[Interval] = []
    for row in schedules:
        opens_at, closes_at = row.get("opens_at"), row.get("closes_at")
        if not opens_at or not closes_at:
            continue
        freq = (row.get("freq") or "WEEKLY").upper()
        if freq not in ("WEEKLY", "DAILY"):
            continue
        days = expand_days(row["byday"]) if row.get("byday") and freq == "WEEKLY" else list(range(7))
        opens, closes = parse_time(str(opens_at)), parse_time(str(closes_at))
        for day in days:
            intervals.extend(day_span(day, opens, closes))
    return merge(_fold_week(intervals))


def minute_of_week(instant: datetime, tz: str = "America/New_York") -> int:
    """The local minute of the week for an aware instant."""
    if instant.tzinfo is None:
        raise ValueError("instant must be timezone-aware")
    local = instant.astimezone(ZoneInfo(tz))
    return local.weekday() * DAY + local.hour * 60 + local.minute


def is_open(intervals: Sequence[Interval], instant: datetime, tz: str = "America/New_York") -> bool:
    minute = minute_of_week(instant, tz)
    return any(start <= minute < end for start, end in intervals)


def is_always_open(intervals: Sequence[Interval]) -> bool:
    return merge(intervals) == [(0, WEEK)]


def next_opening(intervals: Sequence[Interval], instant: datetime,
                 tz: str = "America/New_York") -> datetime | None:
    """When the listing next opens after ``instant`` (None if open now or no hours known)."""
    if not intervals or is_open(intervals, instant, tz):
        return None
    zone = ZoneInfo(tz)
    local = instant.astimezone(zone).replace(second=0, microsecond=0)
    now = local.weekday() * DAY + local.hour * 60 + local.minute
    wait = min((start - now) % WEEK for start, _ in intervals)
    # Step in wall-clock time: build the local date and time, then attach the zone.
    target_naive = local.replace(tzinfo=None) + timedelta(minutes=wait)
    return target_naive.replace(tzinfo=zone)


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def describe(intervals: Sequence[Interval]) -> str:
    """Readable weekly hours: 'Open 24/7' or 'Mon 08:00-17:00; Fri 22:00-Sat 06:00'."""
    if not intervals:
        return "Hours not stated"
    if is_always_open(intervals):
        return "Open 24/7"
    parts = []
    for start, end in intervals:
        day, opens = divmod(start, DAY)
        end_day, closes = divmod(end, DAY)
        if closes == 0 and end_day == day + 1:
            parts.append(f"{DAY_NAMES[day]} {_clock(opens)}-24:00")
        elif end_day == day:
            parts.append(f"{DAY_NAMES[day]} {_clock(opens)}-{_clock(closes)}")
        else:
            parts.append(f"{DAY_NAMES[day]} {_clock(opens)}-{DAY_NAMES[end_day % 7]} {_clock(closes)}")
    return "; ".join(parts)


def as_ranges(intervals: Sequence[Interval]) -> list[dict[str, int]]:
    """Intervals as Elasticsearch ``integer_range`` values (gte inclusive, lt exclusive)."""
    return [{"gte": start, "lt": end} for start, end in intervals]


# ----- hours as people say them ------------------------------------------------------------------------
_WORDS = {
    "en": {"days": DAY_NAMES, "every_day": "Every day", "every_night": "Every night", "all_day": "24 hours",
           "always": "Open 24/7", "unknown": "Hours not stated", "noon": "noon", "midnight": "midnight",
           "am": "am", "pm": "pm"},
    "es": {"days": ("lun", "mar", "mié", "jue", "vie", "sáb", "dom"), "every_day": "Todos los días",
           "every_night": "Todas las noches", "all_day": "24 horas", "always": "Abierto 24/7",
           "unknown": "Horario no indicado", "noon": "mediodía", "midnight": "medianoche", "am": "a. m.",
           "pm": "p. m."},
}


def time_text(minute: int, lang: str = "en") -> str:
    """A time of day as people say it: 540 -> '9 am', 570 -> '9:30 am', 720 -> 'noon', 0 -> 'midnight'
    (Spanish: '9 a. m.', 'mediodía', 'medianoche')."""
    return _time(minute, _WORDS["es" if lang == "es" else "en"])


def at_time(minute: int, lang: str = "en") -> str:
    """'at 9 am', 'at noon'; Spanish 'a las 9 a. m.', 'a la 1 p. m.', 'al mediodía', 'a medianoche'."""
    minute %= DAY
    said = time_text(minute, lang)
    if lang != "es":
        return f"at {said}"
    if minute == 720:
        return "al mediodía"
    if minute == 0:
        return "a medianoche"
    return f"a la {said}" if (minute // 60) % 12 == 1 else f"a las {said}"


MONTHS = {"en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
          "es": ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic")}


def human_moment(instant: datetime, lang: str = "en", tz: str = "America/New_York") -> str:
    """An instant in local time as people write it: 'Tue Dec 8, 2026, 1:30 am' ('mar 8 dic 2026, 1:30 a. m.')."""
    local = instant.astimezone(ZoneInfo(tz))
    key = "es" if lang == "es" else "en"
    day, month = _WORDS[key]["days"][local.weekday()], MONTHS[key][local.month - 1]
    time = time_text(local.hour * 60 + local.minute, lang)
    if key == "es":
        return f"{day} {local.day} {month} {local.year}, {time}"
    return f"{day} {month} {local.day}, {local.year}, {time}"


def _time(minute: int, words: dict) -> str:
    minute %= DAY
    if minute == 0:
        return words["midnight"]
    if minute == 720:
        return words["noon"]
    hour, mins = divmod(minute, 60)
    clock = f"{hour % 12 or 12}" + (f":{mins:02d}" if mins else "")
    return f"{clock} {words['am' if hour < 12 else 'pm']}"


def _days(days: list[int], words: dict) -> str:
    """[0, 1, 2, 3, 4] -> 'Mon-Fri'; [1, 3] -> 'Tue, Thu'; runs of consecutive days become ranges."""
    runs: list[list[int]] = []
    for d in days:
        if runs and d == runs[-1][-1] + 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    names = words["days"]
    return ", ".join(names[r[0]] if len(r) == 1 else f"{names[r[0]]}-{names[r[-1]]}" for r in runs)


def human(intervals: Sequence[Interval], lang: str = "en") -> str:
    """Weekly hours as people say them, for a participant's copy and the cards: 'Mon-Fri 9 am-5 pm;
    Sat 9 am-noon', 'Every night 5 pm-8 am', 'Open 24/7' (Spanish: 'lun-vie 9 a. m.-5 p. m.',
    'Todas las noches 5 p. m.-8 a. m.'). Local wall-clock times; the caller says which zone."""
    words = _WORDS["es" if lang == "es" else "en"]
    if not intervals:
        return words["unknown"]
    if is_always_open(intervals):
        return words["always"]
    merged = merge(intervals)
    if len(merged) > 1 and merged[0][0] == 0 and merged[-1][1] == WEEK:
        # Sunday night into Monday morning was split at the week's end: one opening again.
        merged = merged[1:-1] + [(merged[-1][0], WEEK + merged[0][1])]
    per_day: dict[int, list[Interval]] = {}
    spans: list[Interval] = []  # openings of a day or more that do not start at midnight (Fri 5 pm-Mon 8 am)
    for start, end in merged:
        day, opens = divmod(start, DAY)
        length = end - start
        if length < DAY:
            per_day.setdefault(day % 7, []).append((opens, opens + length))
        elif opens == 0 and length % DAY == 0:
            for k in range(length // DAY):
                per_day.setdefault((day + k) % 7, []).append((0, DAY))
        else:
            spans.append((start, end))
    groups: dict[tuple[Interval, ...], list[int]] = {}
    for day in sorted(per_day):
        groups.setdefault(tuple(sorted(per_day[day])), []).append(day)
    parts: list[tuple[int, str]] = []
    for openings, days in groups.items():
        if openings == ((0, DAY),):
            times = words["all_day"]
        else:
            times = ", ".join(f"{_time(a, words)}-{_time(b, words)}" for a, b in openings)
        if len(days) == 7:
            overnight = all(b > DAY for _a, b in openings)
            head = words["every_night" if overnight else "every_day"]
        else:
            head = _days(days, words)
        parts.append((days[0] * DAY + openings[0][0], f"{head} {times}"))
    for start, end in spans:
        names = words["days"]
        parts.append((start, f"{names[(start // DAY) % 7]} {_time(start, words)}-"
                             f"{names[(end // DAY) % 7]} {_time(end, words)}"))
    return "; ".join(text for _start, text in sorted(parts))
