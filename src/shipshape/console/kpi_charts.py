"""The dashboard's KPIs: the headline figures of the last days and three charts, each with the
table of its numbers beside it. Charts are NiceGUI's bundled ECharts (served by the app itself,
drawn as SVG), fed by `GET /api/v1/kpis` as the signed-in user may read it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from nicegui import ui

from shipshape.console import kpi_view as kv
from shipshape.console.client import ApiClient


async def kpi_section(client: ApiClient, period: kv.Period) -> None:
    answer = await client.get("/kpis", kv.kpi_params(period))
    with ui.column().classes("w-full gap-4").props('data-testid="kpis"'):
        with ui.row().classes("w-full items-end gap-4"):
            ui.label(f"Key figures, {period.title}").classes("text-h6")
            period_picker(period)
        if not answer.ok:
            ui.label(answer.error or "").classes("text-negative").props('data-testid="error"')
            return
        report: Mapping[str, Any] = answer.data
        with ui.row().classes("gap-4"):
            for name, label, value in kv.headlines(report):
                with ui.card().classes("min-w-[11rem]"):
                    ui.label(label).classes("text-grey-8")
                    ui.label(value).classes("text-h6").props(f'data-testid="kpi-{name}"')
        per_day = kv.perfect_order_by_day(report)
        chart_with_table(
            "perfect-order", "Perfect order rate by day of delivery (%)",
            kv.line_chart(per_day, "day", "rate", "Perfect order rate", "%"), per_day,
            (("day", "Day"), ("delivered", "Delivered"), ("perfect", "Perfect"),
             ("rate", "Rate %")))
        for by, title in (("stage", "stage"), ("owner_team", "owner team")):
            rows = kv.exceptions_by(report, by)
            chart_with_table(
                f"exceptions-{by}", f"Exceptions per 1,000 orders by {title}",
                kv.bar_chart(rows, by, (("per_1000", "per 1,000 orders"),)), rows,
                ((by, title.capitalize()), ("cases", "Cases"), ("per_1000", "Per 1,000")))
        took = kv.resolve_times_by(report, "owner_team")
        chart_with_table(
            "resolve", "Time to resolve by owner team (hours)",
            kv.bar_chart(took, "owner_team", (("mean_h", "mean"), ("p90_h", "p90")), "h"),
            took, (("owner_team", "Owner team"), ("closed", "Closed"), ("mean_h", "Mean h"),
                   ("p90_h", "p90 h")))


def period_picker(period: kv.Period) -> None:
    """Two dates and a button that shows the dashboard of the days between them."""
    first = ui.input("From", value=period.first.isoformat()).props(
        'dense type=date data-testid="period-from"')
    last = ui.input("To", value=period.last.isoformat()).props(
        'dense type=date data-testid="period-to"')
    ui.button("Show", on_click=lambda: ui.navigate.to(
        "/dashboard?" + urlencode({"from": first.value or "", "to": last.value or ""}))).props(
        'flat data-testid="period-show"')


def chart_with_table(name: str, title: str, options: dict[str, Any],
                     rows: Sequence[Mapping[str, Any]],
                     columns: Sequence[tuple[str, str]]) -> None:
    """A card with the chart on the left and its numbers on the right; a sentence when there
    is nothing to draw."""
    with ui.card().classes("w-full").props(f'data-testid="chart-{name}"'):
        ui.label(title).classes("text-subtitle1")
        if not rows:
            ui.label("Nothing in this period.").classes("text-grey-8")
            return
        with ui.row().classes("w-full items-start no-wrap gap-6"):
            ui.echart(options, renderer="svg").classes("grow h-72") \
                .props(f'data-testid="echart-{name}"')
            ui.table(rows=[dict(row) for row in rows],
                     columns=[{"name": key, "label": label, "field": key, "align": "left"}
                              for key, label in columns]) \
                .props(f'dense flat data-testid="table-{name}"')
