"""The returns store: authorisations, their receipt and credit, and the stock they move."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol

from shipshape.domain.returns import InvoicedLine, ReturnLine, ReturnRecord, ReturnStatus


class ReturnStore(Protocol):
    def add(self, record: ReturnRecord, at: datetime) -> None: ...
    def get(self, return_id: str, lock: bool = False) -> ReturnRecord | None: ...
    def of_order(self, order_id: str) -> list[ReturnRecord]: ...
    def covered(self, order_id: str) -> dict[tuple[int, str], int]:
        """Units of live returns per (line, shipment)."""
        ...
    def record_receipt(self, return_id: str, lines: Sequence[ReturnLine], status: ReturnStatus,
                       source_event: str, at: datetime) -> None: ...
    def record_credit(self, return_id: str, line: ReturnLine, credit_note_id: str) -> None: ...
    def record_settlement(self, return_id: str, line: ReturnLine, units: int,
                          credit_note_id: str) -> None:
        """The desk credited `units` of the line by `credit_note_id`, settling its dispute."""
        ...
    def set_status(self, return_id: str, status: ReturnStatus, at: datetime) -> None: ...
    def invoiced(self, shipment_ids: Iterable[str]) -> list[InvoicedLine]:
        """The lines of the shipments' live invoices (kind invoice, not credited), with the
        units credit notes credited of each."""
        ...
    def restock(self, site: str, sku: str, quantity: int, reference: str,
                at: datetime) -> None:
        """Units back in available stock: on hand grows, a `return` movement."""
        ...
    def hold(self, site: str, sku: str, kind: str, quantity: int, reference: str,
             at: datetime) -> None:
        """Units held back from sale (`quarantine` or `scrap`): the held counter grows, a
        movement of that kind."""
        ...
