"""Issue 17 against the real engine, on a small directory built for it, at 01:30 and 14:00 on a Tuesday:
real listings before sample ones, a way to reach every card, an answer at every hour, officer lists that
mean what they say, language as a requirement and as a preference, one section per need, who a
program serves, and ``at``."""
from __future__ import annotations

from datetime import datetime
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest

from ingest import pipeline
from ingest.geocode import Geocoder

pytestmark = pytest.mark.es

NY = ZoneInfo("America/New_York")
NIGHT = datetime(2026, 12, 8, 1, 30, tzinfo=NY)  # a Tuesday, 01:30
AFTERNOON = datetime(2026, 12, 8, 14, 0, tzinfo=NY)
FRESH = "2026-12-08T05:00:00+00:00"  # 90 minutes before NIGHT
HEADER = ("listing_id,organization_id,organization_name,service_name,needs,hours,address_1,latitude,longitude,city,"
          "postal_code,phone,walk_in,languages,min_age,max_age,capacity_waitlist,capacity_wait_days,"
          "capacity_updated_at,pregnant_only,parenting_only,pregnant_parenting_only,sample\n")
ROWS = [
    # Detox near Park St & Main St: a real one with office hours and no phone of its own (its outpatient
    # clinic at the same address has one), a methadone clinic that lists detox, a sample open all night.
    "dx1,o1,River Recovery,River Detox,detox,Mo-Fr 08:00-16:00,10 Main St,41.7630,-72.6830,Hartford,06106,,,en,"
    "18,,,,,,,,",
    "op1,o1,River Recovery,River Outpatient,outpatient,Mo-Fr 08:00-16:00,10 Main St,41.7630,-72.6830,Hartford,06106,"
    "860-555-0000,,en,18,,,,,,,,",
    "mm1,o2,Valley Methadone Clinic,Opioid treatment program,methadone;detox,Mo-Fr 06:00-14:00,20 Park St,41.7590,"
    "-72.6850,Hartford,06106,860-555-0001,yes,en,18,,,,,,,,",
    "sx1,o3,Made Up Detox,Sample detox,detox,24/7,30 Park St,41.7601,-72.6801,Hartford,06106,860-555-0199,yes,en,18,,"
    ",,,,,,yes",
    # An emergency department that states no phone.
    "ed1,o4,Capital Hospital,Emergency department,emergency room;crisis,24/7,40 Main St,41.7620,-72.6820,Hartford,"
    "06106,,yes,en,,,,,,,,,",
    # Shelters: one walk-in all night with a waitlist confirmed this shift, a farther one with room.
    "sh1,o5,Near Shelter,Night shelter,shelter,24/7,50 Main St,41.7605,-72.6805,Hartford,06106,860-555-0002,yes,en,"
    "18,,12,37," + FRESH + ",,,,",
    "sh2,o6,Far Shelter,Night shelter,shelter,24/7,60 Main St,41.7800,-72.7000,Hartford,06106,860-555-0003,yes,en,"
    "18,,,,,,,,",
    # Outpatient care: English-speaking ones close, Spanish-speaking ones farther; a youth clinic far.
    "o1,o10,Close Clinic,Outpatient,outpatient,Mo-Fr 08:00-17:00,1 Close St,41.7610,-72.6810,Hartford,06106,"
    "860-555-0010,,en,,,,,,,,,",
    "o2,o11,Closer Clinic,Outpatient,outpatient,Mo-Fr 08:00-17:00,2 Close St,41.7611,-72.6811,Hartford,06106,"
    "860-555-0011,,en,,,,,,,,,",
    "o3,o12,Next Clinic,Outpatient,outpatient,Mo-Fr 08:00-17:00,3 Close St,41.7612,-72.6812,Hartford,06106,"
    "860-555-0012,,en,,,,,,,,,",
    "o4,o13,Clinica Uno,Outpatient,outpatient,Mo-Fr 08:00-17:00,1 Far St,41.7900,-72.7100,Hartford,06106,"
    "860-555-0013,,en;es,,,,,,,,,",
    "o5,o14,Clinica Dos,Outpatient,outpatient,Mo-Fr 08:00-17:00,2 Far St,41.7910,-72.7110,Hartford,06106,"
    "860-555-0014,,en;es,,,,,,,,,",
    "o6,o15,Clinica Tres,Outpatient,outpatient,Mo-Fr 08:00-17:00,3 Far St,41.7920,-72.7120,Hartford,06106,"
    "860-555-0015,,es,,,,,,,,,",
    "o7,o16,Teen Clinic,Adolescent outpatient,outpatient,Mo-Fr 08:00-17:00,4 Far St,41.7950,-72.7150,Hartford,06106,"
    "860-555-0016,,en,12,17,,,,,,,",
    # Housing, for two needs at once.
    "hs1,o20,Home First,Supportive housing,supportive housing,Mo-Fr 09:00-17:00,7 Elm St,41.7630,-72.6830,Hartford,"
    "06106,860-555-0020,,en,18,,,,,,,,",
    # Who it serves: prenatal, parents with children, pregnant and parenting women.
    "pg1,o30,Prenatal House,Residential for pregnant women,residential,24/7,8 Oak St,41.7640,-72.6840,Hartford,06106,"
    "860-555-0030,,en,18,,,,,yes,,,",
    "pa1,o31,Family House,Residential for parents with children,residential,24/7,9 Oak St,41.7641,-72.6841,Hartford,"
    "06106,860-555-0031,,en,18,,,,,,yes,,",
    "pp1,o32,Mothers House,Residential for pregnant and parenting women,residential,24/7,10 Oak St,41.7642,-72.6842,"
    "Hartford,06106,860-555-0032,,en,18,,,,,,,yes,",
]
HERE = "lat=41.7600&lon=-72.6800"


