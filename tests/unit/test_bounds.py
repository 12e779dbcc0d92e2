"""What the domain can compute and the store can keep: boundary dates, amounts and text."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from shipshape.domain import bounds
from shipshape.domain.controls import (
    LotStock,
    OrderContext,
    keeps_shelf_life,
    run_controls,
    shelf_life_needed_until,
)
from shipshape.domain.masterdata import Customer, Item
from shipshape.domain.orders import OrderDraft, OrderLine, OrderStatus, ShipTo
from shipshape.domain.picking import OrderToPick, PickConfirmation, PickedLot, noncompliant_lots

BOUNDARY_DATES = [date.min, date(1, 1, 1), date(1999, 12, 31), date(2000, 1, 1),
                  date(2000, 2, 29), date(2100, 2, 28), date(2199, 12, 31), date(2200, 1, 1),
                  date(9999, 12, 31), date.max]
SHIP_TO = ShipTo("Acme", "1 Main St", "Dallas", "TX", "75201", "US")
BOUNDED = settings(max_examples=100, deadline=None)


def shelf_customer(days: int) -> Customer:
    return Customer(id="C1", name="Acme", credit_limit=Decimal("1000"),
                    min_remaining_shelf_life_days=days)


def draft(**overrides: Any) -> OrderDraft:
    values: dict[str, Any] = {
        "channel": "edi", "external_id": "E-1", "customer_id": "C1", "customer_po": "PO-1",
        "requested_ship_date": date(2026, 6, 10), "ship_to": SHIP_TO, "carrier_service": None,
        "lines": (OrderLine(1, "SKU1", 2, Decimal("10.00"), "EA"),)}
    values.update(overrides)
    return OrderDraft(**values)


def context(ship: date | None, days: int = 30) -> OrderContext:
    return OrderContext(
        draft=draft(requested_ship_date=ship), today=date(2026, 6, 1),
        customer=shelf_customer(days),
        items={"SKU1": Item(sku="SKU1", description="Milk", lot_controlled=True)},
        prices={}, carriers={}, lots={"SKU1": [LotStock(date(2027, 1, 1), 100)]})


# ------------------------------------------------------------------------ date arithmetic


@BOUNDED
@given(ship=st.one_of(st.sampled_from(BOUNDARY_DATES), st.dates()),
       days=st.integers(min_value=0, max_value=3650))
def test_the_shelf_life_date_never_overflows_and_never_comes_before_the_ship_date(
    ship: date, days: int
) -> None:
    needed = shelf_life_needed_until(shelf_customer(days), ship)
    if days == 0:
        assert needed is None
        return
    assert needed is not None and needed >= ship
    if ship <= date.max - timedelta(days=days):
        assert needed == ship + timedelta(days=days)
    else:
        assert needed == date.max


def test_the_poison_date_needs_lots_that_keep_until_the_end_of_time() -> None:
    needed = shelf_life_needed_until(shelf_customer(30), date(9999, 12, 31))
    assert needed == date.max
    assert not keeps_shelf_life(date(9999, 12, 30), date.max)
    assert keeps_shelf_life(None, date.max)


def test_a_pick_of_an_order_due_at_the_end_of_time_reports_its_lots_instead_of_failing() -> None:
    order = OrderToPick("ord-1", OrderStatus.RELEASED, "C1", date(9999, 12, 31), "US",
                        Decimal("20"), (OrderLine(1, "SKU1", 2),))
    confirmation = PickConfirmation("ord-1", "DAL", (
        PickedLot(1, 2, "LOT-1", date(2027, 1, 1)),))
    needed = shelf_life_needed_until(shelf_customer(30), date(9999, 12, 31))
    assert needed is not None
    [lot] = noncompliant_lots(order, confirmation, needed)
    assert (lot.line_no, lot.lot) == (1, "LOT-1")


@BOUNDED
@given(ship=st.one_of(st.sampled_from(BOUNDARY_DATES), st.dates()))
def test_an_order_of_any_date_is_decided_and_an_unsupported_date_holds_it(ship: date) -> None:
    codes = [f.code for f in run_controls(context(ship)) if f.blocks]
    assert ("SHIP_DATE_UNSUPPORTED" in codes) == (not bounds.date_supported(ship))


def test_the_supported_dates_are_inclusive_at_both_ends() -> None:
    assert bounds.date_supported(bounds.EARLIEST_DATE)
    assert bounds.date_supported(bounds.LATEST_DATE)
    assert not bounds.date_supported(bounds.EARLIEST_DATE - timedelta(days=1))
    assert not bounds.date_supported(bounds.LATEST_DATE + timedelta(days=1))


# ------------------------------------------------------------------------ what a draft holds


def test_a_fit_draft_has_no_problems() -> None:
    assert bounds.draft_problems(draft()) == []


def test_each_unfit_value_of_a_draft_is_named_by_its_field() -> None:
    unfit = draft(external_id="E\x00-1", customer_po="P" * 101,
                  ship_to=ShipTo(name="a\ud800b", city="x" * 900_000),
                  lines=(OrderLine(1, "SKU1", bounds.MAX_QUANTITY + 1, Decimal("1")),
                         OrderLine(2, "SKU1", 1, Decimal("1E+15")),
                         OrderLine(3, "SKU1", 1, Decimal("0.0000001")),
                         OrderLine(4, "SKU1", 1, Decimal("NaN"))))
    fields = [problem.split(":")[0] for problem in bounds.draft_problems(unfit)]
    assert fields == ["external_id", "customer_po", "ship_to.name", "ship_to.city",
                      "lines.0.quantity", "lines.1.unit_price", "lines.2.unit_price",
                      "lines.3.unit_price"]


def test_an_order_worth_more_than_the_largest_amount_is_unfit_as_a_whole() -> None:
    lines = (OrderLine(1, "SKU1", bounds.MAX_QUANTITY, Decimal("999999")),)
    [problem] = bounds.draft_problems(draft(lines=lines))
    assert problem.startswith("lines: the order's value")


@BOUNDED
@given(text=st.text(max_size=300))
def test_text_is_fit_unless_too_long_or_holding_control_characters_or_surrogates(
    text: str
) -> None:
    problem = bounds.text_problem(text, 200)
    bad_char = any(c in "\x7f" or ord(c) < 0x20 or 0xD800 <= ord(c) <= 0xDFFF
                   or 0x80 <= ord(c) <= 0x9F for c in text)
    assert (problem is not None) == (len(text) > 200 or bad_char)


def test_trailing_zeros_do_not_count_as_decimal_places() -> None:
    assert bounds.amount_problem(Decimal("0.0021810")) is None
    assert bounds.amount_problem(Decimal("1E+3")) is None
    assert bounds.amount_problem(Decimal("0.0000001")) is not None


def test_free_text_may_hold_tabs_and_line_breaks_but_never_a_nul() -> None:
    assert bounds.text_problem("one\ttwo\r\nthree", 50, layout=True) is None
    assert bounds.text_problem("one\ttwo", 50) is not None
    assert bounds.text_problem("one\x00two", 50, layout=True) is not None


@BOUNDED
@given(value=st.decimals(allow_nan=True, allow_infinity=True))
def test_an_amount_is_fit_when_finite_small_enough_and_of_at_most_six_places(
    value: Decimal
) -> None:
    problem = bounds.amount_problem(value)
    fit = (value.is_finite() and abs(value) <= bounds.MAX_AMOUNT
           and value == value.quantize(Decimal("0.000001")))
    assert (problem is None) == fit
