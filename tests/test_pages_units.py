"""Page pieces without the engine: the map, phone links, hours in Spanish, and a Spanish catalogue
that translates every string the pages show."""
from __future__ import annotations

import re

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from api.pages import _tel
from api.pages.mapsvg import _rings, project, result_map
from tests.conftest import ROOT


def _result(n, lat, lon):
    return {"service": {"name": f"S{n}"}, "organization": {"name": "O"}, "distance": {"text": "1 mile"},
            "location": {"lat": lat, "lon": lon}}


def test_the_map_numbers_markers_like_the_list_and_frames_them_in_rings():
    origin = {"lat": 41.7637, "lon": -72.6851}
    results = [_result(1, 41.77, -72.68), _result(2, 41.80, -72.60), {"service": {"name": "no point"},
                                                                     "organization": {"name": "O"}}]
    svg = str(result_map(origin, results, title="Map", centre_label="Here"))
    assert svg.count('class="pin"') == 2 and ">1</text>" in svg and ">2</text>" in svg
    assert 'role="img"' in svg and "<title id=\"map-title\">Map</title>" in svg
    assert "5 mi" in svg  # the farthest (about 4.9 miles) sits inside the 5-mile ring
    assert result_map(None, results, title="x", centre_label="y") == ""
    east, north = project((41.0, -72.0), (41.0, -71.9))
    assert 5.1 < east < 5.3 and abs(north) < 1e-9
    assert _rings(0.3) == [0.25, 0.5] or _rings(0.3)[-1] == 0.5
    assert _rings(12)[-1] == 25


def test_programs_at_one_site_share_one_marker_that_names_them_all():
    """Co-located programs (three at one clinic address) would hide each other's numbers: one marker
    says "1,3" and its tooltip names both; a program elsewhere keeps its own."""
    origin = {"lat": 41.7637, "lon": -72.6851}
    results = [_result(1, 41.77, -72.68), _result(2, 41.80, -72.60), _result(3, 41.77, -72.68)]
    svg = str(result_map(origin, results, title="Map", centre_label="Here"))
    assert svg.count('class="pin"') == 2
    assert ">1,3</text>" in svg and ">2</text>" in svg
    assert "1. S1" in svg and "3. S3" in svg


def test_phone_links_dial_the_number():
    assert _tel("(860) 555-0100") == "+18605550100"
    assert _tel("860-555-0100 ext 12") == "+18605550100"
    assert _tel("988") == "988"


def test_every_page_string_has_a_spanish_translation_with_the_same_placeholders():
    with open(ROOT / "api/translations/es/LC_MESSAGES/messages.po", "rb") as fh:
        catalogue = read_po(fh)
    method_map = [("api/**.py", "python"), ("api/templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
    found = {}
    for filename, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map=method_map, keywords=keywords):
        found[message] = filename
    assert len(found) > 200
    missing, broken = [], []
    for message, filename in found.items():
        entry = catalogue.get(message[0] if isinstance(message, tuple) else message)
        if entry is None or not entry.string or (isinstance(entry.string, tuple) and not all(entry.string)):
            missing.append((filename, message))
            continue
        for source, translated in zip(message if isinstance(message, tuple) else (message,),
                                      entry.string if isinstance(entry.string, tuple) else (entry.string,)):
            if sorted(re.findall(r"%\(\w+\)\w", source)) != sorted(re.findall(r"%\(\w+\)\w", translated)):
                broken.append((source, translated))
    assert not missing, f"untranslated: {missing[:10]} (run `make messages`, then write the Spanish)"
    assert not broken, broken


def test_markers_close_together_are_nudged_apart_so_every_number_stays_readable():
    """Real lists put several programs a block apart (a hospital campus, a downtown street): their markers
    would cover each other's numbers. Each keeps its own number, no two markers overlap, and a marker moved
    off its point has a line back to it."""
    origin = {"lat": 41.7637, "lon": -72.6851}
    # Ten programs within a few hundred metres of each other, 3 miles north-east; two share one site.
    results = [_result(n, 41.80 + 0.0012 * (n % 4), -72.64 + 0.0015 * (n // 4)) for n in range(1, 11)]
    results.append(_result(11, results[0]["location"]["lat"], results[0]["location"]["lon"]))
    svg = str(result_map(origin, results, title="Map", centre_label="Here"))
    boxes = [tuple(float(v) for v in m) for m in
             re.findall(r'<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" rx', svg)]
    labels = re.findall(r'class="num">([\d,]+)</text>', svg)
    assert sorted(int(n) for label in labels for n in label.split(",")) == list(range(1, 12))
    assert "1,11" in labels
    for i, (x, y, w, h) in enumerate(boxes):
        for (x2, y2, w2, h2) in boxes[i + 1:]:
            assert x + w <= x2 or x2 + w2 <= x or y + h <= y2 or y2 + h2 <= y, "two markers overlap"
        assert 0 <= x and x + w <= 400 and 0 <= y and y + h <= 400, "a marker left the map"
    assert svg.count("<line ") >= len(boxes) - 4  # most were moved off their points, each with a line back


def test_english_is_found_on_a_spanish_line_unless_it_is_a_name_the_sources_give():
    from tests.browser.spanish import english_lines

    text = ("Refugio · cerca de Park St & Main St, Hartford (approximate)\n"
            "Abre hoy a las 9 a. m.\nKeney Park Emergency Shelter\nHours not stated; call first\n"
            "hrsa-fqhc-org:06be78186462f10a\nSalud mental · Use el menú")
    assert english_lines(text, ["Park St & Main St, Hartford", "Keney Park Emergency Shelter"]) == [
        "Refugio · cerca de Park St & Main St, Hartford (approximate)", "Hours not stated; call first"]
