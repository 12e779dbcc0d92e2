"""Truthful 855 (each line's own outcome) and complete 856 (cartons, SSCCs, lots, expiry,
ship-from), built from the domain objects E4's EDIFACT reuses; the 810 bills what shipped."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from shipshape.adapters.channels.x12.outbound import ControlNumbers, build_810, build_856
from shipshape.domain import edi_outbound as eo
from shipshape.domain import order_response as orr
from shipshape.domain.errors import InvalidInput
from shipshape.domain.inventory import StockPosition
from shipshape.domain.masterdata import Customer, Item, Site
from shipshape.domain.order_response import LineStatus, OrderedLine, ResponseFacts
from shipshape.domain.orders import OrderLine, OrderStatus, ShipTo
from shipshape.domain.packing import Carton, CartonLine, parse_cartons
from shipshape.domain.partners import OurIdentity, TradingPartner
from shipshape.domain.picking import OrderToPick
from shipshape.domain.shipments import ShipmentRecord, ShippedLine, parse_shipment
from shipshape.services.edi_outbound import SsccScheme
from shipshape.services.intake import IntakeResult, Outcome
from shipshape.services.order_responses import order_response_for

SHIP = date(2026, 12, 14)
LINES = (OrderedLine(1, "IN-STOCK", 10), OrderedLine(2, "SHORT", 8, "CA"),
         OrderedLine(3, "UNKNOWN", 5))


def statuses(response: orr.OrderResponse) -> list[tuple[int, str, int, date | None]]:
    return [(ln.line_no, ln.status.value, ln.quantity, ln.date) for ln in response.lines]


# --- the order response, line by line -------------------------------------------------------

def test_a_reserved_line_is_accepted_with_its_ship_date() -> None:
    response = orr.order_response(ResponseFacts("o1", "PO1", None, LINES[:1], reserved={1: 10},
                                                ship_date=SHIP))
    assert statuses(response) == [(1, "IA", 10, SHIP)]
    assert response.response_type is orr.ResponseType.ACCEPTED


def test_a_short_line_is_accepted_for_what_is_available_and_backordered_for_the_rest() -> None:
    facts = ResponseFacts("o1", "PO1", None, LINES, available={1: 10, 2: 3},
                          rejected={3: "UNKNOWN_ITEM"}, backorder_dates={2: date(2027, 1, 5)})
    response = orr.order_response(facts)
    assert statuses(response) == [(1, "IA", 10, None), (2, "IA", 3, None),
                                  (2, "IB", 5, date(2027, 1, 5)), (3, "IR", 5, None)]
    assert response.for_line(3)[0].reason == "UNKNOWN_ITEM"
    assert response.for_line(2)[1].uom == "CA"
    assert response.response_type is orr.ResponseType.CHANGED


def test_nothing_available_is_all_backordered_and_a_refused_order_all_rejected() -> None:
    short = orr.order_response(ResponseFacts("o1", None, None, LINES[1:2], available={2: 0}))
    assert statuses(short) == [(2, "IB", 8, None)]
    refused = orr.order_response(ResponseFacts(None, "PO1", None, LINES, refused=True))
    assert {ln.status for ln in refused.lines} == {LineStatus.REJECTED}
    assert refused.response_type is orr.ResponseType.REJECTED


def test_a_line_taken_with_another_quantity_is_iq_and_an_order_level_hold_is_ih() -> None:
    changed = orr.order_response(ResponseFacts("o1", None, None, (
        OrderedLine(1, "A", 6, requested=10),), reserved={1: 6}, ship_date=SHIP))
    assert statuses(changed) == [(1, "IQ", 6, SHIP)]
    assert changed.lines[0].ordered == 10
    held = orr.order_response(ResponseFacts("o1", None, None, LINES[:2]))
    assert {ln.status for ln in held.lines} == {LineStatus.HELD}
    assert held.response_type is orr.ResponseType.HELD


def test_stock_of_one_sku_is_not_counted_twice() -> None:
    lines = (OrderedLine(1, "A", 4), OrderedLine(2, "A", 4))
    assert orr.available_by_line(lines, {"A": 6}) == {1: 4, 2: 2}


class _Inventory:
    def positions(self, skus: Any, lock: bool) -> list[StockPosition]:
        return [StockPosition("DAL", "IN-STOCK", 20, 5), StockPosition("DAL", "SHORT", 3, 0),
                StockPosition("ATL", "SHORT", 1, 1)]


def test_the_intake_855_facts_of_an_order_held_for_an_unknown_item() -> None:
    """850: one line in stock, one short, one unknown -> IA / IA 3 + IB 5 / IR."""
    draft = SimpleNamespace(customer_id="C1", customer_po="PO1", release_number=None,
                            requested_ship_date=SHIP,
                            lines=(OrderLine(1, "IN-STOCK", 10), OrderLine(2, "SHORT", 8),
                                   OrderLine(3, "UNKNOWN", 5)))
    held = IntakeResult(Outcome.CREATED, {
        "order_id": "ord-1", "status": "held", "reservations": [],
        "findings": [{"code": "UNKNOWN_ITEM", "severity": "block", "line_nos": [3]}]})
    uow = SimpleNamespace(inventory=_Inventory())
    response = order_response_for(uow, draft, held, date(2026, 12, 10))  # type: ignore[arg-type]
    assert statuses(response) == [(1, "IA", 10, None), (2, "IA", 3, None), (2, "IB", 5, None),
                                  (3, "IR", 5, None)]
    credit = replace(held, body={**held.body, "findings": [
        {"code": "CREDIT_HOLD", "severity": "block", "line_nos": []}]})
    assert {ln.status for ln in order_response_for(
        uow, draft, credit, date(2026, 12, 10)).lines} == {LineStatus.HELD}  # type: ignore[arg-type]
    accepted = IntakeResult(Outcome.CREATED, {"order_id": "ord-2", "status": "accepted",
                                              "findings": [], "reservations": [
        {"line_no": n, "quantity": q} for n, q in ((1, 10), (2, 8), (3, 5))]})
    assert {ln.date for ln in order_response_for(
        uow, draft, accepted, date(2026, 12, 10)).lines} == {SHIP}  # type: ignore[arg-type]


# --- cartons from the WMS --------------------------------------------------------------------

def test_the_wms_cartons_must_hold_what_shipped() -> None:
    data = {"order_id": "ord-1", "site": "DAL", "shipment_id": "S1",
            "lines": [{"line_no": 1, "quantity": 9, "lot": "L1"}]}
    [one] = parse_shipment(data).cartons
    assert one == Carton((CartonLine(1, 9, "L1"),))
    two = parse_shipment({**data, "cartons": [
        {"ref": "C1", "weight_kg": "2.5", "lines": [{"line_no": 1, "quantity": 6, "lot": "L1",
                                                     "expiry": "2027-03-01"}]},
        {"lines": [{"line_no": 1, "quantity": 3, "lot": "L1"}]}]}).cartons
    assert [(c.ref, c.weight_kg, c.quantity) for c in two] == [("C1", Decimal("2.5"), 6),
                                                               (None, None, 3)]
    assert two[0].lines[0].expiry == date(2027, 3, 1)
    with pytest.raises(InvalidInput, match="cartons hold line 1: 5"):
        parse_cartons([{"lines": [{"line_no": 1, "quantity": 5}]}], {1: 9})
    with pytest.raises(InvalidInput, match="not a valid SSCC"):
        parse_cartons([{"sscc": "123", "lines": [{"line_no": 1, "quantity": 9}]}], {1: 9})
    with pytest.raises(InvalidInput, match="weight_kg"):
        parse_cartons([{"weight_kg": "-1", "lines": [{"line_no": 1, "quantity": 9}]}], {1: 9})


# --- the 856 and 810 of a shipment in two cartons --------------------------------------------

SHIP_TO = ShipTo(name="Acme Dallas", line1="1 Main St", city="Dallas", region="TX",
                 postal_code="75201", country="US")
ORDER = OrderToPick(id="ord-1", customer_id="C1", status=OrderStatus.SHIPPED,
                    requested_ship_date=None, ship_to_country="US", value=Decimal("120"),
                    lines=(OrderLine(1, "MED", 9, Decimal("10")),
                           OrderLine(2, "CAP", 5, Decimal("2"))),
                    customer_po="PO-1", ship_to=SHIP_TO)
ITEMS = {"MED": Item("MED", "Medicine", gtin="012345678905", weight_kg=Decimal("0.5"),
                     lot_controlled=True),
         "CAP": Item("CAP", "Caps", weight_kg=Decimal("1"))}
SITE = Site("DAL", "Dallas DC", "US", "75261", "2400 Logistics Pkwy", "Dallas", "TX")
PARTNER = TradingPartner(id="ACME", customer_id="C1", isa_id="ACMEEDI", gs_code="ACMEGS")
OUR = OurIdentity()
WHEN = datetime(2026, 12, 15, 9, 30)
SCHEME = SsccScheme("0614141")
WMS_SSCC = SCHEME.code(900)


def two_cartons() -> eo.ShipmentFacts:
    record = ShipmentRecord(
        id="SHP-1", order_id="ord-1", site="DAL", ship_date=date(2026, 12, 15),
        carrier_service="UPSN:GND", tracking_number="1Z1", label_ref=None,
        lines=(ShippedLine(1, "MED", 9, 9), ShippedLine(2, "CAP", 5, 4)),
        cartons=(Carton((CartonLine(1, 6, "L1", date(2027, 3, 1)), CartonLine(2, 4))),
                 Carton((CartonLine(1, 3, "L2"),), sscc=WMS_SSCC)))
    return eo.ShipmentFacts(record, ORDER, Customer("C1", "Acme"), SITE, ITEMS,
                            lot_expiry={(1, "L2"): date(2027, 5, 1)})


def segments(text: str, separator: str = "*") -> list[list[str]]:
    return [s.split(separator) for s in text.split("~") if s]


def test_the_856_has_one_pack_per_carton_with_its_sscc_lots_and_expiry() -> None:
    facts = two_cartons()
    assert facts.ssccs_needed == 1
    shipment = eo.asn_shipment(facts, [SCHEME.code(1)])
    text = build_856(shipment, PARTNER, OUR, ControlNumbers(7, 7, 1), WHEN)
    seg = segments(text)
    hls = [s[1:4] for s in seg if s[0] == "HL"]
    assert hls == [["1", "", "S"], ["2", "1", "O"], ["3", "2", "P"], ["4", "3", "I"],
                   ["5", "3", "I"], ["6", "2", "P"], ["7", "6", "I"]]
    assert [s[2] for s in seg if s[0] == "MAN"] == ["00" + SCHEME.code(1), "00" + WMS_SSCC]
    lins = [s for s in seg if s[0] == "LIN"]
    assert lins[0][-2:] == ["LT", "L1"] and lins[2][-2:] == ["LT", "L2"]
    assert [s for s in seg if s[0] == "DTM" and s[1] == "036"] == [
        ["DTM", "036", "20270301"], ["DTM", "036", "20270501"]]
    assert [s for s in seg if s[0] in ("N3", "N4")][:2] == [
        ["N3", "2400 Logistics Pkwy"], ["N4", "Dallas", "TX", "75261", "US"]]
    assert ["N1", "SF", "Dallas DC"] in seg
    assert next(s for s in seg if s[0] == "TD1")[:3] == ["TD1", "CTN25", "2"]
    assert [s for s in seg if s[0] == "CTT"] == [["CTT", "7", "13"]]
    assert [s[2] for s in seg if s[0] == "SN1"] == ["6", "4", "3"]


def test_a_carton_without_sscc_needs_one_of_ours() -> None:
    with pytest.raises(InvalidInput, match="without an SSCC"):
        eo.asn_shipment(two_cartons(), [])


def test_a_shipment_without_cartons_is_one_carton_of_what_shipped() -> None:
    facts = two_cartons()
    facts = replace(facts, shipment=replace(facts.shipment, cartons=()))
    [package] = eo.asn_shipment(facts, SCHEME.code(2)).packages
    assert [(ln.line_no, ln.quantity) for ln in package.lines] == [(1, 9), (2, 4)]


def test_the_810_bills_the_shipped_quantities() -> None:
    """The invoice lines are the shipment's (issue_invoice); IT1 states them, TDS their sum."""
    lines = tuple(eo.BilledLine(ln.line_no, ln.sku, ln.shipped,
                                ORDER.lines[ln.line_no - 1].unit_price or Decimal(0))
                  for ln in two_cartons().shipment.lines)
    facts = eo.InvoiceFacts("inv-1", ORDER, Customer("C1", "Acme"), "SHP-1", date(2026, 12, 15),
                            "USD", Decimal(0), Decimal(0), Decimal("98"), lines, ITEMS)
    seg = segments(build_810(eo.edi_invoice(facts, "Shipshape"), PARTNER, OUR,
                             ControlNumbers(8, 8, 1), WHEN))
    assert [(s[1], s[2]) for s in seg if s[0] == "IT1"] == [("1", "9"), ("2", "4")]
    assert [s for s in seg if s[0] == "TDS"] == [["TDS", "9800"]]