@pytest.fixture
def night(store, tmp_path, app):
    path = tmp_path / "directory.csv"
    path.write_text(HEADER + "\n".join(ROWS) + "\n")
    report, _ = pipeline.run([f"provider:{path}"], store, Geocoder(), samples=True)
    assert not report.rejected, report.rejected
    clock = {"at": NIGHT}
    app.extensions["lead"].search.clock = lambda: clock["at"]
    return clock


def get(client, url, status=200, **headers):
    resp = client.get(url, headers=headers)
    assert resp.status_code == status, (url, resp.get_json())
    return resp.get_json()


def match(client, status=200, lang="en", **profile):
    body = {"location": {"lat": 41.7600, "lon": -72.6800}, **profile}
    resp = client.post("/api/v1/match", json=body, headers={"Accept-Language": lang})
    assert resp.status_code == status, resp.get_json()
    return resp.get_json()


def ids(results):
    return [r["listing_id"] for r in results]


def test_at_0130_detox_begins_with_what_can_be_done_now(client, night):
    out = get(client, f"/api/v1/nearby?{HERE}&need=detox")
    # Detox means withdrawal management: the methadone clinic that lists detox is not on the list.
    assert "mm1" not in ids(out["results"])
    # Real before sample, whatever is nearer or open: the closed real detox first, and it says why.
    assert ids(out["results"]) == ["dx1", "sx1"]
    assert out["results"][0]["order_text"].startswith("Listed before nearer ones: this is a real program")
    assert out["results"][1]["sample"] is True
    # Nothing real is open: the answer starts with the emergency department and the statewide lines.
    assert out["open_now_count"] == 0 and out["now"]["first"]
    assert "Nothing that meets this need is open now within 5 miles" in out["message"]
    assert ids(out["now"]["places"]) == ["ed1"] and "withdrawal" in out["now"]["places"][0]["why"]
    assert [line["dial"] for line in out["now"]["lines"]] == ["1-800-563-4086", "988", "2-1-1"]
    es = get(client, f"/api/v1/nearby?{HERE}&need=detox", **{"Accept-Language": "es"})
    assert es["now"]["lines"][0]["name"].startswith("Línea de Acceso") and "No hay nada abierto" in es["message"]


