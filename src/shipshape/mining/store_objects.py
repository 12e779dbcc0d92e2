"""What Shipshape's own events say about the objects they touch, beyond the links: each
object's attributes and how they change (an order's status after each event that moves it,
a case's state, an invoice's...), and which objects belong to which (object-to-object
relations). Declared here per event type; derived in Polars from the events, their payload
values and their links."""

from __future__ import annotations

import polars as pl

from shipshape.domain.catalogue.base import (
    CASE,
    CUSTOMER,
    DEAD_LETTER,
    INTERCHANGE,
    INVOICE,
    LINE,
    ORDER,
    PICK,
    RESERVATION,
    RETURN,
    SHIPMENT,
    SITE,
    SYSTEM_EVENT,
    TENDER,
    WAVE,
)
from shipshape.mining.log import TIME, empty

TO = None
"""A status read from the payload's `to` (the status the event moved the order to)."""
STATUS: dict[str, tuple[str, str | None]] = {
    "OrderReceived": (ORDER, "received"), "OrderAccepted": (ORDER, TO),
    "OrderHeld": (ORDER, TO), "OrderStatusChanged": (ORDER, TO),
    "OrderCancelled": (ORDER, TO), "OrderReleased": (ORDER, TO),
    "OrderPulledFromWave": (ORDER, TO),
    "ExceptionOpened": (CASE, "open"), "ExceptionAssigned": (CASE, "assigned"),
    "ExceptionPaused": (CASE, "paused"), "ExceptionResumed": (CASE, "open"),
    "ExceptionEscalated": (CASE, "escalated"), "ExceptionResolved": (CASE, "resolved"),
    "WaveReleased": (WAVE, "released"),
    "CarrierTenderRequested": (TENDER, "requested"), "CarrierTendered": (TENDER, "accepted"),
    "TenderCancelRequested": (TENDER, "voided"),
    "ShipmentConfirmed": (SHIPMENT, "shipped"), "DeliveryFailed": (SHIPMENT, "delivery failed"),
    "DeliveryDiscrepancy": (SHIPMENT, "discrepancy"),
    "RedeliveryRequested": (SHIPMENT, "redelivery requested"),
    "ShipmentDelivered": (SHIPMENT, "delivered"),
    "InvoiceIssued": (INVOICE, "issued"), "InvoicePostRequested": (INVOICE, "post requested"),
    "InvoicePosted": (INVOICE, "posted"), "InvoiceRejected": (INVOICE, "rejected"),
    "PaymentReceived": (INVOICE, "paid"), "CreditNoteIssued": (INVOICE, "credited"),
    "StockReserved": (RESERVATION, "reserved"),
    "StockReleased": (RESERVATION, "released"),
    "PickConfirmed": (PICK, "picked"),
    "ShortPickBackordered": (PICK, "backordered"), "ShortPickResourced": (PICK, "resourced"),
    "IntegrationFailed": (DEAD_LETTER, "dead lettered"),
    "ReturnAuthorised": (RETURN, "authorised"), "ReturnReceived": (RETURN, "received"),
}
"""Per event type: the type of object whose `status` it sets, and to what."""

FROM_START: dict[str, tuple[str, tuple[str, ...]]] = {
    "OrderReceived": (ORDER, ("channel", "external_id", "customer_id", "customer_po", "value",
                              "lines")),
    "ExceptionOpened": (CASE, ("code", "owner_team", "stage", "sla_due_at")),
    "WaveReleased": (WAVE, ("site", "trigger")),
    "ShipmentConfirmed": (SHIPMENT, ("site", "ship_date", "carrier_service",
                                     "tracking_number")),
    "InvoiceIssued": (INVOICE, ("currency", "invoice_date", "payment_terms", "total")),
}
"""Per event type that creates an object: the payload values the object holds from the start
(kept at the epoch, as OCEL 2.0 keeps initial values)."""

CHANGING: dict[str, tuple[str, tuple[str, ...]]] = {
    "ExceptionAssigned": (CASE, ("owner_team", "assignee")),
    "ExceptionEscalated": (CASE, ("owner_team",)),
    "OrderPromised": (ORDER, ("promised_date",)),
    "InvoicePosted": (INVOICE, ("erp_ref",)),
    "PaymentReceived": (INVOICE, ("paid",)),
}
"""Per event type: payload values that change an attribute of an object it touches."""

