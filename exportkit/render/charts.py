"""Charts as small hand-built SVG documents: a radar of dimensions, a trend with a forecast
band, and horizontal bars.

Hand-built rather than matplotlib because a country brief must render in well under 10 ms
(matplotlib takes ~50 ms per chart), and because text stays text: it is set in the page's own
fonts, selectable and searchable. Every string is XML-escaped here; callers pass plain text.
Each chart carries ``font-family`` explicitly: Han characters otherwise fall back to Japanese
glyph forms in some renderers. The SVG is inlined as ``<img src="data:image/svg+xml;base64,…">``
(see :func:`data_uri`), which works the same in browsers, e-mail attachments and WeasyPrint,
and keeps each chart's ids private.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

FONT = "'Noto Sans CJK TC', 'Noto Sans', 'Noto Sans Thai', 'DejaVu Sans', sans-serif"
INK = "#1d2b3a"
MUTED = "#6b7785"
GRID = "#d9dee4"
PRIMARY = "#0b3d6e"
ACCENT = "#0f9d8a"
WARM = "#e08a1e"
# Band colours by band id, the same as the band badges in report.css.
BAND_COLOURS = {
    "internationally_mature": "#1e8449",
    "ready": "#1e8449",
    "A": "#1e8449",
    "export_capable": "#0f9d8a",
    "nearly_ready": "#0f9d8a",
    "B": "#0f9d8a",
    "export_potential": "#e08a1e",
    "developing": "#e08a1e",
    "C": "#e08a1e",
    "not_ready": "#c0392b",
    "D": "#c0392b",
}


def _svg(width: float, height: float, body: str, title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" font-family="{FONT}" '
        f'font-size="12" fill="{INK}" role="img"><title>{escape(title)}</title>{body}</svg>'
    )


def data_uri(svg: str) -> str:
    """``data:image/svg+xml;base64,…`` for an ``<img src>``."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _text(x: float, y: float, text: str, anchor: str = "middle", **attrs: object) -> str:
    extra = "".join(f" {k.replace('_', '-')}={quoteattr(str(v))}" for k, v in attrs.items())
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{extra}>{escape(text)}</text>'


def _wrap(label: str, width: int = 14) -> list[str]:
    """Split a long Latin label onto two lines at the space nearest the middle."""
    if len(label) <= width or " " not in label:
        return [label]
    mid = len(label) // 2
    spaces = [i for i, ch in enumerate(label) if ch == " "]
    cut = min(spaces, key=lambda i: abs(i - mid))
    return [label[:cut], label[cut + 1 :]]