def test_at_1400_the_open_detox_comes_first_and_nothing_stands_in(client, night):
    night["at"] = AFTERNOON
    out = get(client, f"/api/v1/nearby?{HERE}&need=detox")
    assert ids(out["results"])[0] == "dx1" and out["results"][0]["open_now"] and not out["now"]["first"]
    assert out["message"] is None and out["now"]["lines"]  # the lines still answer, after the list


def test_every_card_has_a_way_to_reach_it(client, night):
    out = get(client, f"/api/v1/nearby?{HERE}&need=detox")
    detox = out["results"][0]
    # No phone of its own: the intake line of its outpatient clinic at the same address, said so.
    assert detox["phone"] == "860-555-0000" and detox["phone_source"] == "site"
    assert detox["phone_note"] == "The intake line at this address, from River Recovery / River Outpatient (Hartford)"
    assert detox["opening_text"].startswith("Opens") and detox["no_phone_line"] is None
    ed = out["now"]["places"][0]
    # No number anywhere: says so, and offers the line that finds any program's number.
    assert ed["phone"] is None and ed["phone_note"] == "No phone on file"
    assert ed["no_phone_line"]["dial"] == "2-1-1" and ed["walk_in_now"] and ed["open_now"]
    listing = get(client, "/api/v1/services/dx1")
    assert listing["phones"] == [] and listing["phone"] == "860-555-0000"  # lent, never the listing's own


def test_a_fresh_waitlist_says_which_applies_tonight(client, night):
    out = get(client, f"/api/v1/nearby?{HERE}&need=shelter")
    near = next(r for r in out["results"] if r["listing_id"] == "sh1")
    assert near["walk_in"] and not near["walk_in_now"] and near["capacity"]["status"] == "waitlist"
    assert near["access_text"].startswith("No open bed now (waitlist)")
    # The farther shelter that takes walk-ins tonight comes first, and says why it stands above a nearer one.
    assert ids(out["results"]) == ["sh2", "sh1"]
    assert out["results"][0]["order_text"].startswith("Listed before nearer ones: open now and can take someone")


def test_at_asks_about_another_time(client, night):
    later = get(client, f"/api/v1/nearby?{HERE}&need=detox&at=2026-12-08T14:00")
    assert later["at"] == "2026-12-08T14:00:00-05:00"
    detox = later["results"][0]
    assert detox["listing_id"] == "dx1" and detox["open_now"] and detox["opening_text"] == "Open at that time"
    assert not later["now"]["first"]
    matched = match(client, needs=["detox"], at="2026-12-08T14:00")
    assert matched["at"].startswith("2026-12-08T14:00") and matched["results"][0]["open_now"]
    for bad, says in (("tonight", "local date and time"), ("2030-01-01T00:00", "within 31 days"),
                      ("0001-01-01T00:00+14:00", "within 31 days"), ("9999-12-31T23:59", "within 31 days")):
        problem = get(client, f"/api/v1/nearby?{HERE}&need=detox&at={quote(bad)}", status=422)
        assert problem["errors"][0]["field"] == "at" and says in problem["errors"][0]["message"]
        problem = match(client, status=422, needs=["detox"], at=bad)
        assert problem["errors"][0]["field"] == "at"
    assert match(client, status=422, needs=["detox"], at=2026)["errors"][0]["field"] == "at"  # not a string


def test_must_speak_is_a_requirement_and_a_preferred_language_leads(client, night):
    required = match(client, needs=["outpatient"], must_speak=["es"], limit=10)
    assert set(ids(required["results"])) == {"o4", "o5", "o6"}
    assert all("es" in r["languages"] for r in required["results"])
    nearby = get(client, f"{'/api/v1/nearby'}?{HERE}&need=detox&language=es")
    assert nearby["results"] == []  # no detox states Spanish
    browse = get(client, "/api/v1/services?need=outpatient&language=es")
    assert set(ids(browse["results"])) == {"o4", "o5", "o6"}
    plain = match(client, needs=["outpatient"], limit=10)
    assert ids(plain["results"])[:3] == ["o1", "o2", "o3"]  # the nearest, English-speaking
    preferred = match(client, needs=["outpatient"], languages=["es"], limit=10)
    assert set(ids(preferred["results"])[:3]) == {"o4", "o5", "o6"}  # speakers within reach take the top 3
    assert set(ids(preferred["results"])) >= {"o1", "o2", "o3"}  # the others stay, below
    problem = match(client, status=422, needs=["outpatient"], must_speak=["klingon"])
    assert problem["errors"][0]["field"].startswith("must_speak")


