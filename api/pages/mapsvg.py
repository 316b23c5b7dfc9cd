"""A map of results that needs no tile server: an SVG drawn here, with the participant (or officer) at
the centre, distance rings, and numbered markers that match the numbered result list."""
from __future__ import annotations

import math

from markupsafe import Markup, escape

from directory.places import EARTH_MILES

SIZE = 400  # the SVG is square, SIZE x SIZE user units; it scales to its box
PAD = 28
SAME_SITE_MILES = 0.03  # programs closer than this (about 50 m) are at one site and share one marker
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
    # Programs at one site (or a few metres apart) share a marker that names them all ("1,3"); markers
    # that would still cover each other are nudged apart with a line to their point.
    pins: list[list] = []  # [px, py, [(n, result), ...], (x, y) in miles]
    for n, r, (x, y) in placed:
        px, py = c + x * scale, c - y * scale
        pin = next((p for p in pins if math.hypot(p[3][0] - x, p[3][1] - y) < SAME_SITE_MILES), None)
        if pin:
            pin[2].append((n, r))
        else:
            pins.append([px, py, [(n, r)], (x, y)])
    pins = [p[:3] for p in pins]
    placed_pins = place_pills(pins, c)
    for (px, py, members), (qx, qy, half) in placed_pins:  # leader lines under every marker
        if (qx, qy) != (px, py):
            parts.append(f'<g aria-hidden="true"><line x1="{px:.1f}" y1="{py:.1f}" x2="{qx:.1f}" y2="{qy:.1f}" '
                         f'stroke="#0b4f8a" stroke-width="2"/><circle cx="{px:.1f}" cy="{py:.1f}" r="4" '
                         f'fill="#0b4f8a" stroke="#fff" stroke-width="1.5"/></g>')
    # The farthest first, so the nearest markers sit on top.
    for (px, py, members), (qx, qy, half) in sorted(placed_pins, key=lambda p: -math.hypot(p[0][0] - c, p[0][1] - c)):
        label = ",".join(str(n) for n, _ in members)
        tips = "; ".join(f"{n}. {escape(r.get('service', {}).get('name') or '')} — "
                         f"{escape(r.get('organization', {}).get('name') or '')} "
                         f"({escape((r.get('distance') or {}).get('text') or '')})" for n, r in members)
        parts.append(f'<g class="pin"><title>{tips}</title>'
                     f'<rect x="{qx - half:.1f}" y="{qy - 12:.1f}" width="{2 * half:.1f}" height="24" rx="12" '
                     f'fill="#0b4f8a" stroke="#fff" stroke-width="2"/>'
                     f'<text x="{qx:.1f}" y="{qy + 4.5:.1f}" text-anchor="middle" class="num">{label}</text></g>')
    parts.append("</svg>")
    return Markup("".join(parts))


PILL_H = 24
GAP = 2


def pill_half_width(label: str) -> float:
    """Half the width of a marker's pill, wide enough for "1,3" or "2,5,8"."""
    return max(12.0, 4.0 + 3.6 * len(label))


def place_pills(pins: list[list], centre: float) -> list[tuple[list, tuple[float, float, float]]]:
    """Where each marker's pill goes: at its point when nothing is there yet, else nudged to the nearest
    free place around it (drawn with a leader line to the point), so no number covers another. The
    nearest pins are placed first and keep their points."""
    order = sorted(pins, key=lambda p: math.hypot(p[0] - centre, p[1] - centre))
    taken: list[tuple[float, float, float]] = [(centre, centre, 9.0)]  # (x, y, half width); the red dot first
    out = []

    def free(x: float, y: float, half: float) -> bool:
        if not (half <= x <= SIZE - half and PILL_H / 2 <= y <= SIZE - PILL_H / 2):
            return False
        return all(abs(x - tx) >= half + th + GAP or abs(y - ty) >= PILL_H + GAP for tx, ty, th in taken)

    for pin in order:
        px, py, members = pin
        half = pill_half_width(",".join(str(n) for n, _ in members))
        spot = (px, py)
        if not free(px, py, half):
            candidates = [(px + dx * step, py + dy * step * 0.6)
                          for step in range(28, 400, 14)
                          for dx, dy in ((0, -1), (0, 1), (1, 0), (-1, 0), (1, -1), (-1, -1), (1, 1), (-1, 1))]
            spot = next(((x, y) for x, y in candidates if free(x, y, half)), (px, py))
        taken.append((spot[0], spot[1], half))
        out.append((pin, (spot[0], spot[1], half)))
    return out
