"""Inline SVG charts for the mining report, drawn in Python (no script, no download): a process
map, horizontal bars (with an optional p90 mark), and a Pareto chart. Every text is escaped;
each mark carries a <title> that a browser shows on hover."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

INK, MUTED, BAR, LINE = "#1f2937", "#6b7280", "#2563eb", "#dc2626"
NONE = "\u2013"
"""Shown for a figure that does not exist (an en dash)."""
FAST, SLOW = (22, 163, 74), (220, 38, 38)
MAX_NODES, MAX_EDGES = 20, 40


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    count: int
    median_seconds: float | None
    p90_seconds: float | None


def duration(seconds: float | None) -> str:
    """Seconds in the largest unit that keeps a number above 1: 45 s, 12 min, 3.5 h, 2.1 d."""
    if not isinstance(seconds, (int, float)) or math.isnan(seconds):
        return NONE
    for unit, size in (("d", 86_400), ("h", 3_600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.0f} s"


def _svg(width: float, height: float, body: list[str], label: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
            f'width="{width:.0f}" role="img" aria-label="{escape(label)}" '
            f'font-family="system-ui, sans-serif" font-size="12">' + "".join(body) + "</svg>")


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _wait_colour(seconds: float | None, slowest: float) -> str:
    """Green for no wait to red for the slowest handoff, on a log scale."""
    if not seconds or slowest <= 1:
        return f"rgb{FAST}"
    share = min(math.log1p(seconds) / math.log1p(slowest), 1.0)
    mixed = tuple(round(a + (b - a) * share) for a, b in zip(FAST, SLOW, strict=True))
    return f"rgb{mixed}"


def process_map(order: Sequence[str], counts: dict[str, int], edges: Sequence[Edge]) -> str:
    """Activities top to bottom in their typical order; each handoff an arc (down the right,
    back up the left), as thick as it is frequent, coloured by its median wait."""
    nodes = [a for a in order if a in counts][:MAX_NODES]
    row = {name: index for index, name in enumerate(nodes)}
    shown = [e for e in sorted(edges, key=lambda e: -e.count)
             if e.source in row and e.target in row][:MAX_EDGES]
    if not nodes:
        return _svg(600, 40, ['<text x="10" y="25">no events</text>'], "process map")
    left, right, step, top = 330.0, 630.0, 46.0, 20.0
    height = top * 2 + step * len(nodes)
    biggest = max((e.count for e in shown), default=1)
    slowest = max((e.median_seconds or 0 for e in shown), default=0)
    body = [_arc(e, row, left, right, top, step, biggest, slowest) for e in shown]
    for name, index in row.items():
        y = top + index * step
        body.append(f'<rect x="{left}" y="{y}" width="{right - left}" height="30" rx="6" '
                    f'fill="#eff6ff" stroke="{BAR}"><title>{escape(name)}: '
                    f'{counts[name]:,} events</title></rect>'
                    f'<text x="{(left + right) / 2}" y="{y + 19}" text-anchor="middle" '
                    f'fill="{INK}">{escape(_short(name, 36))} ({counts[name]:,})</text>')
    return _svg(960, height, body, "process map")


def _arc(edge: Edge, row: dict[str, int], left: float, right: float, top: float, step: float,
         biggest: int, slowest: float) -> str:
    y1 = top + row[edge.source] * step + 15
    y2 = top + row[edge.target] * step + 15
    width = 1 + 7 * edge.count / biggest
    colour = _wait_colour(edge.median_seconds, slowest)
    title = (f"<title>{escape(edge.source)} → {escape(edge.target)}: {edge.count:,} times, "
             f"median wait {duration(edge.median_seconds)}, p90 "
             f"{duration(edge.p90_seconds)}</title>")
    if y1 == y2:
        path = f"M{right},{y1 - 6} c40,-20 40,32 0,12"
    elif y2 > y1:
        bend = right + 18 + 14 * abs(row[edge.target] - row[edge.source])
        path = f"M{right},{y1} C{bend},{y1} {bend},{y2} {right},{y2}"
    else:
        bend = left - 18 - 14 * abs(row[edge.target] - row[edge.source])
        path = f"M{left},{y1} C{bend},{y1} {bend},{y2} {left},{y2}"
    return (f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="{width:.1f}" '
            f'stroke-opacity="0.75" marker-end="none">{title}</path>')


def bars(items: Sequence[tuple[str, float, float | None, str]], label: str,
         as_text: str = "count") -> str:
    """Horizontal bars: (label, value, p90 or None, tooltip). `as_text`: count or duration."""
    if not items:
        return _svg(600, 40, ['<text x="10" y="25">nothing to show</text>'], label)
    largest = max(max(value, p90 or 0) for _, value, p90, _ in items) or 1
    left, width, step = 300.0, 520.0, 24.0
    body = []
    for index, (name, value, p90, tip) in enumerate(items):
        y = 10 + index * step
        length = width * value / largest
        shown = duration(value) if as_text == "duration" else f"{value:,.0f}"
        body.append(f'<text x="{left - 8}" y="{y + 13}" text-anchor="end" fill="{INK}" '
                    f'font-size="11"><title>{escape(name)}</title>{escape(_short(name, 46))}'
                    f'</text>'
                    f'<rect x="{left}" y="{y}" width="{max(length, 1):.1f}" height="17" '
                    f'fill="{BAR}"><title>{escape(tip)}</title></rect>'
                    f'<text x="{left + length + 6:.1f}" y="{y + 13}" fill="{MUTED}">'
                    f'{escape(shown)}</text>')
        if p90 is not None:
            x = left + width * p90 / largest
            body.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y - 2}" y2="{y + 19}" '
                        f'stroke="{LINE}" stroke-width="2"><title>p90 '
                        f'{escape(duration(p90))}</title></line>')
    return _svg(960, 20 + step * len(items), body, label)


def pareto(items: Sequence[tuple[str, float]], label: str, as_text: str = "count") -> str:
    """Bars in falling order with the cumulative share as a line and the 80 % mark."""
    if not items:
        return _svg(600, 40, ['<text x="10" y="25">nothing to show</text>'], label)
    total = sum(value for _, value in items) or 1
    left, bottom, height = 60.0, 250.0, 210.0
    slot = min(60.0, 860.0 / len(items))
    largest = max(value for _, value in items) or 1
    body = [f'<line x1="{left}" x2="{left + slot * len(items)}" y1="{bottom - height * 0.8}" '
            f'y2="{bottom - height * 0.8}" stroke="{MUTED}" stroke-dasharray="4 4"/>'
            f'<text x="{left - 6}" y="{bottom - height * 0.8 + 4}" text-anchor="end" '
            f'fill="{MUTED}">80 %</text>']
    points, running = [], 0.0
    for index, (name, value) in enumerate(items):
        x = left + index * slot
        bar = height * value / largest
        running += value
        points.append(f"{x + slot / 2:.1f},{bottom - height * running / total:.1f}")
        shown = duration(value) if as_text == "duration" else f"{value:,.0f}"
        body.append(f'<rect x="{x + 4:.1f}" y="{bottom - bar:.1f}" width="{slot - 8:.1f}" '
                    f'height="{bar:.1f}" fill="{BAR}"><title>{escape(name)}: {escape(shown)}, '
                    f'{running / total:.0%} cumulative</title></rect>'
                    f'<text transform="translate({x + slot / 2:.1f},{bottom + 10}) rotate(40)" '
                    f'fill="{INK}" font-size="11">{escape(_short(name, 30))}</text>')
    body.append(f'<polyline points="{" ".join(points)}" fill="none" stroke="{LINE}" '
                f'stroke-width="2"/>')
    return _svg(left + slot * len(items) + 40, bottom + 190, body, label)
