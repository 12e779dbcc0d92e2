"""The digital twin's comparison as one self-contained HTML page (`shipshape simulate --html`):
inline CSS and SVG charts drawn here, no script and nothing fetched, so it opens offline and
prints as it shows. Every text from the result is escaped."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any, NamedTuple


class Figure(NamedTuple):
    key: str
    label: str
    unit: str
    """One of "rate", "money", "hours", "count", "per_1000"."""


FIGURES: tuple[Figure, ...] = (
    Figure("short_ship_rate", "Short-ship rate", "rate"),
    Figure("exceptions_per_1000", "Exceptions per 1,000 orders", "per_1000"),
    Figure("perfect_order_rate", "Perfect-order rate", "rate"),
    Figure("expedited_freight_cost", "Expedited freight cost", "money"),
    Figure("rework_hours", "Rework hours", "hours"),
    Figure("invoice_corrections", "Invoice corrections", "count"),
    Figure("strategic_on_time_rate", "Strategic on-time rate", "rate"),
)
"""The twin's figures in the order they are shown: (key in the result, label, unit kind)."""

TITLE = "Shipshape digital twin: scenario comparison"
CURRENCY = "USD"
NOT_AVAILABLE = "n/a"
DASH = " \u2013 "
"""Between an interval's ends (an en dash)."""
UNIT_NAMES = {"rate": "%", "money": CURRENCY, "hours": "hours", "count": "count",
              "per_1000": "per 1,000 orders"}
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#7f7f7f",
           "#000000")
"""Okabe-Ito colours, told apart with colour blindness; a scenario keeps its colour throughout."""
INK, MUTED, GRID = "#1f2937", "#6b7280", "#e5e7eb"
LABEL_WIDTH, PLOT_WIDTH, VALUE_WIDTH = 190.0, 400.0, 150.0
BAR_HEIGHT, BAR_GAP, GROUP_GAP, TOP, AXIS_HEIGHT = 18.0, 6.0, 14.0, 8.0, 42.0

CSS = """
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2937;
  max-width: 1000px; margin: 24px auto; padding: 0 16px; }
h1 { font-size: 22px; margin-bottom: 4px; }
h2 { font-size: 17px; margin-top: 28px; border-bottom: 1px solid #e5e7eb; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
.muted { color: #6b7280; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { text-align: left; padding: 4px 10px; border-bottom: 1px solid #e5e7eb;
  vertical-align: top; }
td.number { font-variant-numeric: tabular-nums; }
.swatch { display: inline-block; width: 11px; height: 11px; border-radius: 2px;
  margin-right: 6px; vertical-align: baseline; }
.legend span.item { margin-right: 16px; white-space: nowrap; }
.excludes { font-weight: 600; }
figure { margin: 12px 0 20px; }
figcaption { font-weight: 600; margin-bottom: 4px; }
svg { max-width: 100%; height: auto; }
code { font-size: 12px; }
"""


@dataclass(frozen=True)
class Stat:
    mean: float | None
    low: float | None
    high: float | None

    @property
    def has_interval(self) -> bool:
        return self.low is not None and self.high is not None


@dataclass(frozen=True)
class Bar:
    label: str
    """Shown left of the bar; empty for the later bars of a group."""
    colour: str
    stat: Stat
    tooltip: str
    starts_group: bool = False


def html_report(result: Mapping[str, Any]) -> str:
    """The comparison as a complete HTML5 document."""
    scenarios: Mapping[str, Mapping[str, Any]] = result.get("scenarios") or {}
    colours = scenario_colours(scenarios)
    note = missing_interval_note(result)
    sections = [
        _header(result, colours),
        _figures_table(scenarios, colours, note),
        _figure_charts(scenarios, colours, note),
        _stage_section(scenarios, colours, note),
        _differences_section(result.get("differences") or {}, colours),
        _scenarios_section(scenarios, colours),
    ]
    return _document(TITLE, "".join(sections))


def scenario_colours(scenarios: Iterable[str]) -> dict[str, str]:
    return {name: PALETTE[index % len(PALETTE)] for index, name in enumerate(scenarios)}


