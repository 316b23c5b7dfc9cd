"""Opening hours: minute-of-week intervals, overnight, week wrap and daylight-saving changes."""
from datetime import datetime, timezone

import pytest

from directory import hours
from directory.hours import DAY, WEEK

UTC = timezone.utc


def test_weekday_hours():
    assert hours.parse_hours("Mo-Fr 08:00-17:00") == [(d * DAY + 480, d * DAY + 1020) for d in range(5)]


def test_24_7_is_one_interval():
    assert hours.parse_hours("24/7") == [(0, WEEK)]
    assert hours.parse_hours("Mo-Su 00:00-24:00") == [(0, WEEK)]


def test_overnight_runs_into_the_next_day():
    # Friday 22:00 to Saturday 06:00 is one interval
    assert hours.parse_hours("Fr 22:00-06:00") == [(4 * DAY + 1320, 5 * DAY + 360)]


def test_sunday_overnight_is_split_at_the_week_boundary():
    assert hours.parse_hours("Su 22:00-06:00") == [(0, 360), (6 * DAY + 1320, WEEK)]


def test_nightly_shelter_hours_merge_into_continuous_intervals():
    ivs = hours.parse_hours("Mo-Su 17:00-08:00")
    assert (0, 480) in ivs  # Sunday night's stay continues into Monday morning
    assert len(ivs) == 8


def test_multiple_ranges_and_clauses():
    ivs = hours.parse_hours("Mo-Su 07:00-09:00, 16:30-18:00; Sa 10:00-11:00")
    assert (5 * DAY + 600, 5 * DAY + 660) in ivs
    assert len(ivs) == 15


@pytest.mark.parametrize("bad", ["Mo-Fr", "Xx 08:00-10:00", "Mo 25:00-26:00", "Mo 08:00"])
def test_bad_hours_are_errors(bad):
    with pytest.raises(hours.HoursError):
        hours.parse_hours(bad)


def test_hsds_schedule_rows():
    rows = [{"freq": "WEEKLY", "byday": "TH,FR", "opens_at": "10:00:00", "closes_at": "18:00:00"}]
    assert hours.schedule_intervals(rows) == [(3 * DAY + 600, 3 * DAY + 1080), (4 * DAY + 600, 4 * DAY + 1080)]


def test_open_now_uses_new_york_wall_clock_in_winter_and_summer():
    ivs = hours.parse_hours("Mo-Fr 08:00-17:00")
    # Monday 13:30 UTC is 08:30 EST in January and 09:30 EDT in July: open both times
    assert hours.is_open(ivs, datetime(2026, 1, 5, 13, 30, tzinfo=UTC))
    assert hours.is_open(ivs, datetime(2026, 7, 6, 13, 30, tzinfo=UTC))
    # Monday 12:30 UTC is 07:30 EST (closed) but 08:30 EDT (open)
    assert not hours.is_open(ivs, datetime(2026, 1, 5, 12, 30, tzinfo=UTC))
    assert hours.is_open(ivs, datetime(2026, 7, 6, 12, 30, tzinfo=UTC))


def test_spring_forward_night():
    # Clocks jump 02:00 -> 03:00 on Sunday 8 March 2026. A shelter open Sa 22:00-Su 03:00:
    ivs = hours.parse_hours("Sa 22:00-03:00")
    assert hours.is_open(ivs, datetime(2026, 3, 8, 6, 30, tzinfo=UTC))  # 01:30 EST, open
    # 07:30 UTC is 03:30 EDT: closed. A fixed -5 offset would say 02:30 and wrongly "open".
    assert not hours.is_open(ivs, datetime(2026, 3, 8, 7, 30, tzinfo=UTC))


def test_fall_back_night_repeated_hour():
    # Clocks go 02:00 EDT -> 01:00 EST on Sunday 1 November 2026; 01:30 happens twice.
    ivs = hours.parse_hours("Su 01:00-02:00")
    assert hours.is_open(ivs, datetime(2026, 11, 1, 5, 30, tzinfo=UTC))  # 01:30 EDT
    assert hours.is_open(ivs, datetime(2026, 11, 1, 6, 30, tzinfo=UTC))  # 01:30 EST
    assert not hours.is_open(ivs, datetime(2026, 11, 1, 7, 30, tzinfo=UTC))  # 02:30 EST


def test_next_opening_across_midnight_and_week_end():
    ivs = hours.parse_hours("Mo-Fr 08:00-17:00")
    friday_evening = datetime(2026, 11, 27, 23, 0, tzinfo=UTC)  # Fri 18:00 EST
    nxt = hours.next_opening(ivs, friday_evening)
    assert (nxt.weekday(), nxt.hour, nxt.minute, nxt.day) == (0, 8, 0, 30)
    assert nxt.utcoffset().total_seconds() == -5 * 3600


def test_next_opening_across_a_dst_change_keeps_wall_clock_time():
    ivs = hours.parse_hours("Mo-Fr 08:00-17:00")
    saturday = datetime(2026, 3, 7, 15, 0, tzinfo=UTC)  # Sat 10:00 EST; DST starts Sunday
    nxt = hours.next_opening(ivs, saturday)
    assert (nxt.month, nxt.day, nxt.hour) == (3, 9, 8)
    assert nxt.astimezone(UTC).hour == 12  # 08:00 EDT


def test_next_opening_is_none_when_open_or_unknown():
    assert hours.next_opening(hours.parse_hours("24/7"), datetime(2026, 1, 1, tzinfo=UTC)) is None
    assert hours.next_opening([], datetime(2026, 1, 1, tzinfo=UTC)) is None


