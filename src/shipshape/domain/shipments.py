"""Shipment confirmations from the WMS: what left a site's dock for an order.

Contract (`shipment_confirmed`, sent by the WMS, which owns what was shipped):

    {"order_id": "ord-1", "site": "DAL", "shipment_id": "SHP-DAL-1", "ship_date": "2026-11-27",
     "lines": [{"line_no": 1, "quantity": 9, "lot": "L1"}, {"line_no": 2, "quantity": 4}]}

A confirmation is **final for the order at that site**: each line's total is what left the site
(several entries of one line, one per lot, add up); a picked line it does not name shipped
nothing. Nobody ships more than was picked there. What was picked but not shipped goes back
to free stock (the reservation is given back, the units stay on hand) and is reported. A held
order that ships all the same is recorded (the goods left) and opens `SHIPPED_WHILE_HELD`.
A site ships an order once; the order is shipped when every site that picked something of it
has confirmed its shipment.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date

from shipshape.domain.errors import Conflict, InvalidInput
from shipshape.domain.event_data import is_whole, optional_date, text
from shipshape.domain.findings import Finding, Kind, Team, block, warn
from shipshape.domain.orders import OrderStatus
from shipshape.domain.packing import Carton, parse_cartons, single_carton
from shipshape.domain.picking import Pick

EVENT = "shipment_confirmed"
SHORT_SHIPMENT = "SHORT_SHIPMENT"
SHIPPED_WHILE_HELD = "SHIPPED_WHILE_HELD"
SHIPPABLE = frozenset({OrderStatus.PICKED, OrderStatus.HELD})
"""A held order's tasks were asked to stop; if the WMS ships it all the same, the goods have
left: the shipment is recorded (the stock must say so) and `SHIPPED_WHILE_HELD` opened."""
MAX_ID = 60

LineSite = tuple[int, str]


@dataclass(frozen=True, slots=True)
class ShippedEntry:
    """`quantity` of line `line_no` shipped, from `lot` if the line was picked from lots."""

    line_no: int
    quantity: int
    lot: str | None = None


@dataclass(frozen=True, slots=True)
class ShipmentConfirmation:
    order_id: str
    site: str
    shipment_id: str
    ship_date: date | None
    entries: tuple[ShippedEntry, ...]
    cartons: tuple[Carton, ...] = ()
    """How it was packed (`domain.packing`); one carton of everything when the WMS is silent."""

    def shipped_by_line(self) -> dict[int, int]:
        totals: dict[int, int] = {}
        for entry in self.entries:
            totals[entry.line_no] = totals.get(entry.line_no, 0) + entry.quantity
        return totals


@dataclass(frozen=True, slots=True)
class ShippedLine:
    """One line of a stored shipment: what left the site, against what had been picked."""

    line_no: int
    sku: str
    picked: int
    shipped: int

    @property
    def not_shipped(self) -> int:
        return self.picked - self.shipped


@dataclass(frozen=True, slots=True)
class ShipmentRecord:
    """A stored shipment: one site's dock, one order, with the carrier that took it."""

    id: str
    order_id: str
    site: str
    ship_date: date
    carrier_service: str
    tracking_number: str | None
    label_ref: str | None
    lines: tuple[ShippedLine, ...]
    cartons: tuple[Carton, ...] = ()


def parse_shipment(data: Mapping[str, object]) -> ShipmentConfirmation:
    """The event's data as a confirmation; `InvalidInput` naming the first field that is wrong."""
    lines = data.get("lines")
    if not isinstance(lines, list):
        raise InvalidInput("shipment_confirmed: lines must be a list")
    confirmation = ShipmentConfirmation(
        order_id=text(EVENT, data.get("order_id"), "order_id", 40),
        site=text(EVENT, data.get("site"), "site", MAX_ID),
        shipment_id=text(EVENT, data.get("shipment_id"), "shipment_id", MAX_ID),
        ship_date=optional_date(EVENT, data.get("ship_date"), "ship_date"),
        entries=tuple(_entry(raw, i) for i, raw in enumerate(lines)))
    packed = data.get("cartons")
    cartons = (single_carton([(e.line_no, e.quantity, e.lot) for e in confirmation.entries])
               if packed is None else parse_cartons(packed, confirmation.shipped_by_line()))
    return replace(confirmation, cartons=cartons)


