"""Events of shipping: the carrier tender asked, accepted and voided, and shipments confirmed.

A tender is identified by its order and carrier service (`<order_id>:<carrier_service>`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from shipshape.domain.catalogue.base import (
    CUSTOMER,
    LINE,
    ORDER,
    PICK,
    SHIPMENT,
    SITE,
    SYSTEM_EVENT,
    TENDER,
    Link,
    ObjectRef,
    OrderEvent,
    at_site,
    iso,
    items,
    line_ref,
    lines_of,
    order_ref,
    ref,
    tender_ref,
    texts,
    unique,
)
from shipshape.domain.shipments import ShippedLine


@dataclass(frozen=True, slots=True)
class TenderLine:
    line_no: int
    sku: str
    quantity: int | None


@dataclass(frozen=True, slots=True)
class TenderedGoods:
    """What the carrier is asked to take (the payload's `order`)."""

    weight_kg: Decimal
    hazmat: bool
    country: str | None
    value: Decimal
    requested_ship_date: date | None
    lines: tuple[TenderLine, ...]

    def as_json(self) -> dict[str, object]:
        return {"weight_kg": str(self.weight_kg), "hazmat": self.hazmat,
                "country": self.country, "value": str(self.value),
                "requested_ship_date": iso(self.requested_ship_date),
                "lines": [{"line_no": ln.line_no, "sku": ln.sku, "quantity": ln.quantity}
                          for ln in self.lines]}


@dataclass(frozen=True, slots=True, kw_only=True)
class CarrierTenderRequested(OrderEvent):
    """A picked order goes to the TMS, tried along `chain` (carrier services, best first)."""

    TYPE = "CarrierTenderRequested"
    OBJECT_TYPES = (ORDER, CUSTOMER, LINE, TENDER)

    chain: tuple[str, ...]
    customer_id: str
    preferred: str | None
    service_level: str
    rule_version: str
    goods: TenderedGoods

    def payload(self) -> dict[str, object]:
        return {"order_id": self.order_id, "chain": list(self.chain),
                "customer_id": self.customer_id, "preferred": self.preferred,
                "service_level": self.service_level, "rule_version": self.rule_version,
                "order": self.goods.as_json()}

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        order_id = data.get("order_id") or stream
        goods = data.get("order")
        lines = goods.get("lines") if isinstance(goods, Mapping) else None
        return unique(order_ref(order_id), ref(CUSTOMER, data.get("customer_id")),
                      lines_of(order_id, lines),
                      [tender_ref(order_id, service, "candidate")
                       for service in texts(data.get("chain"))])


@dataclass(frozen=True, slots=True)
class PackedLine:
    line_no: int
    sku: str
    quantity: int
    lot: str | None


@dataclass(frozen=True, slots=True)
class SitePicks:
    """What one site picked of the order (quantities above 0), to pack and ship."""

    site: str
    lines: tuple[PackedLine, ...]

    def as_json(self) -> dict[str, object]:
        return {"site": self.site,
                "lines": [{"line_no": ln.line_no, "sku": ln.sku, "quantity": ln.quantity,
                           "lot": ln.lot} for ln in self.lines]}


@dataclass(frozen=True, slots=True, kw_only=True)
class CarrierTendered(OrderEvent):
    """A carrier took the order (attempt `attempt` of the chain); `source_event` is the id of
    the `CarrierTenderRequested` it answers."""

    TYPE = "CarrierTendered"
    OBJECT_TYPES = (ORDER, TENDER, SITE, LINE, PICK)

    carrier_service: str
    tracking_number: str | None
    label_ref: str | None
    attempt: int
    source_event: str
    sites: tuple[SitePicks, ...]

    def payload(self) -> dict[str, object]:
        return {"order_id": self.order_id, "carrier_service": self.carrier_service,
                "tracking_number": self.tracking_number, "label_ref": self.label_ref,
                "attempt": self.attempt, "source_event": self.source_event,
                "sites": [site.as_json() for site in self.sites]}

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        order_id = data.get("order_id") or stream
        links: list[Link] = [order_ref(order_id),
                             tender_ref(order_id, data.get("carrier_service"), "accepted")]
        for site_picks in items(data.get("sites")):
            site = site_picks.get("site")
            links.append(ref(SITE, site, "ships from"))
            for line in items(site_picks.get("lines")):
                line_no = line.get("line_no")
                links += [line_ref(order_id, line_no), at_site(PICK, order_id, line_no, site)]
        return unique(*links)


@dataclass(frozen=True, slots=True, kw_only=True)
class TenderCancelRequested(OrderEvent):
    """The TMS is asked to void the label of the order's accepted tender."""

    TYPE = "TenderCancelRequested"
    OBJECT_TYPES = (ORDER, TENDER)

    carrier_service: str
    tracking_number: str | None
    label_ref: str | None
    reason: str

    def payload(self) -> dict[str, object]:
        return {"order_id": self.order_id, "carrier_service": self.carrier_service,
                "tracking_number": self.tracking_number, "label_ref": self.label_ref,
                "reason": self.reason}

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        order_id = data.get("order_id") or stream
        return unique(order_ref(order_id),
                      tender_ref(order_id, data.get("carrier_service"), "voided"))


@dataclass(frozen=True, slots=True, kw_only=True)
class ShipmentConfirmed(OrderEvent):
    """What left `site`'s dock, as the WMS reported it (`webhook_id`)."""

    TYPE = "ShipmentConfirmed"
    OBJECT_TYPES = (ORDER, SHIPMENT, SITE, TENDER, LINE, PICK, SYSTEM_EVENT)

    shipment_id: str
    site: str
    ship_date: date
    carrier_service: str
    tracking_number: str | None
    label_ref: str | None
    webhook_id: str
    lines: tuple[ShippedLine, ...]

    def payload(self) -> dict[str, object]:
        return {"shipment_id": self.shipment_id, "site": self.site,
                "ship_date": self.ship_date.isoformat(), "carrier_service": self.carrier_service,
                "tracking_number": self.tracking_number, "label_ref": self.label_ref,
                "webhook_id": self.webhook_id,
                "lines": [{"line_no": ln.line_no, "sku": ln.sku, "picked": ln.picked,
                           "shipped": ln.shipped} for ln in self.lines]}

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        site = data.get("site")
        return unique(order_ref(stream), ref(SHIPMENT, data.get("shipment_id")),
                      ref(SITE, site, "shipped from"),
                      tender_ref(stream, data.get("carrier_service"), "carried by"),
                      lines_of(stream, data.get("lines")),
                      [at_site(PICK, stream, ln.get("line_no"), site, "shipped")
                       for ln in items(data.get("lines"))],
                      ref(SYSTEM_EVENT, data.get("webhook_id"), "report"))