TOGETHER: tuple[tuple[str, str, str], ...] = (
    (LINE, ORDER, "part of"), (TENDER, ORDER, "for"), (SHIPMENT, ORDER, "ships"),
    (SHIPMENT, TENDER, "carried by"), (SHIPMENT, SITE, "shipped from"),
    (INVOICE, ORDER, "bills"), (INVOICE, SHIPMENT, "bills"), (CASE, ORDER, "about"),
    (ORDER, WAVE, "released in"), (ORDER, CUSTOMER, "ordered by"), (WAVE, SITE, "at"),
    (RESERVATION, SITE, "at"), (PICK, SITE, "at"), (RETURN, ORDER, "returns"),
    (DEAD_LETTER, ORDER, "about"), (INTERCHANGE, ORDER, "carries"),
    (SYSTEM_EVENT, ORDER, "about"),
)
"""(source type, target type, qualifier): related when an event touches exactly one object of
the target type and any of the source type."""

OF_LINE = ((RESERVATION, "reserves"), (PICK, "picks"))
"""Objects of one line of an order at one site (id `<order>:<line>:<site>`) and their line."""


def object_attributes(events: pl.DataFrame, values: pl.DataFrame,
                      links: pl.DataFrame) -> pl.DataFrame:
    """`events` (event_id, activity, timestamp), their payload `values` (event_id, name,
    value) and `links` (event_id, object_id, qualifier, object_type) → object attributes."""
    status = pl.DataFrame([(k, kind, fixed) for k, (kind, fixed) in STATUS.items()],
                          schema=["activity", "object_type", "fixed"], orient="row")
    moved_to = values.filter(pl.col("name") == "to").select("event_id", pl.col("value").alias("to"))
    statuses = (events.join(status, on="activity").join(moved_to, on="event_id", how="left")
                .with_columns(pl.coalesce("fixed", "to").alias("value"),
                              pl.lit("status").alias("name")).drop_nulls("value"))
    first = (_on_objects(_valued(events, values, FROM_START), links)
             .unique(["object_id", "name"], keep="first", maintain_order=True)
             .with_columns(pl.lit(0).cast(TIME).alias("timestamp")))
    later = [_on_objects(frame, links)
             for frame in (statuses, _valued(events, values, CHANGING))]
    return pl.concat([empty("object_attributes"), first, *later])


def _valued(events: pl.DataFrame, values: pl.DataFrame,
            spec: dict[str, tuple[str, tuple[str, ...]]]) -> pl.DataFrame:
    wanted = pl.DataFrame([(k, kind, name) for k, (kind, names) in spec.items()
                           for name in names],
                          schema=["activity", "object_type", "name"], orient="row")
    return events.join(wanted, on="activity").join(values, on=["event_id", "name"])


def _on_objects(frame: pl.DataFrame, links: pl.DataFrame) -> pl.DataFrame:
    return (frame.join(links.select("event_id", "object_type", "object_id"),
                       on=["event_id", "object_type"])
            .sort("timestamp", maintain_order=True)
            .select("object_id", "name", pl.col("value").cast(pl.String), "timestamp"))


def relations(links: pl.DataFrame, objects: pl.DataFrame) -> pl.DataFrame:
    """Object-to-object relations from `links` (event_id, object_id, object_type)."""
    typed = links.select("event_id", "object_id", "object_type").unique()
    pairs = pl.DataFrame(TOGETHER, schema=["object_type", "target_type", "qualifier"],
                         orient="row")
    sole = (typed.filter(pl.len().over("event_id", "object_type") == 1)
            .select("event_id", pl.col("object_type").alias("target_type"),
                    pl.col("object_id").alias("target_id")))
    found = [empty("relations"),
             typed.join(pairs, on="object_type").join(sole, on=["event_id", "target_type"])
             .select(pl.col("object_id").alias("source_id"), "target_id", "qualifier")]
    for kind, qualifier in OF_LINE:
        found.append(objects.filter(pl.col("object_type") == kind).select(
            pl.col("object_id").alias("source_id"),
            pl.col("object_id").str.replace(f"^{kind}:", f"{LINE}:")
            .str.replace(r":[^:]*$", "").alias("target_id"),
            pl.lit(qualifier).alias("qualifier")))
    known = objects.select(pl.col("object_id").alias("target_id"))
    return pl.concat(found).join(known, on="target_id", how="semi").unique(maintain_order=True)