def _entry(raw: object, index: int) -> ShippedEntry:
    where = f"lines[{index}]"
    if not isinstance(raw, Mapping):
        raise InvalidInput(f"shipment_confirmed: {where} must be an object")
    line_no, quantity, lot = raw.get("line_no"), raw.get("quantity"), raw.get("lot")
    if not is_whole(line_no) or line_no < 1:
        raise InvalidInput(f"shipment_confirmed: {where}.line_no must be a whole number >= 1")
    if not is_whole(quantity) or quantity < 0:
        raise InvalidInput(f"shipment_confirmed: {where}.quantity must be a whole number >= 0")
    return ShippedEntry(line_no, quantity,
                        None if lot is None else text(EVENT, lot, f"{where}.lot", MAX_ID))


def picked_by_line_site(picks: Iterable[Pick]) -> dict[LineSite, int]:
    totals: dict[LineSite, int] = {}
    for pick in picks:
        key = (pick.line_no, pick.site)
        totals[key] = totals.get(key, 0) + pick.quantity
    return totals


def check_shipment(status: OrderStatus, confirmation: ShipmentConfirmation,
                   picked: Mapping[LineSite, int], shipped_sites: Collection[str]) -> None:
    """Refuse, naming why, a confirmation the order cannot take; nothing is stored then."""
    order_id, site = confirmation.order_id, confirmation.site
    if status not in SHIPPABLE:
        raise Conflict(f"order {order_id} is {status}; only a picked order can ship")
    if site in shipped_sites:
        raise Conflict(f"{site} already confirmed the shipment of order {order_id}")
    if not any(qty for (_, s), qty in picked.items() if s == site):
        raise InvalidInput(f"{site} picked nothing of order {order_id}")
    for line_no, quantity in confirmation.shipped_by_line().items():
        available = picked.get((line_no, site), 0)
        if quantity > available:
            raise InvalidInput(f"{site} cannot ship {quantity} of line {line_no} of order "
                               f"{order_id}: it picked {available}")


def shipped_lines(confirmation: ShipmentConfirmation, picked: Mapping[LineSite, int],
                  skus: Mapping[int, str]) -> list[ShippedLine]:
    """Every line the site picked, with what of it shipped (0 when the confirmation is silent)."""
    shipped = confirmation.shipped_by_line()
    return [ShippedLine(line_no, skus[line_no], quantity, shipped.get(line_no, 0))
            for (line_no, site), quantity in sorted(picked.items())
            if site == confirmation.site and quantity > 0]


def shipped_everywhere(picked: Mapping[LineSite, int], shipped_sites: Collection[str]) -> bool:
    """Every site that picked something of the order has confirmed its shipment."""
    return all(site in shipped_sites for (_, site), qty in picked.items() if qty > 0)


def shipped_while_held(site: str, lines: Iterable[ShippedLine]) -> Finding:
    """The WMS shipped an order Shipshape had held (credit hold after release): never silent."""
    shipped = [line for line in lines if line.shipped]
    return block(SHIPPED_WHILE_HELD, Kind.BUSINESS, Team.CREDIT,
                 f"{site} shipped an order on hold after it was asked to stop its tasks; "
                 "the goods left and are invoiced, decide with the customer",
                 line_nos=[ln.line_no for ln in shipped], site=site)


def short_shipment(site: str, lines: Iterable[ShippedLine]) -> Finding | None:
    """Picked units that did not leave: back to free stock, and the order ships less."""
    short = [line for line in lines if line.not_shipped]
    if not short:
        return None
    return warn(SHORT_SHIPMENT, Kind.OPERATIONAL, Team.WAREHOUSE,
                f"{site} shipped less than it picked: " + ", ".join(
                    f"line {ln.line_no} {ln.shipped} of {ln.picked}" for ln in short),
                line_nos=[ln.line_no for ln in short], site=site,
                lines=[{"line_no": ln.line_no, "picked": ln.picked, "shipped": ln.shipped}
                       for ln in short])