def missing_interval_note(result: Mapping[str, Any]) -> str:
    if _number(result.get("replications")) == 1:
        return "one replication: no interval"
    return "no interval"


# -- numbers -----------------------------------------------------------------------------------

def _number(value: object) -> float | None:
    """A finite number, or None for anything else (None, NaN, text, booleans)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def stat(figure: object) -> Stat:
    if not isinstance(figure, Mapping):
        return Stat(None, None, None)
    return Stat(_number(figure.get("mean")), _number(figure.get("low")),
                _number(figure.get("high")))


def format_figure(value: object, unit: str) -> str:
    """A figure as people read it: rates as "5.0 %", money as "USD 1,234.50", hours as "3.5 h"."""
    number = _number(value)
    if number is None:
        return NOT_AVAILABLE
    if unit == "rate":
        return f"{number * 100:.1f} %"
    if unit == "money":
        return f"{CURRENCY} {number:,.2f}"
    if unit == "hours":
        return f"{number:,.1f} h"
    if unit == "count" and number.is_integer():
        return f"{number:,.0f}"
    return f"{number:,.1f}"


def format_difference(value: object, unit: str) -> str:
    """A signed difference: rates in percentage points ("-3.0 pp"), the rest as figures."""
    number = _number(value)
    if number is None:
        return NOT_AVAILABLE
    if unit == "rate":
        return f"{number * 100:+.1f} pp"
    sign = "-" if number < 0 else "+"
    return sign + format_figure(abs(number), unit)


def _with_interval(figure: Stat, unit: str, note: str) -> str:
    mean = format_figure(figure.mean, unit)
    if figure.mean is None:
        return mean
    if not figure.has_interval:
        return f"{mean} ({NOT_AVAILABLE}, {note})"
    return f"{mean} ({format_figure(figure.low, unit)}{DASH}{format_figure(figure.high, unit)})"


def _plural(count: float, word: str) -> str:
    return f"{count:,.0f} {word}" + ("" if count == 1 else "s")


# -- page --------------------------------------------------------------------------------------

def _document(title: str, body: str) -> str:
    return ('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
            f"{body}</body>\n</html>\n")


def _header(result: Mapping[str, Any], colours: Mapping[str, str]) -> str:
    return (f"<h1>{escape(TITLE)}</h1>\n"
            f'<p class="muted">{escape(" · ".join(run_facts(result)))}</p>\n'
            f"<p>Intervals are 95 % confidence intervals of the mean across replications.</p>\n"
            f"{_legend(colours)}")


def run_facts(result: Mapping[str, Any]) -> list[str]:
    """The header line's parts, leaving out any the result does not give."""
    facts = []
    if (days := _number(result.get("days"))) is not None:
        facts.append(_plural(days, "day") + " simulated")
    if (seed := result.get("seed")) is not None:
        facts.append(f"seed {seed}")
    if (replications := _number(result.get("replications"))) is not None:
        facts.append(_plural(replications, "replication"))
    if (per_day := _number(result.get("orders_per_day"))) is not None:
        facts.append(f"{per_day:,.0f} orders per day")
    if (elapsed := _number(result.get("elapsed_s"))) is not None:
        facts.append(f"{elapsed:,.1f} s elapsed")
    if (speed := _number(result.get("orders_per_s"))) is not None:
        facts.append(f"{speed:,.1f} simulated orders per second")
    return facts


def _swatch(colour: str) -> str:
    return f'<span class="swatch" style="background:{colour}"></span>'


def _named(name: str, colours: Mapping[str, str]) -> str:
    return _swatch(colours.get(name, MUTED)) + escape(name)


def _legend(colours: Mapping[str, str]) -> str:
    items = "".join(f'<span class="item">{_named(name, colours)}</span>' for name in colours)
    return f'<p class="legend">{items}</p>\n'


