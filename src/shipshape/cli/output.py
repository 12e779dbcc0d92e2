"""How the list and show commands print: `--output table|json|csv`, one implementation for all.

table  for people: a Rich table of the main columns, ids never cut (they are pasted into other
       commands), and a footer "showing a-b of TOTAL" when the total is known.
json   for scripts: the object the API's list answers with, `{"<name>": [rows], "total": N,
       "limit": L, "offset": O}` (`total` null where the command cannot count), every field of
       every row; a show command prints its record as one object.
csv    for spreadsheets: a header row and one row per record, every field; nested values (an
       address, a list) are JSON text in their cell.
json and csv go to stdout alone, so they can be piped.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from shipshape.adapters.db.paging import Page

console = Console()
Row = Mapping[str, Any]
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)?")


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


OutputOption = Annotated[OutputFormat, typer.Option(
    "--output", "-o", help="table for people; json or csv (every field) for scripts")]
ShowOutputOption = Annotated[OutputFormat, typer.Option(
    "--output", "-o", help="table for people; json (the API's answer) for scripts")]
LimitOption = Annotated[int, typer.Option(min=1, max=1000, help="most rows")]
OffsetOption = Annotated[int, typer.Option(min=0, help="rows to skip first")]


@dataclass(frozen=True)
class Listing:
    """One page of rows of a list command."""

    name: str
    """The JSON key of the rows and the table's title, e.g. "orders"."""
    rows: Sequence[Row]
    columns: Sequence[str]
    """The fields the table shows (json and csv show every field)."""
    ids: Sequence[str] = ()
    """Columns whose values are never cut or wrapped."""
    total: int | None = None
    limit: int | None = None
    offset: int = 0


def page_listing(name: str, page: Page, columns: Sequence[str],
                 ids: Sequence[str] = ()) -> Listing:
    return Listing(name, page.rows, columns, ids, page.total, page.limit, page.offset)


def emit(listing: Listing, output: OutputFormat) -> None:
    if output is OutputFormat.json:
        _write(json.dumps({listing.name: list(listing.rows), "total": listing.total,
                           "limit": listing.limit, "offset": listing.offset},
                          indent=2, default=_json_value))
    elif output is OutputFormat.csv:
        _write_csv(listing.rows)
    else:
        console.print(table_of(listing))
        console.print(footer(listing), highlight=False)


def footer(listing: Listing) -> str:
    """"showing 51-100 of 230"; without a total, which rows are shown."""
    count = len(listing.rows)
    of = "" if listing.total is None else f" of {listing.total}"
    if not count:
        return f"showing none{of}" + (f" (offset {listing.offset})" if listing.offset else "")
    return f"showing {listing.offset + 1}-{listing.offset + count}{of}"


def table_of(listing: Listing) -> Table:
    table = Table(title=listing.name, title_justify="left")
    for column in listing.columns:
        if column in listing.ids:
            widest = max((len(cell(row.get(column))) for row in listing.rows), default=0)
            table.add_column(column, no_wrap=True, min_width=max(widest, len(column)))
        else:
            table.add_column(column, overflow="fold")
    for row in listing.rows:
        table.add_row(*(Text(shown(row.get(column))) for column in listing.columns))
    return table


def shown(value: Any) -> str:
    """A value as a table shows it: a timestamp to the minute (json and csv keep it whole)."""
    if isinstance(value, dict):
        return ", ".join(f"{key}: {shown(inner)}" for key, inner in value.items())
    text = cell(value)
    return f"{text[:10]} {text[11:16]}" if TIMESTAMP.fullmatch(text) else text


def emit_record(kind: str, record: Row, output: OutputFormat) -> None:
    """One record (a show command): its fields, then each list of records as a table."""
    if output is not OutputFormat.table:
        _write(json.dumps(record, indent=2, default=_json_value))
        return
    fields = Table(title=kind, title_justify="left", show_header=False, box=None)
    fields.add_column("field", style="bold", no_wrap=True)
    fields.add_column("value", overflow="fold")
    nested: dict[str, list[Row]] = {}
    for name, value in record.items():
        if _is_records(value):
            nested[name] = value
        else:
            fields.add_row(name, Text("none" if value == [] else _field(value)))
    console.print(fields)
    for name, rows in nested.items():
        columns = list(dict.fromkeys(key for row in rows for key in row))
        console.print(table_of(Listing(name, rows, columns, ids=[c for c in columns
                                                                 if c == "id" or
                                                                 c.endswith("_id")])))


def _field(value: Any) -> str:
    """A field of a shown record: whole (a timestamp too), an address as `key: value` pairs."""
    return shown(value) if isinstance(value, dict) else cell(value)


def cell(value: Any) -> str:
    """A value as text: nothing for None, true or false, a list of plain values joined by `|`
    (as `shipshape load` reads CSV lists), JSON for a dict or a list of them."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list) and not any(isinstance(v, dict | list) for v in value):
        return "|".join(cell(v) for v in value)
    if isinstance(value, dict | list):
        return json.dumps(value, default=_json_value)
    return str(value)


def _json_value(value: Any) -> Any:
    """What `json` cannot write itself: a moment in ISO form, a decimal or anything else as
    text."""
    return value.isoformat() if isinstance(value, date) else str(value)


def _is_records(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _write_csv(rows: Sequence[Row]) -> None:
    columns = list(dict.fromkeys(key for row in rows for key in row))
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([cell(row.get(column)) for column in columns])


def _write(text: str) -> None:
    sys.stdout.write(text + "\n")
