"""`shipshape kpis`: the KPIs of a period, in all and by dimension (as `GET /api/v1/kpis`), or
with `--orders` each delivered order's facts and the causes of its failures."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from typing import Annotated, Any

import typer
from rich.console import Console

from shipshape.adapters.db import kpi_queries, perfect_order_failures
from shipshape.adapters.db.kpi_sources import Window
from shipshape.cli.output import (
    LimitOption,
    Listing,
    OffsetOption,
    OutputFormat,
    OutputOption,
    emit,
    page_listing,
    table_of,
)
from shipshape.cli.reading import period, read
from shipshape.domain.kpis import Dimension, Measure, dimensions_of

console = Console()
DIMENSIONS = ", ".join(d.value for d in Dimension)
HEADLINE: Mapping[Measure, tuple[str, ...]] = {
    Measure.EXCEPTIONS: ("cases", "exceptions_per_1000"),
    Measure.PERFECT_ORDER: ("delivered_orders", "perfect_order_rate"),
    Measure.CASE_WORK: ("rework_hours", "expedited_freight", "time_to_resolve_mean_h",
                        "time_to_resolve_p90_h"),
    Measure.CREDIT_NOTES: ("credit_notes", "credit_note_amount"),
    Measure.INTEGRATION: ("integration_failure_rate",),
}
"""The columns a breakdown's table shows (json and csv give every field)."""
ORDER_COLUMNS = ("order_id", "customer_id", "delivered_at", "perfect", "causes")


def kpis(
    start: Annotated[str | None, typer.Option(
        "--from", help="from this moment on (ISO; a date: from its start, UTC)")] = None,
    end: Annotated[str | None, typer.Option(
        "--to", help="up to this moment (ISO; a date: to its end, UTC)")] = None,
    by: Annotated[list[str] | None, typer.Option(
        "--by", help=f"group by these too ({DIMENSIONS}); repeat it or separate by commas",
        show_default=False)] = None,
    orders: Annotated[bool, typer.Option(
        "--orders", help="list the orders delivered in the period, with the causes of "
                         "their failures")] = False,
    perfect: Annotated[bool | None, typer.Option(
        "--perfect/--imperfect", help="with --orders: only the perfect or imperfect ones",
        show_default=False)] = None,
    limit: LimitOption = 50,
    offset: OffsetOption = 0,
    output: OutputOption = OutputFormat.table,
) -> None:
    """The KPIs of the period (all time without --from/--to): perfect order rate, exceptions
    per 1,000 orders, rework hours, expedited freight, credit notes, integration failure rate,
    time to resolve; in all and by each --by dimension."""
    first, last = period(start, end)
    try:
        dimensions = dimensions_of(by or ())
    except ValueError as error:
        raise typer.BadParameter(str(error).removeprefix("by: "), param_hint="--by") from None
    if orders:
        page = read(lambda c: perfect_order_failures.order_kpis(
            c.engine, Window(first, last), perfect, limit, offset))
        _emit_orders(page_listing("orders", page, ORDER_COLUMNS, ids=("order_id",)), output)
        return
    report = read(lambda c: kpi_queries.kpi_report(
        c.engine, Window(first, last), dimensions, c.settings.invoice_currency).as_json())
    if output is OutputFormat.json:
        sys.stdout.write(json.dumps(report, indent=2) + "\n")
    elif output is OutputFormat.csv:
        emit(Listing("kpis", csv_rows(report), ()), OutputFormat.csv)
    else:
        print_report(report)


def csv_rows(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The totals (`by` total), then each group of each breakdown: one row each."""
    rows = [{"by": "total", "key": None, **report["totals"]}]
    for breakdown in report["breakdowns"]:
        rows += [{"by": breakdown["by"], **group} for group in breakdown["groups"]]
    return rows


def print_report(report: Mapping[str, Any]) -> None:
    scope = f", customer {report['customer_id']}" if report["customer_id"] else ""
    console.print(f"KPIs from {report['from'] or 'the start'} to {report['to'] or 'now'}"
                  f" (costs in {report['currency']}{scope})", highlight=False)
    totals = [{"kpi": name, "value": value} for name, value in report["totals"].items()]
    console.print(table_of(Listing("totals", totals, ("kpi", "value"))))
    if report["failures"]:
        console.print(table_of(Listing("imperfect orders by cause", report["failures"],
                                       ("component", "code", "orders"))))
    for breakdown in report["breakdowns"]:
        columns = ["key", *_headline(breakdown["not_applicable"])]
        groups = [{**g, "key": "(none)" if g["key"] is None else g["key"]}
                  for g in breakdown["groups"]]
        console.print(table_of(Listing(f"by {breakdown['by']}", groups, columns, ids=("key",))))
        for measure, why in {**breakdown["not_applicable"], **breakdown["notes"]}.items():
            console.print(f"  {measure}: {why}", highlight=False)


def _headline(not_applicable: Mapping[str, str]) -> list[str]:
    return [name for measure, names in HEADLINE.items() if measure.value not in not_applicable
            for name in names]


def _emit_orders(listing: Listing, output: OutputFormat) -> None:
    if output is not OutputFormat.table:
        emit(listing, output)
        return
    rows = [{**row, "causes": _causes(row["failures"])} for row in listing.rows]
    emit(Listing(listing.name, rows, listing.columns, listing.ids, listing.total,
                 listing.limit, listing.offset), output)


def _causes(failures: Sequence[Mapping[str, Any]]) -> str:
    return "; ".join(f"{f['component']}: {f['code'] or 'no case'}"
                     + (f" ({f['case_id'] or f['credit_note_id']})"
                        if f["case_id"] or f["credit_note_id"] else "") for f in failures)