def _figures_table(scenarios: Mapping[str, Mapping[str, Any]], colours: Mapping[str, str],
                   note: str) -> str:
    head = "".join(f"<th>{_named(name, colours)}</th>" for name in scenarios)
    rows = [Figure("orders", "Orders simulated", "count"), *FIGURES]
    body = "".join(_figure_row(figure, scenarios, note) for figure in rows)
    return (f"<h2>Figures per scenario</h2>\n<table>\n<thead><tr><th>Figure</th>{head}</tr>"
            f"</thead>\n<tbody>\n{body}</tbody>\n</table>\n")


def _figure_row(figure: Figure, scenarios: Mapping[str, Mapping[str, Any]], note: str) -> str:
    cells = "".join(
        f'<td class="number">'
        f"{escape(_with_interval(stat(scenario.get(figure.key)), figure.unit, note))}</td>"
        for scenario in scenarios.values())
    return f"<tr><th>{escape(figure.label)}</th>{cells}</tr>\n"


def _figure_charts(scenarios: Mapping[str, Mapping[str, Any]], colours: Mapping[str, str],
                   note: str) -> str:
    charts = "".join(_figure_chart(figure, scenarios, colours, note) for figure in FIGURES)
    return f"<h2>Charts</h2>\n{charts}"


def _figure_chart(figure: Figure, scenarios: Mapping[str, Mapping[str, Any]],
                  colours: Mapping[str, str], note: str) -> str:
    bars = []
    for name, scenario in scenarios.items():
        figures = stat(scenario.get(figure.key))
        tooltip = f"{name}: {_with_interval(figures, figure.unit, note)}"
        bars.append(Bar(name, colours[name], figures, tooltip))
    chart = bar_chart(bars, figure.unit, axis_title(figure), figure.label)
    return f"<figure>\n<figcaption>{escape(figure.label)}</figcaption>\n{chart}\n</figure>\n"


def axis_title(figure: Figure) -> str:
    return f"{figure.label} ({UNIT_NAMES.get(figure.unit, figure.unit)})"


