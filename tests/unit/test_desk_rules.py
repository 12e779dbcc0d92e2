"""Which governed action answers which case: `credit` on delivery cases and on a disputed
return, and a disputed return's case about that return alone."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from shipshape.domain import desk
from shipshape.domain import returns as rt
from shipshape.domain.cases import CaseOrigin, CaseStatus, ExceptionCase, open_case
from shipshape.domain.desk import Action
from shipshape.domain.findings import Kind, Team, block
from shipshape.domain.orders import OrderStatus

OPENED = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def case_of(code: str, **details: object) -> ExceptionCase:
    finding = block(code, Kind.BUSINESS, Team.CUSTOMER_SERVICE, code, **details)
    return open_case("exc_1", finding, CaseOrigin("ord_1", None, Decimal("10"), None, OPENED),
                     "v1")


@pytest.mark.parametrize("code", ["RETURN_DISPUTED", "DAMAGED_ON_DELIVERY",
                                  "SHORT_ON_DELIVERY", "DELIVERY_FAILED"])
def test_credit_answers_delivery_cases_and_a_disputed_return(code: str) -> None:
    case = case_of(code)
    assert desk.applies(Action.CREDIT, case, OrderStatus.INVOICED)
    assert "credit" in desk.actions_for(case, OrderStatus.INVOICED, lambda _: True)
    case.status = CaseStatus.RESOLVED
    assert not desk.applies(Action.CREDIT, case, OrderStatus.INVOICED)


def test_only_credit_of_the_delivery_actions_answers_a_disputed_return() -> None:
    actions = desk.actions_for(case_of(rt.RETURN_DISPUTED), OrderStatus.INVOICED,
                               lambda _: True)
    assert "credit" in actions and not {"redeliver", "reship"} & set(actions)
    assert not desk.applies(Action.CREDIT, case_of("DELIVERED_LATE"), OrderStatus.INVOICED)
    assert Action.CREDIT in desk.CLOSING


def test_the_disputes_of_two_returns_are_two_subjects() -> None:
    first = rt.disputed("rma_1", ["line 1: 3 authorised, 2 received"])
    second = rt.disputed("rma_2", ["line 1: 3 authorised, 2 received"])
    origin = CaseOrigin("ord_1", None, Decimal("10"), None, OPENED)
    assert open_case("e1", first, origin, "v1").subject != open_case(
        "e2", second, origin, "v1").subject
