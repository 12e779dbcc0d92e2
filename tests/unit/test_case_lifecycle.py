"""The exception case's lifecycle table, and what a new case takes instead of the finding's."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from itertools import product

import pytest

from shipshape.domain.cases import (
    CASE_TRANSITIONS,
    CaseOrigin,
    CaseStatus,
    move_case,
    open_case,
    stage_of,
)
from shipshape.domain.errors import IllegalTransition
from shipshape.domain.findings import Finding, Kind, Team, block

C = CaseStatus
LEGAL = {
    (C.OPEN, C.ASSIGNED), (C.OPEN, C.RESOLVED), (C.OPEN, C.AUTO_RESOLVED),
    (C.OPEN, C.CANCELLED), (C.OPEN, C.REJECTED),
    (C.ASSIGNED, C.RESOLVED), (C.ASSIGNED, C.AUTO_RESOLVED), (C.ASSIGNED, C.CANCELLED),
    (C.ASSIGNED, C.REJECTED),
    (C.ASSIGNED, C.OPEN),
}
"""Written out by hand, so the table is checked against the design and not against itself."""
ILLEGAL = sorted(set(product(CaseStatus, CaseStatus)) - LEGAL)
TERMINAL = [C.RESOLVED, C.AUTO_RESOLVED, C.REJECTED, C.CANCELLED]
OPENED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_the_table_names_every_status_and_exactly_the_legal_moves() -> None:
    assert set(CASE_TRANSITIONS) == set(CaseStatus)
    assert {(s, t) for s, targets in CASE_TRANSITIONS.items() for t in targets} == LEGAL


@pytest.mark.parametrize(("current", "target"), sorted(LEGAL))
def test_a_legal_move_returns_the_new_status(current: CaseStatus, target: CaseStatus) -> None:
    assert move_case(current, target) is target


@pytest.mark.parametrize(("current", "target"), ILLEGAL)
def test_an_illegal_move_is_refused(current: CaseStatus, target: CaseStatus) -> None:
    with pytest.raises(IllegalTransition, match=f"from {current} to {target}"):
        move_case(current, target)


@pytest.mark.parametrize("terminal", TERMINAL)
def test_closed_cases_stay_closed(terminal: CaseStatus) -> None:
    assert CASE_TRANSITIONS[terminal] == frozenset()


def test_no_status_may_move_to_itself() -> None:
    assert all((s, s) in ILLEGAL for s in CaseStatus)


def a_finding() -> Finding:
    return block("SHORT_PICK", Kind.OPERATIONAL, Team.WAREHOUSE, "short", line_nos=[1, 2],
                 site="DAL")


def an_origin() -> CaseOrigin:
    return CaseOrigin("ord_1", None, Decimal("10"), None, OPENED)


def test_a_new_case_takes_the_findings_stage_details_and_lines_by_default() -> None:
    case = open_case("exc_1", a_finding(), an_origin(), "v1")
    assert case.status is CaseStatus.OPEN
    assert (case.stage, case.line_nos, case.details) == (
        stage_of("SHORT_PICK").value, (1, 2), {"site": "DAL"})


def test_a_new_case_takes_the_stage_details_and_lines_it_is_given() -> None:
    case = open_case("exc_1", a_finding(), an_origin(), "v1", stage="release",
                     details={"webhook_id": "wh_1", "site": "FRA"}, line_nos=[3])
    assert (case.stage, case.line_nos, case.details) == (
        "release", (3,), {"site": "FRA", "webhook_id": "wh_1"})


def test_the_subject_is_the_order_site_lines_and_what_the_details_name() -> None:
    case = open_case("exc_1", a_finding(), an_origin(), "v1",
                     details={"shipment_id": "SHP-1", "webhook_id": "wh_1"})
    assert case.subject == "order=ord_1|site=|lines=1,2|shipment_id=SHP-1"


def test_a_case_without_an_order_has_no_subject_and_is_never_counted_into() -> None:
    origin = CaseOrigin(None, None, Decimal("0"), None, OPENED)
    assert open_case("exc_1", a_finding(), origin, "v1").subject is None

