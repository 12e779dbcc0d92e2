"""What every catalogued event has: a type, a time, a JSON payload and the objects it touches.

An event links to each object it is about with an `ObjectRef` (type, id and the role the object
plays, e.g. the wave an order was `released in`). The links are read from the payload
(`DomainEvent.links`), so an event stored before the catalogue existed gets the same links as
a new one; the readers below are lenient and skip what a payload lacks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import ClassVar

ORDER, LINE, RESERVATION, WAVE, PICK = "order", "line", "reservation", "wave", "pick"
SHIPMENT, TENDER, INVOICE, CASE = "shipment", "tender", "invoice", "case"
INTERCHANGE, DEAD_LETTER, CUSTOMER, SITE = "interchange", "dead_letter", "customer", "site"
RECONCILIATION_RUN, SYSTEM_EVENT = "reconciliation_run", "system_event"
RETURN = "return"
ALL_OBJECT_TYPES = frozenset({
    ORDER, LINE, RESERVATION, WAVE, PICK, SHIPMENT, TENDER, INVOICE, CASE, INTERCHANGE,
    DEAD_LETTER, CUSTOMER, SITE, RECONCILIATION_RUN, SYSTEM_EVENT, RETURN})
"""Every type of object an event can link to."""


@dataclass(frozen=True, slots=True)
class ObjectRef:
    """One object an event touches; `qualifier` says the role it plays in the event."""

    type: str
    id: str
    qualifier: str


Link = ObjectRef | None
Links = Link | Iterable[Link]


@dataclass(frozen=True, slots=True, kw_only=True)
class DomainEvent:
    """A fact, in the past tense. Subclasses set `TYPE` (the stored type name) and
    `OBJECT_TYPES` (every type of object `objects()` may yield), and implement `payload` and
    `links`."""

    TYPE: ClassVar[str]
    OBJECT_TYPES: ClassVar[tuple[str, ...]]

    occurred_at: datetime

    @property
    def order_id(self) -> str | None:
        """The order the event belongs to; None for an event about a wave, a run..."""
        return None

    @property
    def stream(self) -> str:
        """The key that orders events one after the other: the order, else the object the
        event is about."""
        raise NotImplementedError

    def payload(self) -> dict[str, object]:
        """The event's JSON-ready body, as it is stored and published."""
        raise NotImplementedError

    @classmethod
    def links(cls, stream: str, data: Mapping[str, object]) -> tuple[ObjectRef, ...]:
        """The objects an event of this type touches, read from its stream key and payload."""
        raise NotImplementedError

    def objects(self) -> tuple[ObjectRef, ...]:
        return self.links(self.stream, self.payload())


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderEvent(DomainEvent):
    """An event on an order's timeline."""

    order_id: str  # overrides the base class's read-only property

    @property
    def stream(self) -> str:
        return self.order_id


def unique(*groups: Links) -> tuple[ObjectRef, ...]:
    """The links of `groups` in order, without the missing ones; an object linked twice keeps
    the role it is first linked with."""
    found: dict[tuple[str, str], ObjectRef] = {}
    for group in groups:
        for link in [group] if group is None or isinstance(group, ObjectRef) else group:
            if link is not None:
                found.setdefault((link.type, link.id), link)
    return tuple(found.values())


def ref(type_: str, id_: object, qualifier: str | None = None) -> Link:
    """A link to `id_` (None when it is missing); the qualifier defaults to the type."""
    key = ident(id_)
    return ObjectRef(type_, key, qualifier or type_) if key is not None else None


def order_ref(order_id: object, qualifier: str = ORDER) -> Link:
    return ref(ORDER, order_id, qualifier)


def line_ref(order_id: object, line_no: object, qualifier: str = LINE) -> Link:
    order, number = ident(order_id), whole(line_no)
    return ref(LINE, f"{order}:{number}", qualifier) if order and number is not None else None


def at_site(type_: str, order_id: object, line_no: object, site: object,
            qualifier: str | None = None) -> Link:
    """A reservation or a pick: one line of an order at one site."""
    order, number, where = ident(order_id), whole(line_no), ident(site)
    if order is None or number is None or where is None:
        return None
    return ref(type_, f"{order}:{number}:{where}", qualifier)


def tender_ref(order_id: object, carrier_service: object, qualifier: str = TENDER) -> Link:
    order, service = ident(order_id), ident(carrier_service)
    return ref(TENDER, f"{order}:{service}", qualifier) if order and service else None


def lines_of(order_id: object, entries: object, qualifier: str = LINE) -> list[Link]:
    """A link per `line_no` of a list of line objects."""
    return [line_ref(order_id, entry.get("line_no"), qualifier) for entry in items(entries)]


def ident(value: object) -> str | None:
    """An id as text: a non-empty text, or a whole number; None otherwise."""
    if isinstance(value, str):
        return value or None
    number = whole(value)
    return str(number) if number is not None else None


def whole(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def items(value: object) -> list[Mapping[str, object]]:
    """The objects of a JSON list (anything else: none)."""
    if not isinstance(value, list | tuple):
        return []
    return [entry for entry in value if isinstance(entry, Mapping)]


def numbers(value: object) -> list[int]:
    """The whole numbers of a JSON list."""
    if not isinstance(value, list | tuple):
        return []
    return [number for number in map(whole, value) if number is not None]


def texts(value: object) -> list[str]:
    """The non-empty texts of a JSON list."""
    if not isinstance(value, list | tuple):
        return []
    return [entry for entry in value if isinstance(entry, str) and entry]


def iso(day: date | datetime | None) -> str | None:
    return day.isoformat() if day is not None else None
