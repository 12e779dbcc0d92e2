"""What EDI and wave release need from the store."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

from shipshape.domain.findings import Finding
from shipshape.domain.orders import OrderStatus
from shipshape.domain.partners import TradingPartner
from shipshape.domain.waves import WaveCandidate
from shipshape.services.ports.edi_acks import EdiAckStore


@dataclass(frozen=True, slots=True)
class InterchangeRecord:
    partner_id: str
    standard: str
    control_number: str
    content_hash: str
    status: str
    order_ids: tuple[str, ...]
    received_at: datetime


class EdiStore(EdiAckStore, Protocol):
    def lock_partner(self, partner_id: str) -> None:
        """Serialise this partner's interchanges until the transaction ends."""
        ...
    def partner_by_x12(self, qualifier: str, isa_id: str) -> TradingPartner | None: ...
    def partner_by_edifact(self, edifact_id: str) -> TradingPartner | None: ...
    def upsert_partner(self, partner: TradingPartner) -> None: ...
    def seen_interchange(
        self, partner_id: str, standard: str, control_number: str, since: datetime
    ) -> bool: ...
    def holds_copy(
        self, partner_id: str, standard: str, control_number: str, content_hash: str
    ) -> bool:
        """Whether the bytes of this interchange (by content hash) are stored already."""
        ...
    def record_interchange(self, record: InterchangeRecord) -> int: ...
    def next_control_number(self, partner_id: str, kind: str) -> int: ...
    def store_document(
        self, partner_id: str, direction: str, doc_type: str, control_number: str,
        interchange_id: int | None, content: str, at: datetime,
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class WaveEntry:
    """One order of a wave: `outcome` released or pulled, `reasons` its findings as JSON."""

    order_id: str
    outcome: str
    reasons: list[dict[str, object]]


@dataclass(frozen=True, slots=True)
class WaveRecord:
    id: str
    site: str
    trigger: str
    status: str
    check_ms: float
    created_at: datetime
    entries: tuple[WaveEntry, ...]


@dataclass(frozen=True, slots=True)
class OpenOrder:
    """An order of a customer that is not yet shipped, with the sites of its reservations."""

    id: str
    status: OrderStatus
    value: Decimal
    requested_ship_date: date | None
    sites: tuple[str, ...]


class WaveStore(Protocol):
    """Waves and what releasing them reads and writes, batched for a whole wave."""

    def lock_due(self, site: str, limit: int) -> list[str]:
        """Ids of up to `limit` orders due at `site`, best first (`domain/waves.py`), locked
        until the transaction ends; rows another transaction has locked are skipped."""
        ...
    def candidates(self, site: str, order_ids: Sequence[str]) -> list[WaveCandidate]:
        """Those of `order_ids` still due at `site`, as stored now, with their reservations
        at `site`."""
        ...
    def stock(self, site: str, skus: Iterable[str]
              ) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], int]]:
        """(on hand, reserved by orders still holding stock), per (site, sku)."""
        ...
    def holders(self, site: str, sku: str) -> list[tuple[str, int]]:
        """(order id, units held) of the held and accepted orders holding `sku` at `site`: held
        ones first, then last in wave order first."""
        ...
    def exposures(self, customer_ids: Iterable[str]) -> dict[str, Decimal]: ...
    def add(self, wave: WaveRecord) -> None: ...
    def set_status(self, order_ids: Sequence[str], status: OrderStatus, at: datetime) -> None: ...
    def add_findings(self, findings: Mapping[str, Sequence[Finding]], stage: str,
                     at: datetime) -> None: ...
    def open_orders_of(self, customer_id: str) -> list[OpenOrder]:
        """The customer's accepted, released and picked orders, locked until the transaction
        ends (a wave holding one of them is waited for)."""
        ...
