"""A map of results that needs no tile server: an SVG drawn here, with the participant (or officer) at
the centre, distance rings, and numbered markers that match the numbered result list."""
from __future__ import annotations

import math

from markupsafe import Markup, escape

from directory.places import EARTH_MILES

SIZE = 400  # the SVG is square, SIZE x SIZE user units; it scales to its box
PAD = 28
OVERLAP = 24  # marker centres closer than this (SVG units, one marker across) would cover each other's numbers
RING_STEPS = (0.25, 0.5, 1, 2, 5, 10, 25, 50, 100)


def _rings(farthest: float) -> list[float]:
    """Two or three round distances that frame the farthest result."""
    outer = next((r for r in RING_STEPS if r >= farthest), RING_STEPS[-1])
    inner = [r for r in RING_STEPS if r < outer][-2:]
    return [r for r in inner if r >= outer / 5] + [outer]


def project(origin: tuple[float, float], point: tuple[float, float]) -> tuple[float, float]:
    """Miles east and north of the origin (an equirectangular projection: right at a town's scale)."""
    lat0, lon0 = map(math.radians, origin)
    lat, lon = map(math.radians, point)
    return (lon - lon0) * math.cos((lat + lat0) / 2) * EARTH_MILES, (lat - lat0) * EARTH_MILES


def result_map(origin: dict | None, results: list[dict], *, title: str, centre_label: str,
               unit: str = "mi") -> Markup:
    """The SVG for ``results`` (each with ``location``) around ``origin`` ({lat, lon}); numbered
    markers follow the order of ``results``. Empty when there is nothing to place."""
    if not origin:
        return Markup("")
    placed = []
    for n, r in enumerate(results, 1):
        loc = r.get("location")
        if loc:
            placed.append((n, r, project((origin["lat"], origin["lon"]), (loc["lat"], loc["lon"]))))
    if not placed:
        return Markup("")
    farthest = max(math.hypot(x, y) for _, _, (x, y) in placed) or 0.25
    rings = _rings(farthest)
    scale = (SIZE / 2 - PAD) / rings[-1]
    c = SIZE / 2
    parts = [f'<svg class="map" viewBox="0 0 {SIZE} {SIZE}" role="img" aria-labelledby="map-title" '
             f'xmlns="http://www.w3.org/2000/svg"><title id="map-title">{escape(title)}</title>',
             f'<rect width="{SIZE}" height="{SIZE}" fill="#f4f6f3"/>']
    for r in rings:
        radius = r * scale
        parts.append(f'<circle cx="{c}" cy="{c}" r="{radius:.1f}" fill="none" stroke="#8a9499" '
                     f'stroke-dasharray="4 4"/>')
        parts.append(f'<text x="{c + 4}" y="{c - radius + 14:.1f}" class="ring">{r:g} {escape(unit)}</text>')
    parts.append(f'<text x="{SIZE - 18}" y="22" class="north" aria-hidden="true">N</text>'
                 f'<path d="M{SIZE - 14} 28 l-5 12 h10 z" fill="#333" aria-hidden="true"/>')
    parts.append(f'<g><title>{escape(centre_label)}</title><circle cx="{c}" cy="{c}" r="9" fill="#b3261e" '
                 f'stroke="#fff" stroke-width="3"/></g>')
    # Programs at one site (or a few metres apart) share a marker that names them all, so no number
    # hides under another. Draw the farthest first so the nearest markers sit on top.
    pins: list[list] = []  # [px, py, [(n, result), ...]]
    for n, r, (x, y) in placed:
        px, py = c + x * scale, c - y * scale
        pin = next((p for p in pins if math.hypot(p[0] - px, p[1] - py) < OVERLAP), None)
        if pin:
            pin[2].append((n, r))
        else:
            pins.append([px, py, [(n, r)]])
    for px, py, members in sorted(pins, key=lambda p: -math.hypot(p[0] - c, p[1] - c)):
        label = ",".join(str(n) for n, _ in members)
        tips = "; ".join(f"{n}. {escape(r.get('service', {}).get('name') or '')} — "
                         f"{escape(r.get('organization', {}).get('name') or '')} "
                         f"({escape((r.get('distance') or {}).get('text') or '')})" for n, r in members)
        half = max(12.0, 4.0 + 3.6 * len(label))  # a pill wide enough for "1,3" or "2,5,8"
        parts.append(f'<g class="pin"><title>{tips}</title>'
                     f'<rect x="{px - half:.1f}" y="{py - 12:.1f}" width="{2 * half:.1f}" height="24" rx="12" '
                     f'fill="#0b4f8a" stroke="#fff" stroke-width="2"/>'
                     f'<text x="{px:.1f}" y="{py + 4.5:.1f}" text-anchor="middle" class="num">{label}</text></g>')
    parts.append("</svg>")
    return Markup("".join(parts))
