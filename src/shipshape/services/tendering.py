"""Carrier tendering: a picked order is tendered to the TMS, carrier by carrier.

* When picking moves an order to picked, `tender_request` writes `CarrierTenderRequested` in
  that transaction: the fallback chain (`domain/carriers.py`: the decision table's candidates
  in rank order, eligible ones only, the customer's preference first) and a summary of the order.
* The consumer `tms-tender` (`TenderHandler`) tenders in `prepare`, outside any transaction:
  TMS `tender` for each service of the chain in turn (idempotency key: event id + service),
  stopping at the first acceptance. A rejection, or a call that fails for good (the retry
  policy exhausted), moves on to the next service.
* `apply` stores every attempt in `tenders` and records `CarrierTendered` (the TMS's `ref` is the
  tracking number, the label reference is derived from it, see `domain.carriers.label_ref`), or,
  when no service accepted, opens `CARRIER_TENDER_FAILED` (stage ship, team transport) with the
  attempts and records `ExceptionOpened`. The inbox makes a redelivered request a no-op.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from shipshape.domain import carriers as cr
from shipshape.domain.cases import CaseOrigin
from shipshape.domain.catalogue import (
    CarrierTendered,
    CarrierTenderRequested,
    PackedLine,
    SitePicks,
    TenderCancelRequested,
    TenderedGoods,
    TenderLine,
)
from shipshape.domain.masterdata import Customer
from shipshape.domain.orders import OrderStatus
from shipshape.domain.picking import OrderToPick, Pick
from shipshape.services.cases import open_case
from shipshape.services.deps import Deps
from shipshape.services.ports import UnitOfWork
from shipshape.services.ports.connectors import ConnectorError, ConnectorRejected, Connectors
from shipshape.services.ports.messaging import Message, body_of, event_type_of
from shipshape.services.promise import check_orders

TMS_TENDER = "tms-tender"
SYSTEM = "tms"
OPERATION = "tender"


def tender_request(deps: Deps, uow: UnitOfWork, order: OrderToPick, customer: Customer | None,
                   now: datetime) -> CarrierTenderRequested:
    """`CarrierTenderRequested` for a picked order, with its fallback chain."""
    items = uow.masterdata.items({line.sku for line in order.lines})
    weight = sum((items[ln.sku].weight_kg * (ln.quantity or 0)
                  for ln in order.lines if ln.sku in items), Decimal(0))
    hazmat = any(items[ln.sku].hazmat for ln in order.lines if ln.sku in items)
    level = cr.service_level(customer.priority if customer else None,
                             order.requested_ship_date, now.date())
    shipment = cr.Shipment(weight, hazmat, order.ship_to_country, level, order.carrier_service)
    rules = deps.carrier_rules
    candidates = rules.candidates(shipment.facts()) if rules is not None else []
    chain = cr.fallback_chain(shipment, candidates, uow.masterdata.carriers())
    return CarrierTenderRequested(
        occurred_at=now, order_id=order.id, chain=tuple(chain), customer_id=order.customer_id,
        preferred=order.carrier_service, service_level=level,
        rule_version=rules.version if rules is not None else "",
        goods=TenderedGoods(weight_kg=weight, hazmat=hazmat, country=order.ship_to_country,
                            value=order.value, requested_ship_date=order.requested_ship_date,
                            lines=tuple(TenderLine(ln.line_no, ln.sku, ln.quantity)
                                        for ln in order.lines)))


@dataclass(frozen=True, slots=True)
class Tendered:
    """What `prepare` found: the chain and every attempt, the last one accepted or none."""

    chain: tuple[str, ...]
    attempts: tuple[cr.TenderAttempt, ...]

    @property
    def accepted(self) -> cr.TenderAttempt | None:
        return next((a for a in self.attempts if a.accepted), None)


class TenderHandler:
    def __init__(self, deps: Deps, connectors: Connectors) -> None:
        self._deps = deps
        self._connectors = connectors

    def wants(self, message: Message) -> bool:
        return event_type_of(message) == CarrierTenderRequested.TYPE

    def prepare(self, message: Message) -> object:
        body = body_of(message)
        chain = tuple(str(s) for s in _list(body.get("chain")))
        attempts: list[cr.TenderAttempt] = []
        for number, service in enumerate(chain, start=1):
            attempt = self._tender(message, body, service, number)
            attempts.append(attempt)
            if attempt.accepted:
                break
        return Tendered(chain, tuple(attempts))

    def _tender(self, message: Message, body: Mapping[str, object], service: str,
                number: int) -> cr.TenderAttempt:
        payload = {"order_id": body.get("order_id"), "carrier_service": service,
                   "service_level": body.get("service_level"), "order": body.get("order")}
        try:
            reply = self._connectors.get(SYSTEM).call(OPERATION, payload,
                                                      f"{message.id}:{service}")
        except ConnectorRejected as error:
            return cr.TenderAttempt(number, service, "rejected", error=error.reason)
        except ConnectorError as error:
            return cr.TenderAttempt(number, service, "failed", error=str(error))
        tracking = str(reply.get("tracking_number") or reply.get("ref") or "")
        if not tracking:
            return cr.TenderAttempt(number, service, "failed",
                                    error="the TMS accepted without a tracking number")
        return cr.TenderAttempt(number, service, "accepted", tracking,
                                cr.label_ref(service, tracking))

    def apply(self, uow: UnitOfWork, message: Message, prepared: object) -> None:
        body = body_of(message)
        result = prepared if isinstance(prepared, Tendered) else Tendered((), ())
        order_id = str(body.get("order_id") or message.key)
        now = self._deps.clock.now()
        uow.tenders.add(order_id, result.attempts, now)
        accepted = result.accepted
        order = uow.picks.order(order_id, lock=True)
        if accepted is not None and order is not None and order.status is not OrderStatus.PICKED:
            uow.events.append([_void(order_id, accepted, order.status, now)])
            return
        if accepted is not None:
            uow.events.append([CarrierTendered(
                occurred_at=now, order_id=order_id, carrier_service=accepted.carrier_service,
                tracking_number=accepted.tracking_number, label_ref=accepted.label_ref,
                attempt=accepted.attempt, source_event=message.id,
                sites=_picked_by_site(uow.picks.picks(order_id)))])
            return
        self._fail(uow, message, body, order_id, result, now)

    def _fail(self, uow: UnitOfWork, message: Message, body: Mapping[str, object],
              order_id: str, result: Tendered, now: datetime) -> None:
        finding = cr.tender_failed(result.chain, result.attempts)
        customer = uow.masterdata.customer(str(body.get("customer_id") or ""))
        summary = body.get("order")
        order = summary if isinstance(summary, Mapping) else {}
        origin = CaseOrigin(order_id, customer, Decimal(str(order.get("value") or 0)),
                            _promised(order.get("requested_ship_date"), now), now,
                            source_system=SYSTEM)
        opened = open_case(self._deps, uow, finding, origin,
                           rule_version=str(body.get("rule_version") or ""),
                           details={"event_id": message.id})
        uow.events.append([opened.event, *check_orders(self._deps, uow, [order_id], now)])


def _void(order_id: str, accepted: cr.TenderAttempt, status: OrderStatus,
          now: datetime) -> TenderCancelRequested:
    """The order was held or cancelled while its tender was on its way: the label is voided."""
    return TenderCancelRequested(
        occurred_at=now, order_id=order_id, carrier_service=accepted.carrier_service,
        tracking_number=accepted.tracking_number, label_ref=accepted.label_ref,
        reason=f"the order became {status} while it was tendered")


def _picked_by_site(picks: Sequence[Pick]) -> tuple[SitePicks, ...]:
    """What each site picked (quantities above 0), for the WMS to pack and ship."""
    sites: dict[str, list[PackedLine]] = {}
    for pick in picks:
        if pick.quantity > 0:
            sites.setdefault(pick.site, []).append(
                PackedLine(pick.line_no, pick.sku, pick.quantity, pick.lot))
    return tuple(SitePicks(site, tuple(lines)) for site, lines in sorted(sites.items()))


def _list(value: object) -> Sequence[object]:
    return value if isinstance(value, list) else []


def _promised(value: object, now: datetime) -> datetime | None:
    if not isinstance(value, str):
        return None
    return datetime.combine(date.fromisoformat(value), datetime.min.time(), now.tzinfo)
