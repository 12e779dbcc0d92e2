"""Pick confirmations in the domain: reading them, checking them against the order, shortfalls,
re-sourcing within the split policy, lot shelf life and when an order is picked in full."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shipshape.domain.controls import keeps_shelf_life, shelf_life_needed_until
from shipshape.domain.errors import InvalidInput
from shipshape.domain.findings import Severity
from shipshape.domain.inventory import Reservation, StockPosition
from shipshape.domain.masterdata import Customer
from shipshape.domain.orders import OrderLine, OrderStatus
from shipshape.domain.picking import (
    LineShortfall,
    OrderToPick,
    Pick,
    PickConfirmation,
    PickedLot,
    check_confirmation,
    lot_finding,
    noncompliant_lots,
    parse_confirmation,
    picked_in_full,
    picks_of,
    plan_resourcing,
    reserved_by_line_site,
    short_pick_finding,
    shortfalls,
)

ORDER = OrderToPick("ord-1", OrderStatus.RELEASED, "C1", date(2026, 12, 1), "US", Decimal("150"),
                    (OrderLine(1, "SKU1", 10), OrderLine(2, "SKU2", 5)))
RESERVED = {(1, "DAL"): 10, (2, "DAL"): 5}


def confirmation(*entries: PickedLot, site: str = "DAL") -> PickConfirmation:
    return PickConfirmation("ord-1", site, entries)


def stock(site: str, sku: str, available: int) -> StockPosition:
    return StockPosition(site, sku, on_hand=available + 4, reserved=4)


# reading

def test_a_confirmation_is_read_with_several_lots_per_line() -> None:
    read = parse_confirmation({"order_id": "ord-1", "site": "DAL", "lines": [
        {"line_no": 1, "quantity": 7, "lot": "L1", "expiry": "2027-03-01"},
        {"line_no": 1, "quantity": 2, "lot": "L2"}, {"line_no": 2, "quantity": 0}]})
    assert read.entries[0] == PickedLot(1, 7, "L1", date(2027, 3, 1))
    assert read.picked_by_line() == {1: 9, 2: 0}


@pytest.mark.parametrize(("data", "message"), [
    ({"site": "DAL", "lines": [{"line_no": 1, "quantity": 1}]}, "order_id"),
    ({"order_id": "o", "lines": [{"line_no": 1, "quantity": 1}]}, "site"),
    ({"order_id": "o", "site": "DAL", "lines": []}, "lines must be a non-empty list"),
    ({"order_id": "o", "site": "DAL", "lines": [7]}, "lines[0] must be an object"),
    ({"order_id": "o", "site": "DAL", "lines": [{"line_no": 0, "quantity": 1}]}, "line_no"),
    ({"order_id": "o", "site": "DAL", "lines": [{"line_no": 1, "quantity": True}]}, "quantity"),
    ({"order_id": "o", "site": "DAL", "lines": [{"line_no": 1, "quantity": 1.5}]}, "quantity"),
    ({"order_id": "o", "site": "DAL",
      "lines": [{"line_no": 1, "quantity": 1, "expiry": "soon"}]}, "lines[0].expiry"),
    ({"order_id": "o", "site": "DAL",
      "lines": [{"line_no": 1, "quantity": 1, "lot": "x" * 61}]}, "lines[0].lot"),
])
def test_a_malformed_confirmation_names_what_is_wrong(data: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInput, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_confirmation(data)


# checking against the order

def test_a_fitting_confirmation_passes() -> None:
    check_confirmation(ORDER, confirmation(PickedLot(1, 10)), RESERVED, set())


@pytest.mark.parametrize("status", [OrderStatus.ACCEPTED, OrderStatus.HELD, OrderStatus.SHIPPED])
def test_only_released_orders_take_picks(status: OrderStatus) -> None:
    order = OrderToPick(ORDER.id, status, "C1", None, None, Decimal(0), ORDER.lines)
    with pytest.raises(InvalidInput, match=f"is {status.value}"):
        check_confirmation(order, confirmation(PickedLot(1, 1)), RESERVED, set())


def test_every_problem_of_a_confirmation_is_named_at_once() -> None:
    wrong = confirmation(PickedLot(1, 6), PickedLot(1, 6), PickedLot(2, 1), PickedLot(3, 1))
    with pytest.raises(InvalidInput) as refused:
        check_confirmation(ORDER, wrong, RESERVED, {(2, "DAL")})
    text = str(refused.value)
    assert "line 1: 12 picked at DAL but 10 reserved" in text
    assert "line 2 was confirmed at DAL already" in text
    assert "no line 3" in text


def test_a_site_without_the_orders_stock_or_line_is_refused() -> None:
    with pytest.raises(InvalidInput, match="nothing reserved at site ATL"):
        check_confirmation(ORDER, confirmation(PickedLot(1, 1), site="ATL"), RESERVED, set())
    split = {(1, "DAL"): 10, (2, "ATL"): 5}
    with pytest.raises(InvalidInput, match="line 2 is not reserved at DAL"):
        check_confirmation(ORDER, confirmation(PickedLot(2, 1)), split, set())


def test_reservations_add_up_per_line_and_site() -> None:
    assert reserved_by_line_site([Reservation(1, "DAL", "SKU1", 4), Reservation(1, "DAL",
                                  "SKU1", 3), Reservation(1, "ATL", "SKU1", 2)]) == {
        (1, "DAL"): 7, (1, "ATL"): 2}


# shortfalls and re-sourcing

def test_shortfalls_are_the_named_lines_picked_below_their_reservation() -> None:
    picked = confirmation(PickedLot(1, 4, "L1"), PickedLot(1, 3, "L2"), PickedLot(2, 5))
    assert shortfalls(ORDER, picked, RESERVED) == (LineShortfall(1, "SKU1", 10, 7),)
    assert [p.quantity for p in picks_of(ORDER, picked)] == [4, 3, 5]
    assert picks_of(ORDER, picked)[0] == Pick(1, "DAL", "SKU1", 4, "L1", None)


SHORT = [LineShortfall(1, "SKU1", 10, 7)]


def test_with_split_the_shortfall_goes_to_the_best_ranked_other_site() -> None:
    positions = [stock("DAL", "SKU1", 50), stock("ATL", "SKU1", 5), stock("TOR", "SKU1", 9)]
    plan = plan_resourcing(SHORT, positions, ["DAL", "ATL", "TOR"], True, "DAL", set())
    assert plan.reservations == (Reservation(1, "ATL", "SKU1", 3),)
    assert plan.backorders == ()


def test_a_shortfall_is_spread_over_sites_and_the_rest_backordered() -> None:
    positions = [stock("ATL", "SKU1", 1), stock("TOR", "SKU1", 1)]
    plan = plan_resourcing(SHORT, positions, ["DAL", "ATL", "TOR"], True, "DAL", set())
    assert [(r.site, r.quantity) for r in plan.reservations] == [("ATL", 1), ("TOR", 1)]
    assert [(b.line_no, b.quantity) for b in plan.backorders] == [(1, 1)]


def test_without_split_or_with_the_other_site_final_nothing_is_resourced() -> None:
    positions = [stock("ATL", "SKU1", 50)]
    no_split = plan_resourcing(SHORT, positions, ["DAL", "ATL"], False, "DAL", set())
    final_there = plan_resourcing(SHORT, positions, ["DAL", "ATL"], True, "DAL", {(1, "ATL")})
    for plan in (no_split, final_there):
        assert plan.reservations == ()
        assert [b.quantity for b in plan.backorders] == [3]


def test_two_short_lines_of_one_sku_share_what_another_site_has() -> None:
    shorts = [LineShortfall(1, "SKU1", 10, 7), LineShortfall(2, "SKU1", 4, 0)]
    plan = plan_resourcing(shorts, [stock("ATL", "SKU1", 5)], ["ATL"], True, "DAL", set())
    assert [(r.line_no, r.quantity) for r in plan.reservations] == [(1, 3), (2, 2)]
    assert [(b.line_no, b.quantity) for b in plan.backorders] == [(2, 2)]


@given(st.lists(st.integers(0, 20), min_size=1, max_size=4), st.integers(1, 30),
       st.booleans())
def test_resourcing_never_takes_more_than_is_available_nor_more_than_is_short(
    levels: list[int], short: int, split: bool,
) -> None:
    sites = [f"S{i}" for i in range(len(levels))]
    positions = [stock(site, "SKU1", level) for site, level in zip(sites, levels, strict=True)]
    plan = plan_resourcing([LineShortfall(1, "SKU1", short, 0)], positions, ["DAL", *sites],
                           split, "DAL", set())
    taken = {r.site: r.quantity for r in plan.reservations}
    assert all(taken.get(s, 0) <= level for s, level in zip(sites, levels, strict=True))
    assert sum(taken.values()) + sum(b.quantity for b in plan.backorders) == short
    assert split or not taken


# lots and shelf life

def test_the_shelf_life_rule_is_the_one_of_acceptance() -> None:
    customer = Customer("C1", "Acme", min_remaining_shelf_life_days=90)
    assert shelf_life_needed_until(customer, date(2026, 12, 1)) == date(2027, 3, 1)
    assert shelf_life_needed_until(Customer("C2", "B"), date(2026, 12, 1)) is None
    assert keeps_shelf_life(None, date(2027, 3, 1))
    assert keeps_shelf_life(date(2027, 3, 1), date(2027, 3, 1))


def test_lots_expiring_before_the_needed_day_are_noncompliant() -> None:
    picked = confirmation(PickedLot(1, 6, "OLD", date(2027, 2, 28)),
                          PickedLot(1, 4, "NEW", date(2027, 3, 1)), PickedLot(2, 5, "NONE"),
                          PickedLot(2, 0, "EMPTY", date(2020, 1, 1)))
    bad = noncompliant_lots(ORDER, picked, date(2027, 3, 1))
    assert [(lot.lot, lot.sku, lot.quantity) for lot in bad] == [("OLD", "SKU1", 6)]
    assert noncompliant_lots(ORDER, picked, None) == ()
    finding = lot_finding("DAL", bad, date(2027, 3, 1), 90)
    assert (finding.code, finding.kind.value, finding.owner_team, finding.blocks,
            finding.line_nos) == ("LOT_NONCOMPLIANT", "business", "warehouse", True, (1,))


# findings and completion

def test_a_short_pick_blocks_only_when_something_is_backordered() -> None:
    positions = [stock("ATL", "SKU1", 50)]
    covered = plan_resourcing(SHORT, positions, ["ATL"], True, "DAL", set())
    uncovered = plan_resourcing(SHORT, positions, ["ATL"], False, "DAL", set())
    warned = short_pick_finding("DAL", SHORT, covered)
    blocked = short_pick_finding("DAL", SHORT, uncovered)
    assert (warned.severity, blocked.severity) == (Severity.WARN, Severity.BLOCK)
    assert (warned.kind.value, warned.owner_team) == ("operational", "warehouse")
    assert "re-sourced 3 to ATL" in warned.message
    assert "3 backordered" in blocked.message


def test_an_order_is_picked_in_full_when_every_line_is_over_its_sites() -> None:
    dal = [Pick(1, "DAL", "SKU1", 7), Pick(2, "DAL", "SKU2", 5)]
    assert not picked_in_full(ORDER, dal)
    assert picked_in_full(ORDER, [*dal, Pick(1, "ATL", "SKU1", 3)])
