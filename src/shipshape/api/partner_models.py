"""What the trading-partner reads answer (`routes/edi_acks.py`): a partner's EDI figures, its
dashboard, every partner's figures, a partner's stored documents."""

from __future__ import annotations

from pydantic import BaseModel, Field

from shipshape.adapters.db.partner_queries import AckState
from shipshape.api.read_models import Paged


class PartnerFiguresOut(BaseModel):
    partner_id: str
    customer_id: str | None = Field(description="The customer the partner trades for")
    documents: dict[str, dict[str, int]] = Field(
        description="Documents received (`in`) and sent (`out`), counted by type")
    expecting_acknowledgement: int
    acknowledged: int
    acknowledgement_rate: float | None = Field(description="acknowledged / expecting; null "
                                                           "when nothing expects one")
    latency_p50_s: float | None
    latency_p90_s: float | None
    rejected: int
    awaiting_past_window: int
    open_cases: dict[str, int] = Field(description="Open EDI cases of the partner by code")


class PartnerCaseOut(BaseModel):
    case_id: str
    code: str
    status: str
    opened_at: str
    document: str | None = Field(description="The document type the case is about")
    control_number: str | None
    message: str


class DashboardOut(PartnerFiguresOut):
    at: str = Field(description="ISO 8601: the moment the figures are for")
    cases: list[PartnerCaseOut] = Field(description="The open EDI cases naming the partner, "
                                                    "oldest first")


class PartnerList(Paged):
    at: str = Field(description="ISO 8601: the moment the figures are for")
    partners: list[PartnerFiguresOut]


class PartnerDocumentOut(BaseModel):
    document_id: int
    direction: str
    doc_type: str
    control_number: str
    created_at: str = Field(description="When the document was stored (sent or received)")
    age_s: float = Field(description="Seconds from `created_at` to the list's `at`")
    ack_state: AckState | None = Field(
        description="Where its acknowledgement stands: the stored status, `missing` for one "
                    "still awaiting after the partner's window; null for what we received")
    ack_due_at: str | None
    acknowledged_at: str | None
    resend_of: int | None = Field(description="The document this one sends again")
    case_id: str | None = Field(description="The case its acknowledgement (or its absence) "
                                            "opened")
    case_code: str | None
    case_status: str | None


class PartnerDocumentList(Paged):
    partner_id: str
    at: str = Field(description="ISO 8601: the moment the ages and states are for")
    documents: list[PartnerDocumentOut]
