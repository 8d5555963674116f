"""Charts as server-side SVG: pictures with titles and text labels, no script, nothing from a CDN.

Every function returns markup safe to put in a template. Values are plain numbers; colours are
CSS colours. A chart with no data says so in words instead of drawing empty axes.
"""

import math
from dataclasses import dataclass
from itertools import count

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif"'
INK, MUTED, GRID = "#1d2330", "#5f6b7d", "#e6e9ef"
_ids = count(1)


@dataclass(frozen=True)
class Series:
    name: str
    color: str
    values: list[float]


def nice_step(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10ⁿ at or above `value`, and at least 1 (counts are whole)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power and float(step * power).is_integer():
            return step * power
    return 10 * power


def axis(top_value: float, *, ticks: int = 4) -> tuple[float, int]:
    """(axis maximum, number of gridline steps): round steps people can read, about `ticks` of them."""
    step = nice_step(top_value / ticks)
    steps = max(1, math.ceil(top_value / step))
    return step * steps, steps


def number_short(value: float) -> str:
    if value >= 1_000_000:
        return f"{value / 1_000_000:g}M"
    if value >= 1_000:
        return f"{value / 1_000:g}k"
    return f"{value:g}"


def _open(title: str, width: int, height: int, css_class: str, summary: str = "") -> str:
    chart_id = f"chart-{next(_ids)}"
    desc = f'<desc id="{chart_id}-d">{escape(summary)}</desc>' if summary else ""
    labelled = f"{chart_id}-t {chart_id}-d" if summary else f"{chart_id}-t"
    return (
        f'<svg class="chart {css_class}" viewBox="0 0 {width} {height}" width="100%" '
        f'preserveAspectRatio="xMidYMid meet" role="img" aria-labelledby="{labelled}" {FONT}>'
        f'<title id="{chart_id}-t">{escape(title)}</title>{desc}'
    )


def stacked_bars(
    *,
    title: str,
    labels: list[str],
    series: list[Series],
    width: int = 960,
    height: int = 220,
    empty: str = "",
) -> SafeString:
    """Vertical bars, one per label, each stacked from `series` in order (bottom first)."""
    left, right, top, bottom = 44, 8, 10, 26
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [sum(s.values[i] for s in series) for i in range(len(labels))]
    grand = sum(totals)
    parts = [_open(title, width, height, "stacked", f"{number_short(grand)} in total")]
    top_value, steps = axis(max(totals, default=0))
    for tick in range(steps + 1):
        value = top_value * tick / steps
        y = top + plot_h - plot_h * tick / steps
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="{MUTED}">'
            f"{number_short(value)}</text>"
        )
    band = plot_w / max(len(labels), 1)
    bar = max(min(band * 0.72, 48), 1)
    every = max(1, math.ceil(len(labels) / 12))
    for i, label in enumerate(labels):
        x = left + band * i + (band - bar) / 2
        y = top + plot_h
        for s in series:
            value = s.values[i]
            if value <= 0:
                continue
            h = plot_h * value / top_value
            y -= h
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{} · {}: {}</title></rect>',
                    f"{x:.1f}", f"{y:.1f}", f"{bar:.1f}", f"{h:.1f}", s.color, label, s.name, f"{value:g}",
                )
            )  # fmt: skip
        if i % every == 0:
            parts.append(
                format_html(
                    '<text x="{}" y="{}" text-anchor="middle" font-size="11" fill="{}">{}</text>',
                    f"{left + band * i + band / 2:.1f}", height - 8, MUTED, label,
                )
            )  # fmt: skip
    if grand == 0:
        parts.append(_centered(width, top + plot_h / 2, empty or "Nothing in this period"))
    parts.append("</svg>")
    return mark_safe("".join(str(p) for p in parts))  # noqa: S308 - every dynamic part is escaped above


def proportion_bar(*, title: str, segments: list[tuple[str, str, float]], width: int = 220) -> SafeString:
    """One horizontal bar split by `segments` (name, colour, value) in proportion to their values."""
    height = 12
    total = sum(value for _, _, value in segments)
    parts = [_open(title, width, height, "proportion")]
    parts.append(f'<rect x="0" y="0" width="{width}" height="{height}" rx="3" fill="{GRID}"/>')
    x = 0.0
    for name, color, value in segments:
        if value <= 0 or total <= 0:
            continue
        w = width * value / total
        parts.append(
            format_html(
                '<rect x="{}" y="0" width="{}" height="{}" fill="{}"><title>{}: {}</title></rect>',
                f"{x:.1f}", f"{w:.1f}", height, color, name, f"{value:g}",
            )
        )  # fmt: skip
        x += w
    parts.append("</svg>")
    return mark_safe("".join(str(p) for p in parts))  # noqa: S308 - every dynamic part is escaped above


def sparkline(
    *, title: str, values: list[float], color: str = "#1f5fbf", width: int = 480, height: int = 120
) -> SafeString:
    """A small line of `values` over time, filled below, with its last point marked."""
    pad = 4
    parts = [_open(title, width, height, "sparkline", f"latest {number_short(values[-1]) if values else 0}")]
    if not values or max(values) <= 0:
        parts.append(f'<line x1="0" x2="{width}" y1="{height - pad}" y2="{height - pad}" stroke="{GRID}"/>')
        parts.append("</svg>")
        return mark_safe("".join(parts))  # noqa: S308 - no dynamic text
    top = max(values)
    step = (width - 2 * pad) / max(len(values) - 1, 1)
    points = [
        (pad + step * i, height - pad - (height - 2 * pad) * value / top) for i, value in enumerate(values)
    ]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    area = f"{points[0][0]:.1f},{height - pad} {line} {points[-1][0]:.1f},{height - pad}"
    parts.append(f'<polygon points="{area}" fill="{color}" fill-opacity="0.12"/>')
    parts.append(
        f'<polyline points="{line}" fill="none" stroke="{color}" stroke-width="2" stroke-linejoin="round"/>'
    )
    last_x, last_y = points[-1]
    parts.append(f'<circle cx="{last_x:.1f}" cy="{last_y:.1f}" r="3" fill="{color}"/>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - numbers and constants only


def _centered(width: int, y: float, text: str) -> str:
    return format_html(
        '<text x="{}" y="{}" text-anchor="middle" font-size="13" fill="{}">{}</text>',
        width / 2,
        f"{y:.1f}",
        MUTED,
        text,
    )
