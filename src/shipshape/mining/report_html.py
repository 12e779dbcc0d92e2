"""The mining report as one self-contained HTML page: inline CSS and SVG charts, no script and
nothing fetched, so it opens offline and prints as it shows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from shipshape.mining import charts
from shipshape.mining.errors import LogError

SHOWN = 15
_env = Environment(loader=PackageLoader("shipshape", "templates/mining"),
                   autoescape=select_autoescape(default=True, default_for_string=True))


def _percent(value: object) -> str:
    return f"{value:.1%}" if isinstance(value, (int, float)) else charts.NONE


def _number(value: object) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    return f"{value:,.0f}" if isinstance(value, (int, float)) else charts.NONE


def _ratio(value: object) -> str:
    return f"{value:.2f}" if isinstance(value, (int, float)) else charts.NONE


_env.filters.update(duration=charts.duration, percent=_percent, number=_number, ratio=_ratio)


def render(report: dict[str, Any]) -> str:
    sections = [_type_charts(report, kind) for kind in report["mined_types"]]
    pareto = report["pareto"] or {}
    return _env.get_template("report.html.j2").render(
        report=report, types=sections,
        pareto_frequency=Markup(charts.pareto(
            [(_label(r), r["occurrences"]) for r in pareto.get("by_frequency", [])[:25]],
            "exceptions by frequency")),
        pareto_cost=Markup(charts.pareto(
            [(_label(r), r["cost"]) for r in (pareto.get("by_cost") or [])[:25]],
            "exceptions by cost")) if pareto.get("by_cost") else None,
        patterns=sorted(report["patterns"], key=lambda p: (-(p.get("lift") or 0), -p["cases"])),
        multiple=len(report["mined_types"]) > 1)


def write_html(report: dict[str, Any], path: Path) -> None:
    try:
        path.write_text(render(report), encoding="utf-8")
    except OSError as error:
        raise LogError(f"cannot write {path}: {error.strerror or error}") from None


def _label(row: dict[str, Any]) -> str:
    return str(row["name"])


def _type_charts(report: dict[str, Any], kind: str) -> dict[str, Any]:
    mine = report["types"][kind]
    edges = [charts.Edge(e["from"], e["to"], e["count"], e["median_seconds"], e["p90_seconds"])
             for e in report["dfg"] if e["object_type"] == kind]
    counts: dict[str, int] = {}
    for edge in edges:
        counts[edge.source] = counts.get(edge.source, 0) + edge.count
    for name, many in mine["end"].items():
        counts[name] = counts.get(name, 0) + many
    variants = [v for v in report["variants"] if v["object_type"] == kind][:SHOWN]
    handoffs = [e for e in report["waiting"]["by_handoff"] if e["object_type"] == kind][:SHOWN]
    return {
        "kind": kind, "facts": mine,
        "process_map": Markup(charts.process_map(mine["order"], counts, edges)),
        "variants": Markup(charts.bars(
            [(f"#{n + 1}: {len(v['activities'])} steps", v["cases"], None,
              " → ".join(v["activities"])) for n, v in enumerate(variants)], "variants")),
        "variant_rows": variants,
        "handoffs": Markup(charts.bars(
            [(f"{e['from']} → {e['to']}", e["median_seconds"] or 0, e["p90_seconds"],
              f"{e['count']:,} times") for e in handoffs], "waits per handoff", "duration")),
        "roles": {role: Markup(charts.bars(
            [(str(w["name"]), w["median_seconds"] or 0, w["p90_seconds"],
              f"{w['events']:,} events") for w in rows[:SHOWN]], f"waits per {role}",
            "duration"))
            for role in ("system", "resource")
            if (rows := [w for w in report["waiting"][f"by_{role}"]
                         if w["object_type"] == kind])},
    }
