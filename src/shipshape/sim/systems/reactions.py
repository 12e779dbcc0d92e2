"""What a simulated system reports back of its own accord after applying a call, as the real
system would (`REACTIONS`): the ERP acknowledges mirrored orders and posted invoices (negatively
when `negative_ack_nth` names the posting; with `pays_invoices` the payment follows), the WMS
confirms the picks of a released wave (short when `short_pick_nth` names the order) and the
shipments of a ship release. Replies may carry more than their ref (`REPLY_EXTRAS`): the TMS
answers a tender with a tracking number."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from shipshape.services.ports.connectors import Payload

Event = tuple[str, dict[str, object]]
"""An event a system sends of its own accord: its type and data."""


@dataclass(frozen=True, slots=True)
class Applied:
    """An applied call, as a reaction sees it."""

    payload: Payload
    reply: Payload
    occurred_at: datetime
    negative: bool = False
    """`negative_ack_nth` names this call: its acknowledgement is the negative one."""
    picks_short: Callable[[], bool] = lambda: False
    """Asked once per order picked, in order: whether `short_pick_nth` names that order."""
    lots: Mapping[str, Sequence[str]] | None = None
    """wms `pick_lots`: the lot (and expiry) it picks each SKU from."""
    pays: bool = False
    """`pays_invoices`: the customer pays a booked invoice at once."""
    delivery: DeliveryOdds | None = None
    """tms: how shipments it tracks are delivered (None: delivered on time, whole)."""
    damaged_rate: float = 0.0
    """`return_damaged_rate`: the share of each returned line's units received damaged."""


def _order_acknowledged(call: Applied) -> list[Event]:
    order_id = call.payload.get("order_id")
    if not isinstance(order_id, str):
        return []
    return [("order_acknowledged", {"order_id": order_id, "erp_ref": call.reply["ref"]})]


def _invoice_acknowledged(call: Applied) -> list[Event]:
    invoice_id, order_id = call.payload.get("invoice_id"), call.payload.get("order_id")
    if not (isinstance(invoice_id, str) and isinstance(order_id, str)):
        return []
    if call.negative:
        return [("invoice_rejected", {"invoice_id": invoice_id, "order_id": order_id,
                                      "reason": "the ERP refused the posting "
                                                "(simulated: negative_ack_nth)"})]
    posted: list[Event] = [("invoice_posted", {
        "invoice_id": invoice_id, "order_id": order_id, "erp_ref": call.reply["ref"],
        "total": call.payload.get("total")})]
    if call.pays:
        posted.append(("payment_received", {"invoice_id": invoice_id, "order_id": order_id,
                                             "amount": call.payload.get("total")}))
    return posted


def _picks_confirmed(call: Applied) -> list[Event]:
    """One confirmation per order of the wave, every line picked in full unless short."""
    site = call.payload.get("site")
    if not isinstance(site, str):
        return []
    return [("pick_confirmed", {"order_id": order["order_id"], "site": site,
                                "lines": _picked(_mappings(order.get("lines")),
                                                 short=call.picks_short(),
                                                 lots=call.lots or {})})
            for order in _mappings(call.payload.get("orders"))
            if isinstance(order.get("order_id"), str)]


def _picked(lines: list[Mapping[str, object]], short: bool,
            lots: Mapping[str, Sequence[str]]) -> list[dict[str, object]]:
    """The lines as picked, from the lot the wave names or else the one `lots` gives for the
    SKU; a short pick finds one less of the first line."""
    picked = [{"line_no": line.get("line_no"), "quantity": _quantity(line),
               **(_present(line, "lot", "expiry") or _lot_of(lots, line.get("sku")))}
              for line in lines]
    if short and picked:
        picked[0]["quantity"] = max(_quantity(picked[0]) - 1, 0)
    return picked


def _lot_of(lots: Mapping[str, Sequence[str]], sku: object) -> dict[str, object]:
    given = lots.get(sku) if isinstance(sku, str) else None
    return dict(zip(("lot", "expiry"), given, strict=False)) if given else {}


def _shipments_confirmed(call: Applied) -> list[Event]:
    """One shipment per site of the release, shipping what the release says that site picked."""
    order_id = call.payload.get("order_id")
    if not isinstance(order_id, str):
        return []
    ship_date = call.occurred_at.date().isoformat()
    return [("shipment_confirmed", {
        "order_id": order_id, "site": site["site"], "shipment_id": f"SHP-{site['site']}-{order_id}",
        "ship_date": ship_date,
        "lines": [{"line_no": line.get("line_no"), "quantity": _quantity(line),
                   **_present(line, "lot")} for line in _mappings(site.get("lines"))],
        "cartons": _cartons(_mappings(site.get("lines")))})
        for site in _mappings(call.payload.get("sites")) if isinstance(site.get("site"), str)]


def _cartons(lines: list[Mapping[str, object]]) -> list[dict[str, object]]:
    """The WMS packs each line (each lot of it) in a carton of its own, unlabelled: Shipshape
    gives each carton its SSCC in the ship notice."""
    packed = [line for line in lines if _quantity(line) > 0]
    return [{"ref": f"CTN-{n}", "lines": [{"line_no": line.get("line_no"),
                                           "quantity": _quantity(line),
                                           **_present(line, "lot", "expiry")}]}
            for n, line in enumerate(packed, start=1)]


