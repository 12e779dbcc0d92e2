"""What a simulated system reports back of its own accord after applying a call, as the real
system would (`REACTIONS`): the ERP acknowledges mirrored orders and posted invoices (negatively
when `negative_ack_nth` names the posting; with `pays_invoices` the payment follows), the WMS
confirms the picks of a released wave (short when `short_pick_nth` names the order) and the
shipments of a ship release. Replies may carry more than their ref (`REPLY_EXTRAS`): the TMS
answers a tender with a tracking number."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

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
    pays: bool = False
    """`pays_invoices`: the customer pays a booked invoice at once."""


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
                                                 short=call.picks_short())})
            for order in _mappings(call.payload.get("orders"))
            if isinstance(order.get("order_id"), str)]


def _picked(lines: list[Mapping[str, object]], short: bool) -> list[dict[str, object]]:
    """The lines as picked; a short pick finds one less of the first line."""
    picked = [{"line_no": line.get("line_no"), "quantity": _quantity(line),
               **_present(line, "lot", "expiry")} for line in lines]
    if short and picked:
        picked[0]["quantity"] = max(_quantity(picked[0]) - 1, 0)
    return picked


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
                   **_present(line, "lot")} for line in _mappings(site.get("lines"))]})
        for site in _mappings(call.payload.get("sites")) if isinstance(site.get("site"), str)]


REACTIONS: Mapping[tuple[str, str], Callable[[Applied], list[Event]]] = {
    ("erp", "order_mirror"): _order_acknowledged,
    ("erp", "invoice_posting"): _invoice_acknowledged,
    ("wms", "wave_release"): _picks_confirmed,
    ("wms", "ship_release"): _shipments_confirmed,
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
