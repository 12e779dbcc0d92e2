"""Many-row INSERTs and UPDATEs by the driver's executemany, bound as Core would bind them.

For each row of an executemany, Core builds a parameter dict and runs every value through its
type; for a 500-line order that is most of the time its writes take. `Bulk` compiles the
statement once per dialect, runs each value through the same bind processor Core would use
and hands the rows to the driver in one `exec_driver_sql` call. What reaches the database is
the same, and driver errors still come out as SQLAlchemy's (see errors.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.dml import UpdateBase

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True)
class _Compiled:
    sql: str
    positional: bool
    binds: tuple[tuple[str, int, Processor], ...]
    """For each parameter of the statement: its name, its place in a row, its processor."""

    def rows(self, rows: Sequence[Sequence[Any]]) -> list[Any]:
        binds = [(name, i, _remembering(p)) for name, i, p in self.binds]
        if self.positional:
            return [tuple([row[i] if p is None else p(row[i]) for _, i, p in binds])
                    for row in rows]
        return [{name: row[i] if p is None else p(row[i]) for name, i, p in binds}
                for row in rows]


def _remembering(processor: Processor) -> Processor:
    """The processor, answering again at once when given the same object as last time.

    Rows often share a value (the order id, one timestamp), so it is processed once per call.
    """
    if processor is None:
        return None
    bind = processor
    last: list[Any] = [_NOTHING, None]

    def process(value: Any) -> Any:
        if value is not last[0]:
            last[0], last[1] = value, bind(value)
        return last[1]
    return process


_NOTHING = object()


class Bulk:
    """An INSERT or UPDATE whose rows give the values of `names`, in that order."""

    def __init__(self, statement: UpdateBase, names: Sequence[str]) -> None:
        self._statement = statement
        self._names = tuple(names)
        self._compiled: dict[str, _Compiled] = {}

    def execute(self, conn: Connection, rows: Sequence[Sequence[Any]]) -> int:
        """How many rows the statement changed (none without rows)."""
        if not rows:
            return 0
        compiled = self._compiled.get(conn.dialect.name)
        if compiled is None:
            compiled = self._compiled[conn.dialect.name] = self._compile(conn.dialect)
        return conn.exec_driver_sql(compiled.sql, compiled.rows(rows)).rowcount

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled = self._statement.compile(dialect=dialect, column_keys=list(self._names))
        order = compiled.positiontup if compiled.positional else list(compiled.binds)
        if order is None or set(order) != set(self._names):
            raise ValueError(f"{self._statement} binds {order}, the rows give {self._names}")
        binds = []
        for name in order:
            bind_type = compiled.binds[name].type
            processor = bind_type.dialect_impl(dialect).bind_processor(dialect)
            binds.append((name, self._names.index(name), processor))
        return _Compiled(compiled.string, compiled.positional, tuple(binds))
