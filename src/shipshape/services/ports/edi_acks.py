"""What acknowledgement matching, the missing-acknowledgement sweep and the desk's resend need
from the store: outbound documents with their acknowledgement state."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from shipshape.domain.partners import TradingPartner


@dataclass(frozen=True, slots=True)
class SentDocument:
    """An outbound EDI document as stored, with what its partner said of it."""

    id: int
    partner_id: str
    doc_type: str
    control_number: str
    content: str
    created_at: datetime
    ack_key: str | None
    ack_status: str | None
    ack_due_at: datetime | None
    acknowledged_at: datetime | None
    ack_case_id: str | None
    resend_of: int | None


class EdiAckStore(Protocol):
    def sent_by_ack_key(self, partner_id: str, ack_key: str) -> list[SentDocument]:
        """The partner's outbound documents under this acknowledgement key, newest first."""
        ...

    def partner(self, partner_id: str) -> TradingPartner | None: ...

    def partner_customer(self, partner_id: str) -> str | None:
        """The customer a partner trades for (None for an unknown partner)."""
        ...

    def sent_document(self, document_id: int, lock: bool = False) -> SentDocument | None: ...

    def overdue_documents(self, now: datetime, limit: int) -> list[SentDocument]:
        """Documents still awaiting an acknowledgement whose window closed before `now` and
        that have no EDI_ACK_MISSING case yet, oldest first."""
        ...

    def set_acknowledged(self, document_id: int, status: str, at: datetime,
                         detail: Mapping[str, object]) -> None: ...

    def set_ack_case(self, document_id: int, case_id: str, status: str | None = None) -> None:
        """Name the document's open case (and change its status when given)."""
        ...

    def store_resend(self, original: SentDocument, control_number: str, content: str,
                     at: datetime) -> int:
        """The document sent again under a new control number, linked to `original`; its id."""
        ...


class DocumentRebuilder(Protocol):
    """Builds a document we sent again, from the current data, under a new control number."""

    def rebuild(self, document: SentDocument, partner: TradingPartner, control_number: int,
                at: datetime) -> str:
        """The new document's text; `InvalidInput` when the data still cannot make it."""
        ...
