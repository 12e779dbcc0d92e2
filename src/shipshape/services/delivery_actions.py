"""The desk's actions on delivery cases (`DELIVERY_FAILED`, `DAMAGED_ON_DELIVERY`,
`SHORT_ON_DELIVERY`), in the caller's transaction (`services/desk_actions.py` runs them):

* `redeliver` (a failed delivery): the TMS is asked to deliver the shipment again
  (`RedeliveryRequested`, consumer `tms-redelivery`); its milestones follow as before.
* `credit`: a credit note for the damaged or short quantities (for a failed delivery: all the
  shipment billed) against the shipment's invoice (`crediting.credit_quantities`); to finance
  like any credit note. A failed delivery credited in full is the "cancel" of the issue.
* `reship`: the same credit, and a replacement order for those quantities taken through
  intake's control points and allocation (`intake.take_order`: the controls, the reservation,
  a hold with its case when they block) in the same transaction. The replacement ships and is
  invoiced like any order, so the customer pays once for the units that arrived whole: the
  credit takes back what the first invoice billed for the missing or damaged units.
"""

from __future__ import annotations

from collections.abc import Mapping

from shipshape.domain import delivery as dl
from shipshape.domain.cases import ExceptionCase
from shipshape.domain.catalogue import DomainEvent, RedeliveryRequested
from shipshape.domain.errors import Conflict
from shipshape.domain.event_data import is_whole
from shipshape.domain.orders import OrderDraft, OrderLine, ShipTo
from shipshape.domain.picking import OrderToPick
from shipshape.domain.shipments import ShipmentRecord
from shipshape.services.crediting import credit_quantities
from shipshape.services.delivery.consume import Handler
from shipshape.services.delivery.outbound import ConnectorHandler, Route
from shipshape.services.deps import Deps
from shipshape.services.intake import SubmitOrder, take_order
from shipshape.services.ports import UnitOfWork
from shipshape.services.ports.connectors import Connectors, Payload

Done = tuple[dict[str, object], list[DomainEvent]]


def _shipment(uow: UnitOfWork, case: ExceptionCase) -> tuple[OrderToPick, ShipmentRecord]:
    shipment_id = case.details.get("shipment_id")
    order = uow.picks.order(case.order_id, lock=True) if case.order_id else None
    shipment = next((s for s in uow.shipments.of_order(order.id) if s.id == shipment_id),
                    None) if order else None
    if order is None or shipment is None:
        raise Conflict(f"case {case.id} names no shipment of its order")
    return order, shipment


def quantities(case: ExceptionCase, shipment: ShipmentRecord) -> dict[int, int]:
    """What the case is about, per line: the damaged or short units it names; for a failed
    delivery every unit the shipment shipped."""
    if case.code == dl.DELIVERY_FAILED:
        return {ln.line_no: ln.shipped for ln in shipment.lines if ln.shipped}
    found: dict[int, int] = {}
    lines = case.details.get("lines")
    for entry in lines if isinstance(lines, list) else []:
        if isinstance(entry, Mapping) and is_whole(entry.get("line_no")) \
                and is_whole(entry.get("quantity")):
            found[int(entry["line_no"])] = int(entry["quantity"])
    if not found:
        raise Conflict(f"case {case.id} names no damaged or short quantities")
    return found


def redeliver(deps: Deps, uow: UnitOfWork, case: ExceptionCase, actor: str,
              reason: str) -> Done:
    order, shipment = _shipment(uow, case)
    record = uow.deliveries.get(shipment.id)
    if record is None or record.state is not dl.DeliveryState.FAILED:
        state = record.state.value if record else dl.DeliveryState.SHIPPED.value
        raise Conflict(f"shipment {shipment.id} is {state}, not failed; nothing to re-deliver")
    event = RedeliveryRequested(occurred_at=deps.clock.now(), order_id=order.id,
                                shipment_id=shipment.id,
                                carrier_service=shipment.carrier_service,
                                tracking_number=shipment.tracking_number, actor=actor)
    return {"shipment_id": shipment.id, "redelivery": "requested"}, [event]


def credit(deps: Deps, uow: UnitOfWork, case: ExceptionCase, actor: str, reason: str) -> Done:
    order, shipment = _shipment(uow, case)
    units = quantities(case, shipment)
    note = credit_quantities(deps, uow, order.id, shipment.id, units,
                             f"{case.code} ({reason}): case {case.id}", actor, deps.clock.now())
    return ({"shipment_id": shipment.id, "credit_note_id": note.note.number,
             "credits": note.credits, "total": str(note.note.total),
             "lines": [{"line_no": n, "quantity": q} for n, q in sorted(units.items())]},
            [note])


def reship(deps: Deps, uow: UnitOfWork, case: ExceptionCase, actor: str, reason: str) -> Done:
    order, shipment = _shipment(uow, case)
    units = quantities(case, shipment)
    body, events = credit(deps, uow, case, actor, reason)
    skus = {ln.line_no: ln for ln in order.lines}
    lines = tuple(OrderLine(n, skus[n].sku, q, None, skus[n].uom)
                  for n, q in sorted(units.items()) if n in skus and q)
    draft = OrderDraft(channel="desk", external_id=f"reship:{case.id}",
                       customer_id=order.customer_id, customer_po=None,
                       requested_ship_date=deps.clock.now().date(),
                       ship_to=order.ship_to or ShipTo(country=order.ship_to_country),
                       lines=lines, carrier_service=order.carrier_service)
    taken = take_order(deps, uow, SubmitOrder(draft), commit=False)
    return ({**body, "replacement_order_id": taken.body.get("order_id"),
             "replacement_status": taken.body.get("status")}, events)


ACTIONS = {"redeliver": redeliver, "credit": credit, "reship": reship}
"""Each delivery action by its name (`domain.desk.Action` value)."""



def tracking_payload(event_type: str, body: Mapping[str, object]) -> Payload:
    """The shipment as the TMS tracks it: its id (the TMS's events name it), the carrier,
    tracking number and lines; the order when the event names it."""
    return {key: body[key] for key in (
        "order_id", "shipment_id", "site", "ship_date", "carrier_service", "tracking_number",
        "lines") if key in body}


TMS_DELIVERY_TRACKING = "tms-delivery-tracking"
TMS_REDELIVERY = "tms-redelivery"
TRACKING = Route(frozenset({"ShipmentConfirmed"}), "tms", "tracking", tracking_payload)
"""Each confirmed shipment goes to the TMS to be tracked to the customer's door."""
REDELIVERY = Route(frozenset({RedeliveryRequested.TYPE}), "tms", "redelivery", tracking_payload)
"""A failed delivery the desk sends out again."""


def delivery_handlers(deps: Deps, connectors: Connectors) -> dict[str, Handler]:
    return {TMS_DELIVERY_TRACKING: ConnectorHandler(deps, connectors, TRACKING),
            TMS_REDELIVERY: ConnectorHandler(deps, connectors, REDELIVERY)}
