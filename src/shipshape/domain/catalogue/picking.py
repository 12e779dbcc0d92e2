"""Events of picking: picks confirmed, and what a short or non-compliant pick led to."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from shipshape.domain.catalogue.base import (
    CASE,
    LINE,
    ORDER,
    PICK,
    RESERVATION,
    SITE,
    SYSTEM_EVENT,
    Link,
    ObjectRef,
    OrderEvent,
    at_site,
    iso,
    items,
    line_ref,
    order_ref,
    ref,
    unique,
)


@dataclass(frozen=True, slots=True)
class PickedLot:
    lot: str | None
    expiry: date | None
    quantity: int


@dataclass(frozen=True, slots=True)
class PickedLine:
    line_no: int
    sku: str
    reserved: int
    picked: int
    lots: tuple[PickedLot, ...]

    def as_json(self) -> dict[str, object]:
        return {"line_no": self.line_no, "sku": self.sku, "reserved": self.reserved,
                "picked": self.picked,
                "lots": [{"lot": e.lot, "expiry": iso(e.expiry), "quantity": e.quantity}
                         for e in self.lots]}


@dataclass(frozen=True, slots=True, kw_only=True)
class PickConfirmed(OrderEvent):
    """What `site` picked, as the WMS reported it (`webhook_id`) at `reported_at`."""

    TYPE = "PickConfirmed"
    OBJECT_TYPES = (ORDER, LINE, PICK, SITE, SYSTEM_EVENT)

    site: str
    webhook_id: str
    reported_at: datetime
    lines: tuple[PickedLine, ...]

    def payload(self) -> dict[str, object]:
        return {"site": self.site, "webhook_id": self.webhook_id,
                "occurred_at": self.reported_at.isoformat(),
                "lines": [line.as_json() for line in self.lines]}

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        site = data.get("site")
        return unique(order_ref(stream), _line_picks(stream, data.get("lines"), site, "picked"),
                      ref(SITE, site), ref(SYSTEM_EVENT, data.get("webhook_id"), "report"))


@dataclass(frozen=True, slots=True)
class SiteQuantity:
    site: str
    quantity: int


@dataclass(frozen=True, slots=True, kw_only=True)
class _ShortPick(OrderEvent):
    """`site` picked less of a line than it held; `case_id` is the SHORT_PICK case."""

    line_no: int
    sku: str
    site: str
    case_id: str | None
    quantity: int

    def payload(self) -> dict[str, object]:
        return {"line_no": self.line_no, "sku": self.sku, "site": self.site,
                "case_id": self.case_id, "quantity": self.quantity}

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        return unique(*_short_links(stream, data))


@dataclass(frozen=True, slots=True, kw_only=True)
class ShortPickResourced(_ShortPick):
    """`quantity` of the short line is reserved again at the sites of `moved_to`."""

    TYPE = "ShortPickResourced"
    OBJECT_TYPES = (ORDER, LINE, PICK, SITE, CASE, RESERVATION)

    moved_to: tuple[SiteQuantity, ...]

    def payload(self) -> dict[str, object]:
        return {**_ShortPick.payload(self),
                "to": [{"site": m.site, "quantity": m.quantity} for m in self.moved_to]}

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        line_no, sites = data.get("line_no"), [m.get("site") for m in items(data.get("to"))]
        return unique(*_short_links(stream, data),
                      [at_site(RESERVATION, stream, line_no, site, "reserved again")
                       for site in sites],
                      [ref(SITE, site, "resourced at") for site in sites])


@dataclass(frozen=True, slots=True, kw_only=True)
class ShortPickBackordered(_ShortPick):
    """`quantity` of the short line found no stock anywhere: it waits."""

    TYPE = "ShortPickBackordered"
    OBJECT_TYPES = (ORDER, LINE, PICK, SITE, CASE)


@dataclass(frozen=True, slots=True)
class LotRecord:
    line_no: int
    sku: str
    lot: str | None
    expiry: date
    quantity: int


@dataclass(frozen=True, slots=True, kw_only=True)
class LotNonCompliant(OrderEvent):
    """`site` picked lots that expire before `needed_until`; `case_id` is the
    LOT_NONCOMPLIANT case."""

    TYPE = "LotNonCompliant"
    OBJECT_TYPES = (ORDER, LINE, PICK, SITE, CASE)

    site: str
    case_id: str
    needed_until: date | None
    lots: tuple[LotRecord, ...]

    def payload(self) -> dict[str, object]:
        return {"site": self.site, "case_id": self.case_id,
                "needed_until": iso(self.needed_until),
                "lots": [{"line_no": lot.line_no, "sku": lot.sku, "lot": lot.lot,
                          "expiry": lot.expiry.isoformat(), "quantity": lot.quantity}
                         for lot in self.lots]}

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        site = data.get("site")
        return unique(order_ref(stream), _line_picks(stream, data.get("lots"), site,
                                                     "non-compliant"),
                      ref(SITE, site), ref(CASE, data.get("case_id")))


def _short_links(order_id: str, data: Mapping[str, object]) -> list[Link]:
    line_no, site = data.get("line_no"), data.get("site")
    return [order_ref(order_id), line_ref(order_id, line_no),
            at_site(PICK, order_id, line_no, site, "short"), ref(SITE, site, "short at"),
            ref(CASE, data.get("case_id"))]


def _line_picks(order_id: str, entries: object, site: object, qualifier: str) -> list[Link]:
    """Per entry with a `line_no`: the line, and its pick at `site`."""
    links: list[Link] = []
    for entry in items(entries):
        line_no = entry.get("line_no")
        links += [line_ref(order_id, line_no), at_site(PICK, order_id, line_no, site, qualifier)]
    return links