def test_describe():
    assert hours.describe(hours.parse_hours("24/7")) == "Open 24/7"
    assert hours.describe(hours.parse_hours("Fr 22:00-06:00")) == "Fri 22:00-Sat 06:00"
    assert hours.describe(hours.parse_hours("Mo 09:00-17:00")) == "Mon 09:00-17:00"
    assert hours.describe([]) == "Hours not stated"


# ----- hours as people say them (the participant's copy, the cards) ---------------------------------------
@pytest.mark.parametrize("text, en, es", [
    ("Mo-Fr 09:00-17:00", "Mon-Fri 9 am-5 pm", "lun-vie 9 a. m.-5 p. m."),
    ("Mo-Su 17:00-08:00", "Every night 5 pm-8 am", "Todas las noches 5 p. m.-8 a. m."),
    ("Mo-Su 19:00-07:00", "Every night 7 pm-7 am", "Todas las noches 7 p. m.-7 a. m."),
    ("Mo-Su 08:00-21:00", "Every day 8 am-9 pm", "Todos los días 8 a. m.-9 p. m."),
    ("Mo-Fr 08:00-17:00; Sa 08:00-12:00", "Mon-Fri 8 am-5 pm; Sat 8 am-noon",
     "lun-vie 8 a. m.-5 p. m.; sáb 8 a. m.-mediodía"),
    ("Mo-Fr 05:30-14:00; Sa 06:00-10:00; Su 07:00-09:00", "Mon-Fri 5:30 am-2 pm; Sat 6 am-10 am; Sun 7 am-9 am",
     "lun-vie 5:30 a. m.-2 p. m.; sáb 6 a. m.-10 a. m.; dom 7 a. m.-9 a. m."),
    ("Mo-Su 07:00-09:00, 16:30-18:00", "Every day 7 am-9 am, 4:30 pm-6 pm",
     "Todos los días 7 a. m.-9 a. m., 4:30 p. m.-6 p. m."),
    ("Tu,Th 10:00-14:00", "Tue, Thu 10 am-2 pm", "mar, jue 10 a. m.-2 p. m."),
    ("Mo-Fr 09:00-17:00; Fr 21:00-01:00", "Mon-Thu 9 am-5 pm; Fri 9 am-5 pm, 9 pm-1 am",
     "lun-jue 9 a. m.-5 p. m.; vie 9 a. m.-5 p. m., 9 p. m.-1 a. m."),
    ("Sa,Su 00:00-24:00", "Sat-Sun 24 hours", "sáb-dom 24 horas"),
    ("We 17:00-24:00", "Wed 5 pm-midnight", "mié 5 p. m.-medianoche"),
    ("Mo-Fr 12:30-13:15", "Mon-Fri 12:30 pm-1:15 pm", "lun-vie 12:30 p. m.-1:15 p. m."),
    ("24/7", "Open 24/7", "Abierto 24/7"),
    ("", "Hours not stated", "Horario no indicado"),
])
def test_hours_read_as_people_say_them(text, en, es):
    intervals = hours.parse_hours(text)
    assert hours.human(intervals) == en
    assert hours.human(intervals, "es") == es


def test_a_stay_across_the_weekend_is_one_span():
    # Friday 17:00 to Monday 08:00 without a break (a weekend-only shelter) is not three nights.
    intervals = [(4 * DAY + 17 * 60, WEEK), (0, 8 * 60)]
    assert hours.human(intervals) == "Fri 5 pm-Mon 8 am"
    assert hours.human(intervals, "es") == "vie 5 p. m.-lun 8 a. m."


def test_a_sunday_night_split_at_the_week_boundary_reads_as_one_night():
    assert hours.human(hours.parse_hours("Su 22:00-06:00")) == "Sun 10 pm-6 am"
    # Mon-Fri 24 hours merges into one interval of five days: still said per day.
    assert hours.human(hours.parse_hours("Mo-Fr 00:00-24:00")) == "Mon-Fri 24 hours"


def test_spanish_day_names_are_understood_in_the_hours_syntax():
    assert hours.parse_hours("lu-vi 08:00-17:00; sá 09:00-12:00") == hours.parse_hours("Mo-Fr 08:00-17:00; Sa 09:00-12:00")
    assert hours.parse_hours("lun-dom 19:00-07:00") == hours.parse_hours("Mo-Su 19:00-07:00")
    assert hours.parse_hours("mié,vie 10:00-14:00") == hours.parse_hours("We,Fr 10:00-14:00")


def test_times_and_moments_as_people_say_them():
    assert [hours.at_time(m) for m in (540, 780, 720, 0)] == ["at 9 am", "at 1 pm", "at noon", "at midnight"]
    assert [hours.at_time(m, "es") for m in (540, 780, 60, 720, 0)] == [
        "a las 9 a. m.", "a la 1 p. m.", "a la 1 a. m.", "al mediodía", "a medianoche"]
    night = datetime(2026, 12, 8, 6, 30, tzinfo=UTC)  # 01:30 EST
    assert hours.human_moment(night) == "Tue Dec 8, 2026, 1:30 am"
    assert hours.human_moment(night, "es") == "mar 8 dic 2026, 1:30 a. m."
    summer = datetime(2026, 7, 6, 18, 0, tzinfo=UTC)  # 14:00 EDT: the wall clock, not a fixed offset
    assert hours.human_moment(summer) == "Mon Jul 6, 2026, 2 pm"
