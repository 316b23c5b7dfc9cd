"""Bar charts for the program reports, drawn by the server as SVG (no script, no CDN): one bar per row,
its count written beside it; a suppressed cell ("<11") is drawn as a short hatched bar, so the eye sees that
something is there without reading how much."""
from __future__ import annotations

from markupsafe import Markup, escape

ROW, LABEL_W, BAR_W, VALUE_W = 26, 150, 170, 44


def bar_chart(title: str, rows: list[tuple[str, int | str]], suppressed_note: str) -> Markup:
    """An accessible SVG: ``title`` is its name; each row (label, count or "<11") a bar."""
    if not rows:
        return Markup("")
    top = max([v for _l, v in rows if isinstance(v, int)] or [11])
    top = max(top, 11)
    height = ROW * len(rows) + 8
    width = LABEL_W + BAR_W + VALUE_W
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
             f'width="100%" preserveAspectRatio="xMinYMin meet"><title>{escape(title)}</title>',
             '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
             'patternTransform="rotate(45)"><rect width="3" height="6" fill="#7a7a7a"/></pattern></defs>']
    for i, (label, value) in enumerate(rows):
        y = 4 + i * ROW
        text = str(label)
        short = text if len(text) <= 22 else text[:21] + "…"
        parts.append(f'<text x="{LABEL_W - 6}" y="{y + 16}" text-anchor="end" font-size="12" fill="#1a1a1a">'
                     f'{escape(short)}</text>')
        if isinstance(value, int):
            w = round(BAR_W * value / top) if value else 0
            parts.append(f'<rect x="{LABEL_W}" y="{y + 3}" width="{w}" height="{ROW - 8}" fill="#1f5fa8"/>')
            shown = str(value)
        else:
            w = round(BAR_W * 10 / top)
            parts.append(f'<rect x="{LABEL_W}" y="{y + 3}" width="{w}" height="{ROW - 8}" fill="url(#hatch)">'
                         f'<title>{escape(suppressed_note)}</title></rect>')
            shown = str(value)
        parts.append(f'<text x="{LABEL_W + w + 6}" y="{y + 16}" font-size="12" fill="#1a1a1a">{escape(shown)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
