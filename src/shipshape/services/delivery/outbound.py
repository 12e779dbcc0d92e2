"""Outbound integration: order events become calls to the other systems, applied once each.

A `ConnectorHandler` is a consumer's handler. For an event type it routes, it calls the
connector outside any transaction (with the event id as idempotency key, so a repeated call is
applied once by the system) and then records the system's answer on the order (`SystemCalled`)
in the transaction that writes the inbox row. A call that fails for good (attempts exhausted,
or a rejection) is not raised: `prepare` returns `Failed`, and the consumer stores a dead letter
with an `INTEGRATION_FAILURE` case naming the connector and the operation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from shipshape.domain.catalogue import (
    CarrierTendered,
    OrderAccepted,
    OrderHeld,
    SystemCalled,
    TaskCancelRequested,
    WaveReleased,
)
from shipshape.services.billing import ERP_INVOICE_POSTING, InvoicePostingHandler
from shipshape.services.delivery.consume import Handler
from shipshape.services.delivery.dead_letters import Failed
from shipshape.services.deps import Deps
from shipshape.services.ports import UnitOfWork
from shipshape.services.ports.connectors import ConnectorError, Connectors, Payload
from shipshape.services.ports.messaging import Message, body_of, event_type_of
from shipshape.services.tendering import TMS_TENDER, TenderHandler

ERP_ORDER_MIRROR = "erp-order-mirror"
WMS_WAVE_RELEASE = "wms-wave-release"
WMS_TASK_CANCEL = "wms-task-cancel"
WMS_SHIP_RELEASE = "wms-ship-release"

PayloadBuilder = Callable[[str, Mapping[str, object]], Payload]


@dataclass(frozen=True, slots=True)
class Route:
    """Events of `event_types` go to `system`'s `operation`, with the payload `build` makes."""

    event_types: frozenset[str]
    system: str
    operation: str
    build: PayloadBuilder


def order_mirror_payload(event_type: str, body: Mapping[str, object]) -> Payload:
    return {"order_id": body.get("order_id"), "event": event_type, "body": dict(body)}


ORDER_MIRROR = Route(frozenset({OrderAccepted.TYPE, OrderHeld.TYPE}), "erp", "order_mirror",
                     order_mirror_payload)
"""Accepted and held orders are mirrored to the ERP (DESIGN.md: the ERP owns acceptance)."""


def wave_release_payload(event_type: str, body: Mapping[str, object]) -> Payload:
    return {"wave_id": body.get("wave_id"), "site": body.get("site"),
            "orders": body.get("orders", [])}


def task_cancel_payload(event_type: str, body: Mapping[str, object]) -> Payload:
    return {"order_id": body.get("order_id"), "sites": body.get("sites", []),
            "reason": body.get("reason")}


WAVE_RELEASE = Route(frozenset({WaveReleased.TYPE}), "wms", "wave_release", wave_release_payload)
"""A released wave goes to the WMS as one call. Its event is keyed by the wave id (its
`stream`), so the WMS's answer (`SystemCalled`) lands on the wave's own timeline."""
TASK_CANCEL = Route(frozenset({TaskCancelRequested.TYPE}), "wms", "task_cancel",
                    task_cancel_payload)
"""An order held after its release: the WMS stops its tasks (`sites` empty: at every site)."""


def ship_release_payload(event_type: str, body: Mapping[str, object]) -> Payload:
    return {"order_id": body.get("order_id"), "carrier_service": body.get("carrier_service"),
            "tracking_number": body.get("tracking_number"), "label_ref": body.get("label_ref"),
            "sites": body.get("sites", [])}


SHIP_RELEASE = Route(frozenset({CarrierTendered.TYPE}), "wms", "ship_release", ship_release_payload)
"""A carrier took the order: the WMS gets the label and what each site picked, to pack and
ship (it answers with `shipment_confirmed` per site)."""


class ConnectorHandler:
    def __init__(self, deps: Deps, connectors: Connectors, route: Route) -> None:
        self._deps = deps
        self._connectors = connectors
        self._route = route

    def wants(self, message: Message) -> bool:
        return event_type_of(message) in self._route.event_types

    def prepare(self, message: Message) -> object:
        route = self._route
        payload = route.build(event_type_of(message), body_of(message))
        try:
            return self._connectors.get(route.system).call(route.operation, payload, message.id)
        except ConnectorError as error:
            return Failed(error, error.attempts, route.system, route.operation)

    def apply(self, uow: UnitOfWork, message: Message, prepared: object) -> None:
        reply = prepared if isinstance(prepared, Mapping) else {}
        route = self._route
        uow.events.append([SystemCalled(
            occurred_at=self._deps.clock.now(), key=message.key, system=route.system,
            operation=route.operation, source_event=message.id,
            source_type=event_type_of(message), reply=dict(reply))])


def outbound_handlers(deps: Deps, connectors: Connectors) -> dict[str, Handler]:
    """The consumers a worker runs, by name."""
    return {ERP_ORDER_MIRROR: ConnectorHandler(deps, connectors, ORDER_MIRROR),
            WMS_WAVE_RELEASE: ConnectorHandler(deps, connectors, WAVE_RELEASE),
            WMS_TASK_CANCEL: ConnectorHandler(deps, connectors, TASK_CANCEL),
            TMS_TENDER: TenderHandler(deps, connectors),
            WMS_SHIP_RELEASE: ConnectorHandler(deps, connectors, SHIP_RELEASE),
            ERP_INVOICE_POSTING: InvoicePostingHandler(deps, connectors)}
