"""The order lifecycle table, the SLA of an exception case and what a new case carries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import product

import pytest

from shipshape.domain.cases import CaseOrigin, CaseStatus, open_case, sla_due
from shipshape.domain.errors import IllegalTransition
from shipshape.domain.findings import Kind, Severity, Team, block, warn
from shipshape.domain.masterdata import Customer
from shipshape.domain.orders import (
    ALLOWED_TRANSITIONS,
    Order,
    OrderDraft,
    OrderLine,
    OrderStatus,
    ShipTo,
    check_transition,
)

ALLOWED = sorted((src, dst) for src, targets in ALLOWED_TRANSITIONS.items() for dst in targets)
DISALLOWED = sorted((src, dst) for src, dst in product(OrderStatus, OrderStatus)
                    if dst not in ALLOWED_TRANSITIONS[src])
TERMINAL = [OrderStatus.CLOSED, OrderStatus.CANCELLED]
OPENED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SMALL, LARGE = Decimal("500"), Decimal("50000")


def an_order(status: OrderStatus) -> Order:
    draft = OrderDraft("web", "W-1", "C1", "PO-1", None, ShipTo(),
                       (OrderLine(1, "SKU1", 1, Decimal("1")),))
    return Order("ord_1", draft, status=status)


def test_the_table_names_every_status() -> None:
    assert set(ALLOWED_TRANSITIONS) == set(OrderStatus)


@pytest.mark.parametrize(("current", "target"), ALLOWED)
def test_allowed_move_succeeds_and_is_recorded(current: OrderStatus, target: OrderStatus) -> None:
    order = an_order(current)
    order.move_to(target)
    assert order.status is target
    assert order.history == [(current, target)]


@pytest.mark.parametrize(("current", "target"), DISALLOWED)
def test_disallowed_move_raises_and_changes_nothing(
    current: OrderStatus, target: OrderStatus
) -> None:
    order = an_order(current)
    with pytest.raises(IllegalTransition):
        order.move_to(target)
    with pytest.raises(IllegalTransition):
        check_transition(current, target)
    assert (order.status, order.history) == (current, [])


def test_no_status_may_move_to_itself() -> None:
    assert all((s, s) in DISALLOWED for s in OrderStatus)


@pytest.mark.parametrize("terminal", TERMINAL)
def test_terminal_states_have_no_exits(terminal: OrderStatus) -> None:
    assert ALLOWED_TRANSITIONS[terminal] == frozenset()
    for target in OrderStatus:
        with pytest.raises(IllegalTransition):
            check_transition(terminal, target)


def test_every_non_terminal_state_can_reach_closed_or_cancelled() -> None:
    reachable = {s: {s} for s in OrderStatus}
    for _ in OrderStatus:
        for s in OrderStatus:
            reachable[s] |= {t for n in reachable[s] for t in ALLOWED_TRANSITIONS[n]}
    for s in OrderStatus:
        assert reachable[s] & set(TERMINAL), s


def test_an_order_can_walk_the_happy_path() -> None:
    order = an_order(OrderStatus.RECEIVED)
    path = [OrderStatus.ACCEPTED, OrderStatus.RELEASED, OrderStatus.PICKED,
            OrderStatus.SHIPPED, OrderStatus.INVOICED, OrderStatus.CLOSED]
    for target in path:
        order.move_to(target)
    assert [dst for _, dst in order.history] == path


def origin(priority: str = "standard", value: Decimal = SMALL,
           promised: datetime | None = None) -> CaseOrigin:
    customer = Customer("C1", "Acme", priority=priority, segment="wholesale")
    return CaseOrigin("ord_1", customer, value, promised, OPENED, "erp", "DAL")


def hours_until_due(case_origin: CaseOrigin) -> float:
    waited: timedelta = sla_due(case_origin) - case_origin.opened_at
    return waited.total_seconds() / 3600


def test_sla_is_due_after_the_case_is_opened() -> None:
    for priority in ("strategic", "standard", "low"):
        assert sla_due(origin(priority)) > OPENED


def test_strategic_customers_get_a_shorter_sla_than_standard() -> None:
    assert sla_due(origin("strategic")) < sla_due(origin("standard"))


def test_low_priority_customers_get_a_longer_sla_than_standard() -> None:
    assert sla_due(origin("low")) > sla_due(origin("standard"))


@pytest.mark.parametrize("priority", ["strategic", "standard", "low"])
def test_high_value_order_halves_the_sla(priority: str) -> None:
    normal = hours_until_due(origin(priority, SMALL))
    assert hours_until_due(origin(priority, LARGE)) == normal / 2


def test_unknown_customer_gets_the_standard_sla() -> None:
    unknown = CaseOrigin(None, None, SMALL, None, OPENED)
    assert sla_due(unknown) == sla_due(origin("standard"))


@pytest.mark.parametrize("priority", ["strategic", "standard", "low"])
def test_sla_is_never_after_the_promised_date(priority: str) -> None:
    promised = OPENED + timedelta(hours=1)
    assert sla_due(origin(priority, promised=promised)) == promised


def test_promised_date_after_the_normal_sla_does_not_extend_it() -> None:
    far = OPENED + timedelta(days=30)
    assert sla_due(origin(promised=far)) == sla_due(origin())


def test_open_case_fills_every_field_the_design_names() -> None:
    finding = block("PRICE_MISMATCH", Kind.BUSINESS, Team.CUSTOMER_SERVICE,
                    "line 2: 12.00 against contract 10.00", line_nos=[2], order_price="12.00")
    case_origin = origin(promised=OPENED + timedelta(hours=2))
    case = open_case("exc_1", finding, case_origin, "order_policies@abc")
    assert (case.id, case.code, case.kind, case.stage) == (
        "exc_1", "PRICE_MISMATCH", "business", "validate")
    assert (case.source_system, case.order_id, case.line_nos, case.site_id) == (
        "erp", "ord_1", (2,), "DAL")
    assert (case.customer_id, case.customer_segment) == ("C1", "wholesale")
    assert (case.severity, case.blocking, case.owner_team) == ("block", True, "customer_service")
    assert (case.sla_due_at, case.opened_at) == (sla_due(case_origin), OPENED)
    assert (case.escalation_level, case.status, case.assignee) == (0, CaseStatus.OPEN, None)
    assert (case.resolution_action, case.resolution_reason, case.resolved_by,
            case.resolved_at) == (None, None, None, None)
    assert (case.cost.rework_minutes, case.cost.expedited_freight,
            case.cost.invoice_correction) == (0, Decimal("0"), Decimal("0"))
    assert case.root_cause is None
    assert (case.message, case.rule_version) == (finding.message, "order_policies@abc")
    assert case.details == {"order_price": "12.00"}


@pytest.mark.parametrize(("code", "stage"), [
    ("DUPLICATE_ORDER", "capture"), ("PARTIAL_AVAILABILITY", "allocate"),
    ("CREDIT_HOLD", "validate"),
])
def test_open_case_places_the_case_at_its_stage(code: str, stage: str) -> None:
    finding = block(code, Kind.OPERATIONAL, Team.CUSTOMER_SERVICE, "x")
    assert open_case("exc_1", finding, origin(), "").stage == stage


def test_a_warning_opens_a_non_blocking_case() -> None:
    finding = warn("POSSIBLE_DUPLICATE", Kind.BUSINESS, Team.CUSTOMER_SERVICE, "maybe")
    case = open_case("exc_1", finding, origin(), "")
    assert (case.severity, case.blocking) == (Severity.WARN.value, False)


def test_case_without_a_customer_has_no_customer_fields() -> None:
    finding = block("UNKNOWN_CUSTOMER", Kind.DATA_QUALITY, Team.MASTER_DATA, "who?")
    case = open_case("exc_1", finding, CaseOrigin("ord_1", None, SMALL, None, OPENED), "")
    assert (case.customer_id, case.customer_segment, case.source_system) == (
        None, None, "shipshape")


def test_case_details_are_a_copy_of_the_finding_details() -> None:
    finding = block("PRICE_MISMATCH", Kind.BUSINESS, Team.CUSTOMER_SERVICE, "x", a=1)
    case = open_case("exc_1", finding, origin(), "")
    case.details["a"] = 2
    assert finding.details == {"a": 1}
