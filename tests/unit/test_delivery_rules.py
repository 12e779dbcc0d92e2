"""The rules of delivery facts: milestones move a shipment forward only, discrepancies are
checked against what shipped, and the perfect-order facts."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from shipshape.domain import delivery as dl
from shipshape.domain.delivery import DeliveryState as S
from shipshape.domain.errors import InvalidInput
from shipshape.domain.orders import OrderStatus
from shipshape.domain.picking import OrderToPick

AT = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize(("current", "reported", "after"), [
    (S.SHIPPED, S.IN_TRANSIT, S.IN_TRANSIT),
    (S.SHIPPED, S.DELIVERED, S.DELIVERED),
    (S.IN_TRANSIT, S.OUT_FOR_DELIVERY, S.OUT_FOR_DELIVERY),
    (S.OUT_FOR_DELIVERY, S.IN_TRANSIT, None),
    (S.IN_TRANSIT, S.IN_TRANSIT, None),
    (S.DELIVERED, S.IN_TRANSIT, None),
    (S.DELIVERED, S.FAILED, None),
    (S.DELIVERED, S.DELIVERED, None),
    (S.OUT_FOR_DELIVERY, S.FAILED, S.FAILED),
    (S.FAILED, S.FAILED, None),
    (S.FAILED, S.IN_TRANSIT, S.IN_TRANSIT),
    (S.FAILED, S.DELIVERED, S.DELIVERED),
])
def test_milestones_move_forward_only_and_delivered_is_final(
        current: S, reported: S, after: S | None) -> None:
    assert dl.next_state(current, reported) is after


def test_a_discrepancy_names_shipped_lines_and_no_more_than_shipped() -> None:
    shipped = {1: 10, 2: 4}
    lines = dl.parse_discrepancy({"lines": [{"line_no": 2, "short": 1},
                                            {"line_no": 1, "damaged": 2}]}, shipped)
    assert lines == (dl.DiscrepantLine(1, 2, 0), dl.DiscrepantLine(2, 0, 1))
    for bad, says in [([{"line_no": 3, "damaged": 1}], "line the shipment shipped"),
                      ([{"line_no": 2, "damaged": 3, "short": 2}], "more than the 4"),
                      ([{"line_no": 1, "damaged": -1}], "whole numbers"),
                      ([{"line_no": 1}, {"line_no": 1}], "named twice"),
                      ([], "non-empty")]:
        with pytest.raises(InvalidInput, match=says):
            dl.parse_discrepancy({"lines": bad}, shipped)


def test_delivered_at_defaults_to_the_event_and_must_carry_its_offset() -> None:
    assert dl.parse_delivered({"shipment_id": "S"}, AT).delivered_at == AT
    with pytest.raises(InvalidInput, match="UTC offset"):
        dl.parse_delivered({"shipment_id": "S", "delivered_at": "2026-12-03T10:00:00"}, AT)


def order(requested: date | None) -> OrderToPick:
    return OrderToPick("o1", OrderStatus.SHIPPED, "C1", requested, "US", Decimal("100"), ())


def test_the_promise_made_at_acceptance_decides_what_on_time_means() -> None:
    promised = date(2026, 12, 4)
    assert dl.promised_by(order(date(2026, 12, 1)), date(2026, 11, 30), promised) == promised


def test_an_order_without_a_promise_is_due_on_its_requested_date_plus_transit_days() -> None:
    assert dl.promised_by(order(date(2026, 12, 1)), date(2026, 11, 30)) == date(2026, 12, 1)
    assert dl.promised_by(order(date(2026, 12, 1)), date(2026, 11, 30),
                          transit_days=2) == date(2026, 12, 3)
    assert dl.promised_by(order(None), date(2026, 11, 30)) == date(2026, 11, 30)


def facts(state: S = S.DELIVERED, at: datetime | None = AT, shipped: int = 10,
          damaged: int = 0, short: int = 0) -> dl.ShipmentFacts:
    return dl.ShipmentFacts("s1", state, at if state is S.DELIVERED else None, {1: shipped},
                            damaged, short)


def test_a_perfect_order_is_on_time_in_full_damage_free_and_not_credited() -> None:
    promised = date(2026, 12, 3)
    perfect = dl.perfect_order("o1", {1: 10}, promised, [facts()], credited=False)
    assert perfect.perfect and perfect.on_time and perfect.delivered_at == AT
    assert dl.perfect_order("o1", {1: 10}, date(2026, 12, 2), [facts()], False).on_time is False
    assert not dl.perfect_order("o1", {1: 10}, promised, [facts(shipped=9)], False).in_full
    assert not dl.perfect_order("o1", {1: 10}, promised, [facts(short=1)], False).in_full
    assert not dl.perfect_order("o1", {1: 10}, promised, [facts(damaged=1)], False).damage_free
    credited = dl.perfect_order("o1", {1: 10}, promised, [facts()], credited=True)
    assert (credited.invoiced_accurately, credited.perfect) == (False, False)


def test_on_time_is_unknown_until_every_shipment_is_delivered() -> None:
    open_one = dl.perfect_order("o1", {1: 10}, date(2026, 12, 3),
                                [facts(), facts(S.IN_TRANSIT)], False)
    assert (open_one.delivered, open_one.on_time, open_one.perfect) == (False, None, False)


def test_late_delivery_warns_and_discrepancies_name_their_lines() -> None:
    assert dl.delivered_late("s1", AT, date(2026, 12, 3)) is None
    late = dl.delivered_late("s1", AT, date(2026, 12, 2))
    assert late is not None and (late.code, late.blocks) == ("DELIVERED_LATE", False)
    found = dl.discrepancy_findings("s1", [dl.DiscrepantLine(1, 2, 0), dl.DiscrepantLine(2, 0, 1)])
    assert [(f.code, f.details["lines"]) for f in found] == [
        ("DAMAGED_ON_DELIVERY", [{"line_no": 1, "quantity": 2}]),
        ("SHORT_ON_DELIVERY", [{"line_no": 2, "quantity": 1}])]