def stage_names(scenarios: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The stages in the order the scenarios give them, each once."""
    names: dict[str, None] = {}
    for scenario in scenarios.values():
        by_stage = (scenario.get("exceptions_per_1000") or {}).get("by_stage") or {}
        names.update(dict.fromkeys(by_stage))
    return list(names)


def _stage_section(scenarios: Mapping[str, Mapping[str, Any]], colours: Mapping[str, str],
                   note: str) -> str:
    title = "Exceptions per 1,000 orders by stage"
    stages = stage_names(scenarios)
    if not stages:
        return f"<h2>{title}</h2>\n<p class=\"muted\">No exceptions by stage recorded.</p>\n"
    bars = [_stage_bar(stage, index, name, scenario, colours, note)
            for stage in stages
            for index, (name, scenario) in enumerate(scenarios.items())]
    chart = bar_chart(bars, "per_1000", "exceptions per 1,000 orders", title)
    return f"<h2>{title}</h2>\n{_legend(colours)}<figure>\n{chart}\n</figure>\n"


def _stage_bar(stage: str, index: int, name: str, scenario: Mapping[str, Any],
               colours: Mapping[str, str], note: str) -> Bar:
    by_stage = (scenario.get("exceptions_per_1000") or {}).get("by_stage") or {}
    figures = stat(by_stage.get(stage))
    tooltip = f"{stage}, {name}: {_with_interval(figures, 'per_1000', note)}"
    first = index == 0
    return Bar(stage if first else "", colours[name], figures, tooltip, starts_group=first)


def _differences_section(differences: Mapping[str, Mapping[str, Any]],
                         colours: Mapping[str, str]) -> str:
    if not differences:
        return ""
    rows = "".join(_difference_row(name, compared, figure, colours)
                   for name, compared in differences.items()
                   for figure in FIGURES if figure.key in compared)
    return ("<h2>Differences against the first scenario</h2>\n"
            "<p>Paired by replication (same seed and orders): scenario minus baseline. "
            "Rates differ in percentage points (pp).</p>\n"
            "<table>\n<thead><tr><th>Scenario</th><th>Against</th><th>Figure</th>"
            "<th>Difference</th><th>95 % interval</th><th>Interval excludes 0</th></tr></thead>"
            f"\n<tbody>\n{rows}</tbody>\n</table>\n")


def _difference_row(name: str, compared: Mapping[str, Any], figure: Figure,
                    colours: Mapping[str, str]) -> str:
    difference = stat(compared[figure.key])
    against = str(compared.get("against", ""))
    interval = (f"{format_difference(difference.low, figure.unit)}{DASH}"
                f"{format_difference(difference.high, figure.unit)}"
                if difference.has_interval else f"{NOT_AVAILABLE}: no interval")
    return (f"<tr><td>{_named(name, colours)}</td><td>{_named(against, colours)}</td>"
            f"<td>{escape(figure.label)}</td>"
            f'<td class="number">{escape(format_difference(difference.mean, figure.unit))}</td>'
            f'<td class="number">{escape(interval)}</td>{_excludes_zero_cell(difference)}</tr>\n')


def excludes_zero(difference: Stat) -> str | None:
    """"below" or "above" when the interval lies wholly on one side of 0, "" when it spans 0,
    None without an interval."""
    if difference.low is None or difference.high is None:
        return None
    if difference.high < 0:
        return "below"
    return "above" if difference.low > 0 else ""


def _excludes_zero_cell(difference: Stat) -> str:
    side = excludes_zero(difference)
    if side is None:
        return f"<td>{NOT_AVAILABLE}</td>"
    if side:
        return f'<td class="excludes">yes: wholly {side} 0</td>'
    return "<td>no</td>"


def _scenarios_section(scenarios: Mapping[str, Mapping[str, Any]],
                       colours: Mapping[str, str]) -> str:
    parts = "".join(_scenario_description(name, scenario, colours)
                    for name, scenario in scenarios.items())
    return f"<h2>Scenarios</h2>\n{parts}"


def _scenario_description(name: str, scenario: Mapping[str, Any],
                          colours: Mapping[str, str]) -> str:
    facts = [f"source: {scenario.get('source') or NOT_AVAILABLE}"]
    if (elapsed := _number(scenario.get("elapsed_s"))) is not None:
        facts.append(f"{elapsed:,.1f} s elapsed")
    if (speed := _number(scenario.get("orders_per_s"))) is not None:
        facts.append(f"{speed:,.1f} simulated orders per second")
    stores = [str(store) for store in scenario.get("stores") or []]
    listed = ", ".join(f"<code>{escape(store)}</code>" for store in stores)
    return (f"<h3>{_named(name, colours)}</h3>\n"
            f"<p>{escape(str(scenario.get('description') or ''))}</p>\n"
            f'<p class="muted">{escape(" · ".join(facts))}'
            + (f"<br>stores: {listed}" if stores else "") + "</p>\n")


# -- charts ------------------------------------------------------------------------------------

def bar_chart(bars: Sequence[Bar], unit: str, axis: str, label: str) -> str:
    """Horizontal bars from 0, a whisker over each interval, the mean written beside each bar,
    and an axis with ticks and a title below."""
    low, high, step = _scale(bars)
    rows, y = [], TOP
    for bar in bars:
        y += GROUP_GAP if bar.starts_group and y > TOP else 0.0
        rows.append(_bar_marks(bar, y, unit, low, high))
        y += BAR_HEIGHT + BAR_GAP
    axis_marks = _axis(y, unit, low, high, step, axis)
    return _svg(LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH, y + AXIS_HEIGHT, [axis_marks, *rows],
                label)


def _svg(width: float, height: float, body: list[str], label: str) -> str:
    return (f'<svg viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" '
            f'height="{height:.0f}" role="img" aria-label="{escape(label)}" '
            f'font-family="system-ui, sans-serif" font-size="12">' + "".join(body) + "</svg>")


def _scale(bars: Sequence[Bar]) -> tuple[float, float, float]:
    """The axis's ends and tick step: from 0 (or below, for negatives) to a round number."""
    values = [v for bar in bars for v in (bar.stat.mean, bar.stat.low, bar.stat.high)
              if v is not None]
    low, high = min([0.0, *values]), max([0.0, *values])
    if high == low:
        high = low + 1.0
    step = _tick_step((high - low) / 4)
    return math.floor(low / step) * step, math.ceil(high / step) * step, step


def _tick_step(rough: float) -> float:
    magnitude = 10.0 ** math.floor(math.log10(rough))
    return next(m * magnitude for m in (1, 2, 2.5, 5, 10) if rough <= m * magnitude)


def _x(value: float, low: float, high: float) -> float:
    return LABEL_WIDTH + PLOT_WIDTH * (value - low) / (high - low)


def _bar_marks(bar: Bar, y: float, unit: str, low: float, high: float) -> str:
    middle = y + BAR_HEIGHT / 2
    marks = [f'<text x="{LABEL_WIDTH - 8:.1f}" y="{middle + 4:.1f}" text-anchor="end" '
             f'fill="{INK}"><title>{escape(bar.label)}</title>{escape(_short(bar.label))}'
             f"</text>"] if bar.label else []
    zero = _x(0.0, low, high)
    if bar.stat.mean is not None:
        end = _x(bar.stat.mean, low, high)
        marks.append(f'<rect x="{min(zero, end):.1f}" y="{y:.1f}" '
                     f'width="{max(abs(end - zero), 1.0):.1f}" height="{BAR_HEIGHT:.1f}" '
                     f'fill="{bar.colour}"><title>{escape(bar.tooltip)}</title></rect>')
    if bar.stat.low is not None and bar.stat.high is not None:
        marks.append(_whisker(_x(bar.stat.low, low, high), _x(bar.stat.high, low, high), middle))
    marks.append(_value_label(bar, unit, middle, low, high))
    return "".join(marks)


def _whisker(left: float, right: float, middle: float) -> str:
    top, bottom = middle - 6, middle + 6
    return (f'<path d="M{left:.1f},{top:.1f}V{bottom:.1f}M{left:.1f},{middle:.1f}'
            f'H{right:.1f}M{right:.1f},{top:.1f}V{bottom:.1f}" stroke="{INK}" '
            f'stroke-width="1.5" fill="none"/>')


def _value_label(bar: Bar, unit: str, middle: float, low: float, high: float) -> str:
    reach = max([0.0, *(v for v in (bar.stat.mean, bar.stat.high) if v is not None)])
    x = _x(reach, low, high) + 8
    return (f'<text x="{x:.1f}" y="{middle + 4:.1f}" fill="{MUTED}">'
            f"{escape(format_figure(bar.stat.mean, unit))}</text>")


def _axis(y: float, unit: str, low: float, high: float, step: float, title: str) -> str:
    count = round((high - low) / step)
    ticks = [low + index * step for index in range(count + 1)]
    marks = [f'<line x1="{LABEL_WIDTH:.1f}" x2="{LABEL_WIDTH + PLOT_WIDTH:.1f}" y1="{y:.1f}" '
             f'y2="{y:.1f}" stroke="{MUTED}"/>']
    for tick in ticks:
        x = _x(tick, low, high)
        marks.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{TOP:.1f}" y2="{y + 4:.1f}" '
                     f'stroke="{GRID if tick else MUTED}"/>'
                     f'<text x="{x:.1f}" y="{y + 16:.1f}" text-anchor="middle" fill="{MUTED}" '
                     f'font-size="11">{escape(_tick_text(tick, unit))}</text>')
    marks.append(f'<text x="{LABEL_WIDTH + PLOT_WIDTH / 2:.1f}" y="{y + 34:.1f}" '
                 f'text-anchor="middle" fill="{INK}">{escape(title)}</text>')
    return "".join(marks)


def _tick_text(tick: float, unit: str) -> str:
    scaled = round(tick * 100 if unit == "rate" else tick, 6) + 0.0
    text = f"{scaled:,.2f}".rstrip("0").rstrip(".")
    return f"{text} %" if unit == "rate" else text


def _short(text: str, limit: int = 26) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
