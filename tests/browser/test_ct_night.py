"""The fixture every field-ready browser test builds on: the seed plus the real Connecticut lists,
served with a search clock each test sets (01:30 and 14:00 on a weeknight)."""
from __future__ import annotations

import pytest

pytestmark = [pytest.mark.es, pytest.mark.browser]


def test_the_search_clock_decides_what_is_open_now(ct_live):
    _base, app, _users, clock = ct_live
    search = app.extensions["lead"].search
    hartford = search.locate(near="Park St & Main St, Hartford")
    try:
        clock.set("01:30")
        night = search.nearby(hartford, "health", miles=10, limit=200)
        clock.set("14:00")
        day = search.nearby(hartford, "health", miles=10, limit=200)
    finally:
        clock.set(None)
    # Health centres keep office hours: several are open on a Tuesday afternoon, almost none at 01:30
    # (counted over every result, the sample ones after the real ones: open_now_count counts real listings
    # only, and the real CT rows state no hours).
    opened = [sum(bool(r["open_now"]) for r in out["results"]) for out in (day, night)]
    assert opened[0] > opened[1], opened
    assert any(not r["sample"] for r in day["results"]), "no real (non-sample) listing near Park St & Main St"