def radar(axes: Sequence[tuple[str, float | None]], title: str, size: int = 440) -> str:
    """A radar (spider) chart of 0–100 scores; ``None`` scores are drawn at 0 and marked ``–``."""
    n = len(axes)
    if n < 3:
        return bars([(label, score or 0.0, f"{score or 0:.0f}") for label, score in axes], title)
    width, height = size + 140, size
    cx, cy, r = width / 2, height / 2, size / 2 - 48
    parts: list[str] = []

    def point(i: int, value: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * i / n
        return cx + r * value / 100 * math.cos(angle), cy + r * value / 100 * math.sin(angle)

    for ring in (20, 40, 60, 80, 100):
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(i, ring) for i in range(n)))
        parts.append(f'<polygon points="{pts}" fill="none" stroke="{GRID}" stroke-width="1"/>')
        x, y = point(0, ring)
        parts.append(_text(x + 4, y - 2, str(ring), "start", fill=MUTED, font_size=9))
    for i in range(n):
        x, y = point(i, 100)
        parts.append(
            f'<line x1="{cx:.1f}" y1="{cy:.1f}" x2="{x:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
        )
    values = [max(0.0, min(100.0, score or 0.0)) for _, score in axes]
    pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(i, v) for i, v in enumerate(values)))
    parts.append(
        f'<polygon points="{pts}" fill="{ACCENT}" fill-opacity="0.22" stroke="{ACCENT}" '
        'stroke-width="2.2" stroke-linejoin="round"/>'
    )
    for i, v in enumerate(values):
        x, y = point(i, v)
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.2" fill="{PRIMARY}"/>')
    for i, (label, score) in enumerate(axes):
        angle = -math.pi / 2 + 2 * math.pi * i / n
        lx, ly = cx + (r + 16) * math.cos(angle), cy + (r + 16) * math.sin(angle)
        anchor = (
            "middle" if abs(math.cos(angle)) < 0.3 else ("start" if math.cos(angle) > 0 else "end")
        )
        lines = _wrap(label)
        value = "–" if score is None else f"{score:.0f}"
        lines = [*lines[:-1], f"{lines[-1]}  {value}"]
        top = ly - (len(lines) - 1) * 7 + (4 if math.sin(angle) > 0.3 else 0)
        if math.sin(angle) < -0.3:
            top -= 4
        for k, line in enumerate(lines):
            parts.append(_text(lx, top + k * 14 + 4, line, anchor, font_size=11.5))
    return _svg(width, height, "".join(parts), title)


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar of a bar chart: label, value, the value as shown, colour."""

    label: str
    value: float
    text: str
    highlight: bool = False
    colour: str | None = None


def bars(
    items: Sequence[tuple[str, float, str] | Bar],
    title: str,
    maximum: float | None = None,
    width: int = 620,
    label_width: int | None = None,
) -> str:
    """Horizontal bars: label, bar scaled to ``maximum`` (default: the largest value), value text."""
    rows = [i if isinstance(i, Bar) else Bar(*i) for i in items]
    if not rows:
        return _svg(width, 24, _text(8, 16, "—", "start", fill=MUTED), title)
    top = maximum or max((b.value for b in rows), default=1.0) or 1.0
    longest = max(_display_width(b.label) for b in rows)
    lw = label_width or min(330, max(80, int(longest * 6.4) + 14))
    row_h, bar_h = 26, 15
    plot = width - lw - 70
    parts: list[str] = []
    for k, b in enumerate(rows):
        y = 6 + k * row_h
        w = max(0.0, min(1.0, b.value / top)) * plot
        colour = b.colour or (WARM if b.highlight else PRIMARY)
        parts.append(_text(lw - 8, y + bar_h - 3, b.label, "end", font_size=11.5))
        parts.append(
            f'<rect x="{lw}" y="{y}" width="{plot:.1f}" height="{bar_h}" fill="#eef1f4" rx="2"/>'
        )
        parts.append(
            f'<rect x="{lw}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{colour}" rx="2"/>'
        )
        parts.append(_text(lw + plot + 6, y + bar_h - 3, b.text, "start", font_size=11.5))
    return _svg(width, 10 + len(rows) * row_h, "".join(parts), title)


def _display_width(text: str) -> float:
    """Width in Latin-character units: CJK characters are about twice as wide."""
    return sum(2.0 if ord(ch) > 0x2E80 else 1.0 for ch in text)


@dataclass(frozen=True, slots=True)
class TrendSeries:
    """What the trend chart draws; see :mod:`exportkit.render.trend` for the adapter."""

    years: Sequence[int]
    values: Sequence[float | None]
    fitted: Sequence[float | None] | None
    forecast_years: Sequence[int]
    forecast_mean: Sequence[float]
    forecast_lower: Sequence[float]
    forecast_upper: Sequence[float]


def _nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    if high <= low:
        high = low + 1
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    ticks, t = [], start
    while t <= high + step * 0.5:
        ticks.append(t)
        t += step
    return ticks


def trend(
    series: TrendSeries,
    title: str,
    legend: tuple[str, str, str],
    tick_format: Callable[[float], str],
    width: int = 620,
    height: int = 280,
) -> str:
    """Actual values (line with dots), the fitted trend (dashed) and a shaded forecast band."""
    left, right, top, bottom = 78, 16, 30, 32
    years = [*series.years, *series.forecast_years]
    values = [v for v in series.values if v is not None]
    every = (
        values
        + [v for v in (series.fitted or []) if v is not None]
        + list(series.forecast_lower)
        + list(series.forecast_upper)
    )
    low, high = min([0.0, *every]), max(every) if every else 1.0
    ticks = _nice_ticks(low, high)
    y0, y1 = ticks[0], ticks[-1]
    x0, x1 = min(years), max(years)
    span = max(1, x1 - x0)

    def sx(year: float) -> float:
        return left + (year - x0) / span * (width - left - right)

    def sy(value: float) -> float:
        return top + (1 - (value - y0) / (y1 - y0)) * (height - top - bottom)

    parts: list[str] = []
    for t in ticks:
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{sy(t):.1f}" y2="{sy(t):.1f}" '
            f'stroke="{GRID}"/>'
        )
        parts.append(_text(left - 6, sy(t) + 4, tick_format(t), "end", fill=MUTED, font_size=10))
    step = 1 if span <= 12 else 2
    for year in range(x0, x1 + 1, step):
        parts.append(_text(sx(year), height - bottom + 16, str(year), fill=MUTED, font_size=10))
    if series.forecast_years:
        upper = [
            (sx(y), sy(v))
            for y, v in zip(series.forecast_years, series.forecast_upper, strict=True)
        ]
        lower = [
            (sx(y), sy(v))
            for y, v in zip(series.forecast_years, series.forecast_lower, strict=True)
        ]
        if series.years and series.values[-1] is not None:
            anchor = (sx(series.years[-1]), sy(series.values[-1]))
            upper, lower = [anchor, *upper], [anchor, *lower]
        band = " ".join(f"{x:.1f},{y:.1f}" for x, y in [*upper, *reversed(lower)])
        parts.append(f'<polygon points="{band}" fill="{WARM}" fill-opacity="0.18" stroke="none"/>')
        mean = [
            (sx(y), sy(v)) for y, v in zip(series.forecast_years, series.forecast_mean, strict=True)
        ]
        if series.years and series.values[-1] is not None:
            mean = [(sx(series.years[-1]), sy(series.values[-1])), *mean]
        parts.append(_polyline(mean, WARM, dash="5 3", width=2))
    if series.fitted:
        fitted = [
            (sx(y), sy(v))
            for y, v in zip(series.years, series.fitted, strict=True)
            if v is not None
        ]
        parts.append(_polyline(fitted, ACCENT, dash="6 4", width=1.8))
    actual = [
        (sx(y), sy(v)) for y, v in zip(series.years, series.values, strict=True) if v is not None
    ]
    parts.append(_polyline(actual, PRIMARY, width=2.4))
    parts.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{PRIMARY}"/>' for x, y in actual)
    # Legend along the top.
    lx = left
    for label, colour, dash in zip(
        legend, (PRIMARY, ACCENT, WARM), ("", "6 4", "5 3"), strict=True
    ):
        parts.append(_polyline([(lx, 14), (lx + 22, 14)], colour, dash=dash, width=2.2))
        parts.append(_text(lx + 27, 18, label, "start", font_size=11))
        lx += 40 + _display_width(label) * 6.5
    return _svg(width, height, "".join(parts), title)


def _polyline(
    points: Sequence[tuple[float, float]], colour: str, dash: str = "", width: float = 2
) -> str:
    if not points:
        return ""
    pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    return (
        f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="{width}"'
        f'{dash_attr} stroke-linejoin="round" stroke-linecap="round"/>'
    )
