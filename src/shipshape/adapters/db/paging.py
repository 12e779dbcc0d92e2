"""One page of a list: its rows, how many rows match in all, and where the page starts.

Every list read (orders, exceptions, invoices, master data, stock) goes through `page_of`: the
page is the select with LIMIT/OFFSET, the total one COUNT over the same select without them.
Sorting is a closed set of keys per list (`order_by`), always ended by the list's own id, so
that paging through rows with equal sort values neither skips nor repeats one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Engine, Select, func, select
from sqlalchemy.engine import RowMapping

from shipshape.domain.errors import InvalidInput

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Page:
    rows: list[dict[str, Any]]
    total: int
    """Rows matching the filters in all, over every page."""
    limit: int
    offset: int


def page_of(engine: Engine, query: Select[Any], limit: int, offset: int,
            shape: Callable[[RowMapping], Row]) -> Page:
    """`query` (filtered and ordered) cut to one page, each row made by `shape`, with the count
    of all its rows, read right after on the same connection (a write committed between the
    two can make them differ by that write)."""
    if limit < 1 or offset < 0:
        raise InvalidInput(f"a page has a limit of 1 or more and an offset of 0 or more, "
                           f"not limit {limit}, offset {offset}")
    counted = select(func.count()).select_from(query.order_by(None).subquery())
    with engine.connect() as conn:
        rows = conn.execute(query.limit(limit).offset(offset)).mappings().all()
        total = int(conn.execute(counted).scalar_one())
    return Page([shape(row) for row in rows], total, limit, offset)


def order_by(sorts: Mapping[str, ColumnElement[Any]], sort: str,
             tie: Sequence[ColumnElement[Any]]) -> list[ColumnElement[Any]]:
    """The ORDER BY of `sort`: a key of `sorts`, `-key` for descending; then the `tie`
    columns (the list's id). An unknown key is refused, naming the known ones."""
    descending = sort.startswith("-")
    column = sorts.get(sort.removeprefix("-"))
    if column is None:
        raise InvalidInput(f"cannot sort by {sort!r}; sort by one of "
                           f"{', '.join(sort_keys(sorts))}")
    return [column.desc() if descending else column.asc(), *tie]


def sort_keys(sorts: Mapping[str, Any]) -> list[str]:
    """Every sort a list takes: each key ascending, and descending with a leading `-`."""
    return [key for name in sorts for key in (name, f"-{name}")]
