"""Every event type by name, what each holds and links to, and the links of a stored event."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from types import MappingProxyType

from shipshape.domain.catalogue import (
    billing,
    capture,
    changes,
    communication,
    delivery,
    desk,
    edi,
    edi_acks,
    edi_changes,
    integration,
    picking,
    promise,
    recommend,
    reconciliation,
    release,
    returns,
    risk,
    shipping,
    text,
)
from shipshape.domain.catalogue.base import DomainEvent, ObjectRef, order_ref

CATALOGUE: Mapping[str, type[DomainEvent]] = MappingProxyType({
    cls.TYPE: cls for cls in (
        capture.OrderReceived, capture.ControlsEvaluated, capture.StockReserved,
        capture.StockReleased, capture.OrderAccepted, capture.OrderHeld,
        capture.DuplicateOrderReceived,
        capture.ExceptionOpened, capture.ExceptionRecurred,
        desk.ExceptionAssigned, desk.ExceptionPaused, desk.ExceptionResumed,
        desk.ExceptionEscalated, desk.ExceptionActed, desk.ExceptionResolved,
        changes.OrderStatusChanged, changes.OrderCancelled, changes.OrderAmended,
        release.OrderReleased, release.OrderPulledFromWave, release.WaveReleased,
        release.TaskCancelRequested,
        picking.PickConfirmed, picking.ShortPickResourced, picking.ShortPickBackordered,
        picking.LotNonCompliant,
        shipping.CarrierTenderRequested, shipping.CarrierTendered,
        shipping.TenderCancelRequested, shipping.ShipmentConfirmed,
        delivery.DeliveryMilestone, delivery.ShipmentDelivered, delivery.DeliveryFailed,
        delivery.DeliveryDiscrepancy, delivery.RedeliveryRequested,
        billing.InvoiceIssued, billing.InvoicePostRequested, billing.InvoicePosted,
        billing.InvoiceRejected, billing.PaymentReceived, billing.CreditNoteIssued,
        returns.ReturnAuthorised, returns.ReturnReceived, returns.ReturnDisputed,
        edi.AsnSent, edi.EdiInvoiceSent, edi.EdiDocumentNotSent, edi.EdiDocumentFailed,
        edi.OrderResponseSent,
        edi_acks.EdiDocumentAcknowledged, edi_acks.EdiAcknowledgementUnmatched,
        edi_acks.EdiDocumentResent,
        edi_changes.EdiOrderChangeReceived,
        communication.CustomerNotified,
        promise.OrderPromised, promise.PromiseAtRisk, promise.PromiseRecovered,
        reconciliation.ReconciliationRun, reconciliation.ReconciliationFinding,
        integration.SystemCalled, integration.IntegrationFailed,
        integration.SystemEventReceived, integration.SystemEventRefused,
        recommend.RecommendationAccepted, recommend.RecommendationRejected,
        risk.OrderRiskScored,
        text.MessageClassified)})
"""Each event type by its stored name."""


def stage_of(cls: type[DomainEvent]) -> str:
    """The catalogue module that holds the type (capture, release, billing...)."""
    return cls.__module__.rsplit(".", 1)[-1]


def describe() -> list[dict[str, object]]:
    """Per event type: its name, stage, fields (name and type as written) and the types of
    object it links to."""
    return [{"name": name, "stage": stage_of(cls),
             "fields": [{"name": f.name, "type": str(f.type)} for f in dataclasses.fields(cls)],
             "objects": list(cls.OBJECT_TYPES)}
            for name, cls in CATALOGUE.items()]


def objects_of_stored(type: str, order_id: str,
                      payload: Mapping[str, object]) -> tuple[ObjectRef, ...]:
    """The links of an event stored before the catalogue (`order_id` is the key it was stored
    under), rebuilt from its payload; never none when `order_id` is not empty. An unknown
    type links to its order only."""
    cls = CATALOGUE.get(type)
    found = cls.links(order_id, payload) if cls is not None else ()
    if found or not order_id:
        return found
    link = order_ref(order_id)
    return (link,) if link is not None else ()
