"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, DateTime, Numeric, String, bindparam, func, select
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine


class ExactDecimal(TypeDecorator[Decimal]):
    """NUMERIC on PostgreSQL; text on SQLite, which would otherwise round through a float."""

    impl = Numeric
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(40))
        return dialect.type_descriptor(Numeric(20, 6))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        return str(value) if dialect.name == "sqlite" else Decimal(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None or isinstance(value, Decimal):
            return value
        return Decimal(value if isinstance(value, str) else str(value))


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, whatever the backend keeps."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = value
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class JsonTextList(TypeDecorator[Iterable[str]]):
    """Strings bound as one JSON array text, for SQLite's `json_each`."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else json.dumps(list(value))


def in_list(col: ColumnElement[str], name: str, dialect_name: str) -> ColumnElement[bool]:
    """`col IN (:name...)` for a list of strings given as the parameter `name`.

    PostgreSQL gets the usual expanding IN. On SQLite, an expanding IN is rendered anew on every
    execution (one placeholder per value) and so never hits the statement cache; there the list
    goes in as one JSON parameter: `col IN (SELECT value FROM json_each(?))`, the same rows.
    """
    if dialect_name == "sqlite":
        values = func.json_each(bindparam(name, type_=JsonTextList())).table_valued("value")
        return col.in_(select(values.c.value))
    return col.in_(bindparam(name, expanding=True))