def test_two_needs_give_one_section_each_and_the_single_list_stays(client, night):
    out = match(client, needs=["substance_use.outpatient", "housing"], limit=10, section_limit=3)
    assert [s["need"] for s in out["sections"]] == ["housing", "substance_use.outpatient"]
    housing, outpatient = out["sections"]
    assert set(ids(housing["results"])) <= {"hs1", "sh1", "sh2"} and len(housing["results"]) == 3
    assert housing["name"] == "Housing"
    assert len(outpatient["results"]) == 3 and set(ids(outpatient["results"])) <= {f"o{i}" for i in range(1, 8)}
    assert "hs1" in ids(out["results"]) and len(out["results"]) > 3  # the single ranked list
    assert match(client, needs=["substance_use.outpatient"])["sections"] == []
    es = match(client, lang="es", needs=["substance_use.outpatient", "housing"])
    assert es["sections"][0]["name"] == "Vivienda"


def test_a_minor_gets_youth_programs_first_and_a_caution_where_ages_are_not_stated(client, night):
    out = match(client, needs=["outpatient"], age=16, limit=10)
    assert ids(out["results"])[0] == "o7"  # the youth clinic, farther than six others
    unstated = next(r for r in out["results"] if r["listing_id"] == "o1")
    assert "Age limits not stated, and the participant is 16: ask whether they take people under 18" \
        in unstated["cautions"]
    assert unstated["serves"]["stated"] is False
    assert unstated["serves"]["text"] == "Who it serves is not stated: ask whether they take someone who is 16 years old"
    es = match(client, lang="es", needs=["outpatient"], age=16)
    assert any("menores de 18" in c for r in es["results"] for c in r["cautions"])


def test_pregnant_and_parenting_are_two_questions(client, night):
    def served(**facts):
        return set(ids(match(client, needs=["residential"], limit=10, **facts)["results"]))

    assert served(pregnant=True) == {"pg1", "pp1"}
    assert served(parenting=True) == {"pa1", "pp1"}
    assert served(pregnant=True, parenting=True) == {"pg1", "pa1", "pp1"}
    assert served() == set() and served(pregnant=False, parenting=False) == set()
    problem = match(client, status=422, needs=["residential"], pregnant_or_parenting=True)
    assert problem["errors"][0]["field"] == "pregnant_or_parenting"  # the one question is gone


def test_sample_listings_come_after_real_ones_in_match_and_browse(client, night):
    out = match(client, needs=["detox"], limit=10)
    samples = [r["sample"] for r in out["results"]]
    assert samples == sorted(samples) and samples[-1] is True and samples[0] is False
    browse = get(client, f"/api/v1/services?need=detox&{HERE}")
    assert [r["sample"] for r in browse["results"]][-1] is True


def test_the_admin_data_quality_page_counts_what_people_cannot_act_on(night, app, accounts):
    import re

    accounts.create("quality-admin", "admin", password="quality admin password")
    c = app.test_client()
    page = c.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    c.post("/login", data={"username": "quality-admin", "password": "quality admin password", "csrf_token": csrf})
    html = c.get("/admin/data-quality").get_data(as_text=True)
    assert "<th scope=\"row\">provider</th>" in html
    row = re.search(r'<th scope="row">provider</th>((?:<td>\d+</td>\s*)+)', html).group(1)
    listings, no_phone, lent, no_hours, no_ages = (int(x) for x in re.findall(r"<td>(\d+)</td>", row))
    assert listings == len(ROWS) and no_phone == 1 and lent == 1  # the ED has none; River Detox borrows one
    assert no_ages == 7 and no_hours == 0
    assert "Capital Hospital / Emergency department" in html
