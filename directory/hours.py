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
        m = re.fullmatch(r"([A-Za-z,\- ]+?)\s+(.+)", clause)
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
