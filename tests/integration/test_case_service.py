"""Opening cases through the case service on a real store: one case per code and subject while
it is open, the same exception seen again counted into it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from shipshape.adapters.db import desk_queries
from shipshape.adapters.db import tables as t
from shipshape.adapters.db.desk_queries import CaseFilter
from shipshape.api.desk_view import sla_of
from shipshape.bootstrap import Container
from shipshape.domain.cases import CaseOrigin, case_opened
from shipshape.domain.catalogue import ExceptionOpened, ExceptionRecurred
from shipshape.domain.findings import Finding, Kind, Team, block
from shipshape.services import cases
from shipshape.services.cases import OpenedCase

OPENED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)


def short_pick(line: int = 1) -> Finding:
    return block("SHORT_PICK", Kind.OPERATIONAL, Team.WAREHOUSE, "short", line_nos=[line])


def origin(order_id: str | None = "ord_1", minutes: int = 0) -> CaseOrigin:
    return CaseOrigin(order_id, None, Decimal("10"), None, OPENED + timedelta(minutes=minutes),
                      site_id="DAL")


def opened(container: Container, finding: Finding, where: CaseOrigin, **kw: Any) -> OpenedCase:
    with container.deps.uow() as uow:
        result = cases.open_case(container.deps, uow, finding, where, **kw)
        uow.commit()
    return result


def stored(container: Container) -> list[Any]:
    c = t.exception_cases.c
    with container.engine.connect() as conn:
        return list(conn.execute(select(c.id, c.occurrences, c.last_seen_at, c.status,
                                        c.stage, c.rule_version)
                                 .order_by(c.opened_at, c.id)).all())


def test_a_new_case_is_stored_and_told_by_its_event(container: Container) -> None:
    first = opened(container, short_pick(), origin(), stage="release")
    [row] = stored(container)
    assert (row.id, row.occurrences, row.stage, row.rule_version) == (
        first.case.id, 1, "release", container.deps.rules.version)
    assert isinstance(first.event, ExceptionOpened) and not first.recurred
    assert first.event == case_opened(first.case, OPENED)
    explicit = opened(container, short_pick(line=9), origin(), rule_version="")
    assert explicit.case.rule_version == ""


def test_the_same_exception_again_counts_into_the_open_case(container: Container) -> None:
    first = opened(container, short_pick(), origin())
    again = opened(container, short_pick(), origin(minutes=5))
    third = opened(container, short_pick(), origin(minutes=9))
    assert again.recurred and third.recurred
    assert again.case.id == third.case.id == first.case.id
    assert isinstance(third.event, ExceptionRecurred)
    assert third.event.payload() == {"case_id": first.case.id, "code": "SHORT_PICK",
                                     "occurrences": 3}
    [row] = stored(container)
    assert (row.occurrences, row.last_seen_at) == (3, OPENED + timedelta(minutes=9))
    [listed] = desk_queries.list_cases(container.engine, CaseFilter(), sla_of(container)).rows
    assert (listed["occurrences"], listed["last_seen_at"]) == (
        3, (OPENED + timedelta(minutes=9)).isoformat())


def test_another_subject_or_a_closed_case_opens_a_new_case(container: Container) -> None:
    first = opened(container, short_pick(line=1), origin())
    other_line = opened(container, short_pick(line=2), origin())
    other_order = opened(container, short_pick(line=1), origin("ord_2"))
    assert not (other_line.recurred or other_order.recurred)
    with container.deps.uow() as uow:
        assert uow.cases.resolve(first.case.id, "picked", "found it", "agent", OPENED, False)
        uow.commit()
    after_close = opened(container, short_pick(line=1), origin(minutes=30))
    assert not after_close.recurred and after_close.case.id != first.case.id
    assert len(stored(container)) == 4


def test_cases_without_an_order_are_never_counted_together(container: Container) -> None:
    first = opened(container, short_pick(), origin(None))
    second = opened(container, short_pick(), origin(None))
    assert not second.recurred and first.case.id != second.case.id
    assert [row.occurrences for row in stored(container)] == [1, 1]