def _return_received(call: Applied) -> list[Event]:
    """The return arrived: per order line, every unit good but the damaged share (rounded)."""
    return_id, order_id = call.payload.get("return_id"), call.payload.get("order_id")
    if not (isinstance(return_id, str) and isinstance(order_id, str)):
        return []
    units: dict[int, int] = {}
    for line in _mappings(call.payload.get("lines")):
        line_no = line.get("line_no")
        if isinstance(line_no, int):
            units[line_no] = units.get(line_no, 0) + _quantity(line)
    lines = []
    for line_no, quantity in sorted(units.items()):
        damaged = min(quantity, round(quantity * call.damaged_rate))
        lines.append({"line_no": line_no, "good": quantity - damaged, "damaged": damaged,
                      "scrapped": 0})
    return [("return_received", {"return_id": return_id, "order_id": order_id,
                                 "lines": lines})]


@dataclass(frozen=True, slots=True)
class DeliveryOdds:
    """The simulated TMS's delivery knobs (`SimulationSettings`) and its random draw."""

    draw: Callable[[], float]
    transit_days: float = 1.0
    noise_days: float = 0.25
    late_rate: float = 0.0
    late_days: float = 7.0
    failure_rate: float = 0.0
    damage_rate: float = 0.0
    short_rate: float = 0.0


def _delivered(call: Applied) -> list[Event]:
    """A shipment handed over for tracking (or re-delivery): in transit, then delivered after
    the transit time with noise (late, failed, damaged or short by the configured rates)."""
    shipment_id, order_id = call.payload.get("shipment_id"), call.payload.get("order_id")
    if not isinstance(shipment_id, str):
        return []
    odds = call.delivery or DeliveryOdds(lambda: 1.0)
    ids = {"shipment_id": shipment_id, **({"order_id": order_id} if order_id else {})}
    events: list[Event] = [("shipment_in_transit", dict(ids))]
    if odds.draw() < odds.failure_rate:
        return [*events, ("delivery_failed", {**ids, "reason": "no one to sign (simulated)"})]
    days = odds.transit_days + (odds.draw() * 2 - 1) * odds.noise_days
    if odds.draw() < odds.late_rate:
        days += odds.late_days
    at = call.occurred_at + timedelta(days=max(days, 0.0))
    events += [("shipment_out_for_delivery", dict(ids)),
               ("shipment_delivered", {**ids, "delivered_at": at.isoformat(),
                                       "pod_reference": f"POD-{shipment_id}",
                                       "signee": "receiving dock"})]
    damaged, short = odds.draw() < odds.damage_rate, odds.draw() < odds.short_rate
    first = next((ln for ln in _mappings(call.payload.get("lines"))
                  if isinstance(ln.get("line_no"), int) and _shipped(ln) >= 2), None)
    if (damaged or short) and first is not None:
        events.append(("delivery_discrepancy", {**ids, "lines": [
            {"line_no": first["line_no"], "damaged": int(damaged), "short": int(short)}]}))
    return events


def _shipped(line: Mapping[str, object]) -> int:
    shipped = line.get("shipped")
    return shipped if isinstance(shipped, int) else 0


REACTIONS: Mapping[tuple[str, str], Callable[[Applied], list[Event]]] = {
    ("erp", "order_mirror"): _order_acknowledged,
    ("erp", "invoice_posting"): _invoice_acknowledged,
    ("wms", "wave_release"): _picks_confirmed,
    ("wms", "ship_release"): _shipments_confirmed,
    ("tms", "tracking"): _delivered,
    ("tms", "redelivery"): _delivered,
    ("wms", "return_expected"): _return_received,
}
"""Events a simulated system sends back after applying an operation (then taken by
`take_events`, with the configured duplicates and reordering)."""

NEGATIVE_ACKS: frozenset[tuple[str, str]] = frozenset({("erp", "invoice_posting")})
"""The (system, operation) pairs whose acknowledgement `negative_ack_nth` can turn negative."""


def _tracking_number(key: str) -> dict[str, object]:
    """UPS-like, derived from the idempotency key: the same tender always gets the same number,
    also after a restart, and different tenders different ones."""
    return {"tracking_number": "1Z" + hashlib.sha256(key.encode()).hexdigest()[:16].upper()}


REPLY_EXTRAS: Mapping[tuple[str, str], Callable[[str], dict[str, object]]] = {
    ("tms", "tender"): _tracking_number,
}
"""What a reply carries besides its ref, from the call's idempotency key."""


def reply_extras(system: str, operation: str, key: str) -> dict[str, object]:
    extras = REPLY_EXTRAS.get((system, operation))
    return extras(key) if extras is not None else {}


def _mappings(value: object) -> list[Mapping[str, object]]:
    """The mappings of a list in a payload (anything else in it is skipped)."""
    items = value if isinstance(value, list | tuple) else []
    return [item for item in items if isinstance(item, Mapping)]


def _quantity(line: Mapping[str, object]) -> int:
    quantity = line.get("quantity")
    return quantity if isinstance(quantity, int) else 0


def _present(line: Mapping[str, object], *names: str) -> dict[str, object]:
    return {name: line[name] for name in names if line.get(name) is not None}
