"""The catalogue of domain events: a sample of every type (and of every payload variant a
service writes), whose payload has exactly the keys the service writes today, whose links are
of the declared object types, and whose links rebuilt from the stored payload are the same."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import NamedTuple

import pytest

from shipshape.domain import catalogue as cat
from shipshape.domain import risk
from shipshape.domain.amendment import LineChange
from shipshape.domain.billing import Invoice, InvoiceLine, Party
from shipshape.domain.catalogue.edi_acks import (
    EdiAcknowledgementUnmatched,
    EdiDocumentAcknowledged,
    EdiDocumentResent,
)
from shipshape.domain.delivery import DiscrepantLine
from shipshape.domain.findings import Kind, Team, block, warn
from shipshape.domain.inventory import Reservation
from shipshape.domain.returns import ReturnLine
from shipshape.domain.shipments import ShippedLine

AT = datetime(2025, 3, 4, 10, 30, tzinfo=UTC)
ON_ORDER = {"occurred_at": AT, "order_id": "ord_1"}
"""What every sample on an order's timeline shares."""
RES = (Reservation(1, "DAL", "SKU-1", 5), Reservation(2, "ATL", "SKU-2", 3))
INVOICE = Invoice(number="inv_1", order_id="ord_1", customer_id="C1", customer_po="PO-9",
                  invoice_date=date(2025, 3, 4), bill_to=Party("Acme", "C1"),
                  remit_to=Party("Shipshape"), shipment_id="shp_1",
                  lines=(InvoiceLine(1, "SKU-1", 5, Decimal("2.50")),), freight=Decimal("10"))
RETURNED = ReturnLine(1, "shp_1", "DAL", "SKU-1", 2, good=1, damaged=1, accepted=2)
BODY = {"invoice_id", "order_id", "shipment_id", "customer_id", "customer_po", "invoice_date",
        "currency", "payment_terms", "lines", "subtotal", "freight", "tax", "total"}
"""The keys of `invoicing.invoice_body`."""


class Sample(NamedTuple):
    event: cat.DomainEvent
    keys: set[str]
    """The payload keys the service that writes this variant writes today."""
    variant: str = ""


SAMPLES = [
    # services/intake.py
    Sample(cat.OrderReceived(**ON_ORDER, channel="api", external_id="X-1", customer_id="C1",
                             customer_po="PO-9", line_count=2, value=Decimal("42.50")),
           {"channel", "external_id", "customer_id", "customer_po", "lines", "value"}),
    Sample(cat.ControlsEvaluated(**ON_ORDER, rule_version="r7", findings=(
        block("NO_STOCK", Kind.BUSINESS, Team.WAREHOUSE, "short", line_nos=[2]),
        warn("PAST_SHIP_DATE", Kind.DATA_QUALITY, Team.CUSTOMER_SERVICE, "late"))),
           {"rule_version", "findings"}),
    Sample(cat.StockReserved(**ON_ORDER, reservations=RES), {"reservations"}),
    Sample(cat.StockReleased(**ON_ORDER, reservations=RES, reason="count"),
           {"reservations", "reason"}),
    Sample(cat.OrderAccepted(**ON_ORDER, from_status="received", to_status="accepted", blocking=()),
           {"from", "to", "blocking"}),
    Sample(cat.OrderHeld(**ON_ORDER, from_status="received", to_status="held",
                         blocking=("NO_STOCK",)), {"from", "to", "blocking"}),
    Sample(cat.DuplicateOrderReceived(**ON_ORDER, channel="edi", external_id="X-1",
                                      case_id="exc_1"),
           {"channel", "external_id", "case_id"}),
    # domain/cases.py
    Sample(cat.ExceptionOpened(**ON_ORDER, case_id="exc_1", code="NO_STOCK", owner_team="warehouse",
                               stage="allocate", sla_due_at=AT),
           {"case_id", "code", "owner_team", "stage", "sla_due_at"}),
    Sample(cat.ExceptionOpened(occurred_at=AT, case_id="exc_2", code="INTEGRATION_FAILURE",
                               owner_team="integration", stage="validate", sla_due_at=AT),
           {"case_id", "code", "owner_team", "stage", "sla_due_at"}, "without an order"),
    # services/cases.py
    Sample(cat.ExceptionRecurred(**ON_ORDER, case_id="exc_1", code="NO_STOCK", occurrences=2),
           {"case_id", "code", "occurrences"}),
    # services/desk
    Sample(cat.ExceptionAssigned(**ON_ORDER, case_id="exc_1", actor="ann", owner_team="warehouse",
                                 queue="warehouse-stock", assignee="bob", reason="routed"),
           {"case_id", "actor", "owner_team", "queue", "assignee", "reason"}),
    Sample(cat.ExceptionPaused(**ON_ORDER, case_id="exc_1", actor="ann", waiting_on="customer",
                               reason="asked about a split"),
           {"case_id", "actor", "waiting_on", "reason"}),
    Sample(cat.ExceptionResumed(**ON_ORDER, case_id="exc_1", actor="ann", paused_s=600),
           {"case_id", "actor", "paused_s"}),
    Sample(cat.ExceptionEscalated(occurred_at=AT, case_id="exc_2", actor="shipshape", level=1,
                                  step="notify", jeopardy="at_risk", owner_team="integration",
                                  queue="integration", priority="high"),
           {"case_id", "actor", "level", "step", "jeopardy", "owner_team", "queue", "priority"},
           "without an order"),
    Sample(cat.ExceptionActed(**ON_ORDER, case_id="exc_1", actor="ann", action="approve_split",
                              reason_code="CUSTOMER_CONSENT", details={"lines": [2]}),
           {"case_id", "actor", "action", "reason_code", "details"}),
    Sample(cat.ExceptionResolved(**ON_ORDER, case_id="exc_1", actor="ann", code="NO_STOCK",
                                 status="resolved", action="approve_split", reason="consent",
                                 root_cause="forecast", rework_minutes=5),
           {"case_id", "actor", "code", "status", "action", "reason", "root_cause",
            "rework_minutes", "expedited_freight", "invoice_correction"}),
    # services/recommendations.py
    Sample(cat.RecommendationAccepted(**ON_ORDER, case_id="exc_1", actor="ann",
                                      code="PARTIAL_AVAILABILITY", rank=1,
                                      recommendation="approve_split", action="approve_split",
                                      parameters={}, reasons=("ships complete",), service=3,
                                      margin="15000.00", outcome="accepted",
                                      reason="RECOMMENDATION"),
           {"case_id", "actor", "code", "rank", "recommendation", "action", "parameters",
            "reasons", "service", "margin", "outcome", "reason"}),
    Sample(cat.RecommendationRejected(**ON_ORDER, case_id="exc_1", actor="ann",
                                      code="CARRIER_TENDER_FAILED", rank=2,
                                      recommendation="retender;carrier_service=DHL:EXP",
                                      action="retender",
                                      parameters={"carrier_service": "DHL:EXP"},
                                      reasons=("not tried",), service=3, margin="100.00",
                                      outcome="rejected", reason="too dear"),
           {"case_id", "actor", "code", "rank", "recommendation", "action", "parameters",
            "reasons", "service", "margin", "outcome", "reason"}),
    # services/picking.py, shipping.py, billing.py; release.py; payments.py
    Sample(cat.OrderStatusChanged(**ON_ORDER, from_status="released", to_status="picked",
                                  reason="picked in full", webhook_id="wh_1"),
           {"from", "to", "reason", "webhook_id"}),
    Sample(cat.OrderStatusChanged(**ON_ORDER, from_status="released", to_status="held",
                                  reason="CREDIT_HOLD_AFTER_RELEASE", webhook_id="wh_1",
                                  case_id="exc_1"),
           {"from", "to", "reason", "case_id", "webhook_id"}, "credit hold"),
    Sample(cat.OrderStatusChanged(**ON_ORDER, from_status="invoiced", to_status="closed",
                                  reason="every invoice paid", webhook_id="wh_1",
                                  credit_released=Decimal("42.50")),
           {"from", "to", "reason", "credit_released", "webhook_id"}, "closed"),
    # services/cancellation.py, amendment.py
    Sample(cat.OrderCancelled(**ON_ORDER, from_status="accepted", to_status="cancelled",
                              reason="asked", actor="ops", compensations=("unreserve",),
                              reservations_released=RES, credit_released=Decimal("42.5"),
                              cases_closed=("exc_1",)),
           {"from", "to", "reason", "actor", "compensations", "reservations_released",
            "credit_released", "cases_closed"}),
    Sample(cat.OrderAmended(**ON_ORDER, actor="ops", lines=(LineChange(1, "SKU-1", 5, 7),),
                            value_before=Decimal("42.5"), value_after=Decimal("47.5"),
                            reservations_released=(), reservations_added=RES[:1]),
           {"actor", "lines", "value_before", "value_after", "reservations_released",
            "reservations_added"}),
    # services/release.py
    Sample(cat.OrderReleased(**ON_ORDER, wave_id="wave_1", site="DAL", from_status="accepted",
                             to_status="released"), {"wave_id", "site", "from", "to"}),
    Sample(cat.OrderPulledFromWave(**ON_ORDER, wave_id="wave_1", site="DAL", from_status="accepted",
                                   to_status="held", codes=("CREDIT_HOLD",),
                                   case_ids=("exc_1",)),
           {"wave_id", "site", "from", "to", "codes", "cases"}),
    Sample(cat.WaveReleased(occurred_at=AT, wave_id="wave_1", site="DAL", trigger="demand",
                            orders=(cat.WaveOrder("ord_1", "C1", date(2025, 3, 5), None,
                                                  (cat.WaveLine(1, "SKU-1", 5),)),)),
           {"wave_id", "site", "trigger", "orders"}),
    Sample(cat.TaskCancelRequested(**ON_ORDER, sites=("DAL",), reason="CREDIT_HOLD_AFTER_RELEASE",
                                   case_id="exc_1"), {"order_id", "sites", "reason", "case_id"}),
    Sample(cat.TaskCancelRequested(**ON_ORDER, sites=(), reason="order cancelled: asked",
                                   for_cancellation=True),
           {"order_id", "sites", "reason"}, "cancellation"),
    # services/picking.py
    Sample(cat.PickConfirmed(**ON_ORDER, site="DAL", webhook_id="wh_1", reported_at=AT, lines=(
        cat.PickedLine(1, "SKU-1", 5, 4, (cat.PickedLot("L1", date(2026, 1, 1), 4),)),)),
           {"site", "webhook_id", "occurred_at", "lines"}),
    Sample(cat.ShortPickResourced(**ON_ORDER, line_no=1, sku="SKU-1", site="DAL", case_id="exc_1",
                                  quantity=1, moved_to=(cat.SiteQuantity("ATL", 1),)),
           {"line_no", "sku", "site", "case_id", "quantity", "to"}),
    Sample(cat.ShortPickBackordered(**ON_ORDER, line_no=1, sku="SKU-1", site="DAL", case_id=None,
                                    quantity=1),
           {"line_no", "sku", "site", "case_id", "quantity"}),
    Sample(cat.LotNonCompliant(**ON_ORDER, site="DAL", case_id="exc_1",
                               needed_until=date(2025, 9, 1),
                               lots=(cat.LotRecord(1, "SKU-1", "L1", date(2025, 6, 1), 4),)),
           {"site", "case_id", "needed_until", "lots"}),
    # services/tendering.py, cancellation.py
    Sample(cat.CarrierTenderRequested(
        **ON_ORDER, chain=("UPS:GROUND", "FDX:2DAY"), customer_id="C1", preferred=None,
        service_level="standard", rule_version="c3",
        goods=cat.TenderedGoods(Decimal("12.5"), False, "US", Decimal("42.50"), None,
                                (cat.TenderLine(1, "SKU-1", 5),))),
           {"order_id", "chain", "customer_id", "preferred", "service_level", "rule_version",
            "order"}),
    Sample(cat.CarrierTendered(**ON_ORDER, carrier_service="UPS:GROUND", tracking_number="1Z",
                               label_ref="lbl", attempt=1, source_event="evt_1",
                               sites=(cat.SitePicks("DAL", (cat.PackedLine(1, "SKU-1", 4,
                                                                          "L1"),)),)),
           {"order_id", "carrier_service", "tracking_number", "label_ref", "attempt",
            "source_event", "sites"}),
    Sample(cat.TenderCancelRequested(**ON_ORDER, carrier_service="UPS:GROUND", tracking_number="1Z",
                                     label_ref="lbl", reason="order cancelled: asked"),
           {"order_id", "carrier_service", "tracking_number", "label_ref", "reason"}),
    # services/shipping.py
    Sample(cat.ShipmentConfirmed(**ON_ORDER, shipment_id="shp_1", site="DAL",
                                 ship_date=date(2025, 3, 4), carrier_service="UPS:GROUND",
                                 tracking_number="1Z", label_ref=None, webhook_id="wh_1",
                                 lines=(ShippedLine(1, "SKU-1", 4, 4),)),
           {"shipment_id", "site", "ship_date", "carrier_service", "tracking_number",
            "label_ref", "webhook_id", "lines"}),
    # services/delivery_facts.py, delivery_actions.py
    Sample(cat.DeliveryMilestone(**ON_ORDER, shipment_id="shp_1", milestone="in_transit",
                                 webhook_id="wh_1"),
           {"order_id", "shipment_id", "milestone", "webhook_id"}),
    Sample(cat.ShipmentDelivered(**ON_ORDER, shipment_id="shp_1", delivered_at=AT,
                                 pod_reference="POD-1", signee="J. Smith", on_time=True,
                                 webhook_id="wh_1"),
           {"order_id", "shipment_id", "delivered_at", "pod_reference", "signee", "on_time",
            "webhook_id"}),
    Sample(cat.DeliveryFailed(**ON_ORDER, shipment_id="shp_1", reason="no one home", attempt=1,
                              webhook_id="wh_1"),
           {"order_id", "shipment_id", "reason", "attempt", "webhook_id"}),
    Sample(cat.DeliveryDiscrepancy(**ON_ORDER, shipment_id="shp_1",
                                   lines=(DiscrepantLine(1, 2, 1),), webhook_id="wh_1"),
           {"order_id", "shipment_id", "lines", "webhook_id"}),
    Sample(cat.RedeliveryRequested(**ON_ORDER, shipment_id="shp_1", carrier_service="UPS:GROUND",
                                   tracking_number="1Z", actor="ann"),
           {"order_id", "shipment_id", "carrier_service", "tracking_number", "actor"}),
    # services/billing.py, payments.py, crediting.py
    Sample(cat.InvoiceIssued(occurred_at=AT, invoice=INVOICE), BODY),
    Sample(cat.InvoicePostRequested(occurred_at=AT, invoice=INVOICE), BODY),
    Sample(cat.InvoicePosted(**ON_ORDER, invoice_id="inv_1", erp_ref="E-1", webhook_id="wh_1",
                             erp_total="22.50", total=Decimal("22.50"), credited=False),
           {"invoice_id", "erp_ref", "webhook_id", "erp_total", "total", "credited"}),
    Sample(cat.InvoiceRejected(**ON_ORDER, invoice_id="inv_1", reason="no", case_id="exc_1"),
           {"invoice_id", "reason", "case_id", "webhook_id"}),
    Sample(cat.InvoiceRejected(**ON_ORDER, invoice_id="inv_1", reason="no", webhook_id="wh_1",
                               credited=True),
           {"invoice_id", "reason", "credited", "webhook_id"}, "credited"),
    Sample(cat.PaymentReceived(**ON_ORDER, invoice_id="inv_1", amount=Decimal("22.5"),
                               paid=Decimal("22.5"), total=Decimal("22.50"), webhook_id="wh_1"),
           {"invoice_id", "amount", "paid", "total", "webhook_id"}),
    Sample(cat.CreditNoteIssued(occurred_at=AT, note=INVOICE, credits="inv_0", reason="wrong",
                                actor="ops"),
           BODY | {"credit_note_id", "credits", "reason", "actor"}),
    Sample(cat.CreditNoteIssued(occurred_at=AT, note=INVOICE, credits="inv_0",
                                reason="return rma_1 (DAMAGED)", actor="system:wms",
                                return_id="rma_1"),
           BODY | {"credit_note_id", "credits", "reason", "actor", "return_id"}, "return"),
    # services/returns.py
    Sample(cat.ReturnAuthorised(**ON_ORDER, return_id="rma_1", customer_id="C1",
                                reason="DAMAGED", actor="ann", lines=(RETURNED,)),
           {"order_id", "return_id", "customer_id", "reason", "actor", "lines"}),
    Sample(cat.ReturnReceived(**ON_ORDER, return_id="rma_1", customer_id="C1",
                              status="credited", webhook_id="wh_9", lines=(RETURNED,)),
           {"order_id", "return_id", "customer_id", "status", "webhook_id", "lines"}),
    Sample(cat.ReturnDisputed(**ON_ORDER, return_id="rma_1", customer_id="C1",
                              differences=("line 1: 2 authorised, 1 received",)),
           {"order_id", "return_id", "customer_id", "differences"}),
    # services/edi_outbound.py
    Sample(cat.AsnSent(**ON_ORDER, partner="P1", control_number=7, source_event="evt_1",
                       shipment_id="shp_1", sscc="000123"),
           {"document", "partner", "control_number", "source_event", "shipment_id", "sscc"}),
    Sample(cat.EdiInvoiceSent(**ON_ORDER, partner="P1", control_number=8, source_event="evt_2",
                              invoice_id="inv_1", shipment_id="shp_1"),
           {"document", "partner", "control_number", "source_event", "invoice_id",
            "shipment_id"}),
    Sample(cat.EdiDocumentNotSent(**ON_ORDER, document="856", partner="P1", standard="EDIFACT",
                                  reason="r", shipment_id="shp_1"),
           {"document", "partner", "standard", "reason", "shipment_id"}),
    Sample(cat.EdiDocumentNotSent(**ON_ORDER, document="810", partner="P1", standard="none",
                                  reason="r", shipment_id="shp_1", invoice_id="inv_1"),
           {"document", "partner", "standard", "reason", "invoice_id", "shipment_id"}, "810"),
    Sample(cat.EdiDocumentFailed(**ON_ORDER, document="810", partner="P1", reason="no PO",
                                 case_id="exc_1", shipment_id=None, invoice_id="inv_1"),
           {"document", "partner", "reason", "case_id", "invoice_id", "shipment_id"}),
    Sample(cat.OrderResponseSent(**ON_ORDER, partner="P1", control_number=9,
                                 source_event="evt_3", answers="OrderAccepted", response="AD"),
           {"document", "partner", "control_number", "source_event", "answers", "response"}),
    # services/edi_ack_intake.py, services/edi_resend.py
    Sample(EdiDocumentAcknowledged(occurred_at=AT, partner="P1", document="810",
                                   control_number="8", acknowledgement="997", ack_control="90",
                                   status="rejected", latency_s=60.0, errors=("e",),
                                   case_id="exc_1"),
           {"partner", "document", "control_number", "acknowledgement", "ack_control",
            "status", "latency_s", "errors", "case_id"}),
    Sample(EdiAcknowledgementUnmatched(occurred_at=AT, partner="P1", acknowledgement="997",
                                       ack_control="91", reference="4242", functional_id="SH",
                                       status="accepted"),
           {"partner", "acknowledgement", "ack_control", "reference", "functional_id",
            "status"}),
    Sample(EdiDocumentResent(occurred_at=AT, partner="P1", document="810",
                             control_number="9", previous_control="8", document_id=2,
                             resend_of=1, actor="ann", reason="fixed", case_id="exc_1"),
           {"partner", "document", "control_number", "previous_control", "document_id",
            "resend_of", "actor", "reason", "case_id"}),
    # services/edi_changes.py
    Sample(cat.EdiOrderChangeReceived(
        **ON_ORDER, partner="P1", control_number="000000902", document="860", reference="0001",
        purpose="change", po_number="PO-1", release=None, outcome="held_for_desk",
        reason="released", lines=({"line_no": 1, "verdict": "held"},), case_id="exc_1"),
        {"partner", "control_number", "document", "reference", "purpose", "po_number",
         "release", "outcome", "reason", "lines", "order_id", "case_id"}),
    Sample(cat.EdiOrderChangeReceived(
        occurred_at=AT, partner="P1", control_number="000000942", document="ORDCHG",
        reference="1", purpose="cancel", po_number="PO-X", release=None, outcome="refused",
        reason="no order"),
        {"partner", "control_number", "document", "reference", "purpose", "po_number",
         "release", "outcome", "reason", "lines"}, "for no order"),
    # services/customer_notices.py
    Sample(cat.CustomerNotified(**ON_ORDER, customer_id="C1", kind="shipped", status="sent",
                                channel="email", recipient="a***@example.com",
                                message_id="ntc_evt_1", source_event="evt_1",
                                source_type="ShipmentConfirmed", language="de"),
           {"customer_id", "kind", "status", "channel", "recipient", "message_id",
            "source_event", "source_type", "language"}),
    Sample(cat.CustomerNotified(**ON_ORDER, customer_id="C1", kind="shipped", status="skipped",
                                channel="email", recipient="", message_id="ntc_evt_1",
                                source_event="evt_1", source_type="ShipmentConfirmed",
                                language="en", reason="opted out of shipped"),
           {"customer_id", "kind", "status", "channel", "recipient", "message_id",
            "source_event", "source_type", "language", "reason"}, "skipped"),
    # services/promise.py
    Sample(cat.OrderPromised(**ON_ORDER, promised_date=date(2026, 12, 7),
                             ship_on=date(2026, 12, 4), transit_days=3),
           {"promised_date", "ship_on", "transit_days"}),
    Sample(cat.PromiseAtRisk(**ON_ORDER, promised_date=date(2026, 12, 7),
                             projected_date=date(2026, 12, 8), cause="held", case_id="exc_1"),
           {"promised_date", "projected_date", "cause", "case_id"}),
    Sample(cat.PromiseRecovered(**ON_ORDER, promised_date=date(2026, 12, 7),
                                projected_date=date(2026, 12, 7), state="on_track"),
           {"promised_date", "projected_date", "state"}),
    # services/reconciliation.py
    Sample(cat.ReconciliationRun(occurred_at=AT, run_id="rec_1", repair=True,
                                 ack_timeout_s=900.0, findings=1,
                                 totals={"SHIPPED_NOT_INVOICED": 1}, actions={"repaired": 1}),
           {"run_id", "repair", "ack_timeout_s", "findings", "totals", "actions"}),
    Sample(cat.ReconciliationFinding(**ON_ORDER, run_id="rec_1", code="SHIPPED_NOT_INVOICED",
                                     subject="shp_1", shipment_id="shp_1", invoice_id=None,
                                     message="m", action="repaired", case_id=None),
           {"run_id", "code", "subject", "shipment_id", "invoice_id", "message", "action",
            "case_id"}),
    # services/delivery/outbound.py, billing.py; dead_letters.py; inbound.py
    Sample(cat.SystemCalled(occurred_at=AT, key="wave_1", system="wms",
                            operation="wave_release", source_event="evt_1",
                            source_type="WaveReleased", reply={"ok": True}),
           {"system", "operation", "source_event", "source_type", "reply"}),
    Sample(cat.SystemCalled(occurred_at=AT, key="ord_1", system="erp",
                            operation="invoice_posting", source_event="evt_2",
                            source_type="InvoiceIssued", reply={}, invoice_id="inv_1"),
           {"system", "operation", "source_event", "source_type", "invoice_id", "reply"},
           "invoice posting"),
    Sample(cat.IntegrationFailed(occurred_at=AT, key="ord_1", consumer="erp-order-mirror",
                                 event_id="evt_1", system="erp", operation="order_mirror",
                                 dead_letter=3, case_id="exc_1", error="down"),
           {"consumer", "event_id", "system", "operation", "dead_letter", "case_id", "error"}),
    Sample(cat.IntegrationFailed(occurred_at=AT, key="wave_1", key_type="wave",
                                 consumer="wms-wave-release", event_id="evt_1", system="wms",
                                 operation="wave_release", dead_letter=4, case_id="exc_1",
                                 error="down"),
           {"consumer", "event_id", "system", "operation", "dead_letter", "case_id", "error"},
           "wave"),
    Sample(cat.SystemEventReceived(**ON_ORDER, system="wms", webhook_id="wh_1",
                                   event_type="pick_confirmed", reported_at=AT, stale=False),
           {"system", "webhook_id", "event_type", "occurred_at", "stale"}),
    Sample(cat.SystemEventRefused(**ON_ORDER, system="tms", webhook_id="wh_1",
                                  event_type="invoice_posted", reported_at=AT, case_id="exc_1"),
           {"system", "webhook_id", "event_type", "occurred_at", "case_id"}),
    # services/risk.py (capture) and services/release_risk.py (release)
    Sample(cat.OrderRiskScored(**ON_ORDER, stage="capture", rule_version="r7",
                               assessment=risk.scored(0.9, "v1", (("total_quantity", 1.2),)),
                               decided=("HIGH_RISK_ORDER",)),
           {"risk_stage", "risk_status", "risk_score", "risk_model", "risk_reasons",
            "rule_version", "risk_decided", "reason"}),
    Sample(cat.OrderRiskScored(**ON_ORDER, stage="release", rule_version="risk_review@1",
                               assessment=risk.unavailable(risk.RiskStatus.STALE, "old", "v1"),
                               wave_id="wave_1"),
           {"risk_stage", "risk_status", "risk_score", "risk_model", "risk_reasons",
            "rule_version", "risk_decided", "reason", "detail", "wave_id"}, "release"),
    # services/text_cases.py
    Sample(cat.MessageClassified(**ON_ORDER, case_id="exc_1", actor="dana", source="email",
                                 reference="msg-1", text="crushed cartons", label="damaged",
                                 code="DAMAGED_ON_DELIVERY", owner_team="transport",
                                 confidence=0.93, threshold=0.6, triage=False, attached=False,
                                 top=({"label": "damaged", "confidence": 0.93},),
                                 model_version="text-1"),
           {"case_id", "actor", "source", "reference", "text", "label", "code", "owner_team",
            "confidence", "threshold", "triage", "attached", "top", "reason", "rule_version"}),
    Sample(cat.MessageClassified(occurred_at=AT, case_id="exc_2", actor="dana",
                                 source="carrier", reference=None, text="?", label="late",
                                 code="TEXT_TRIAGE", owner_team="customer_service",
                                 confidence=0.3, threshold=0.6, triage=True, attached=False,
                                 top=(), model_version="text-1"),
           {"case_id", "actor", "source", "reference", "text", "label", "code", "owner_team",
            "confidence", "threshold", "triage", "attached", "top", "reason", "rule_version"},
           "triage without an order"),
]
IDS = [f"{s.event.TYPE} {s.variant}".strip() for s in SAMPLES]
EVENTS = {name: sample.event for name, sample in zip(IDS, SAMPLES, strict=True)}
"""The samples by type and variant, e.g. `OrderStatusChanged closed`."""


def test_every_type_has_declared_object_types_and_its_own_name() -> None:
    for name, cls in cat.CATALOGUE.items():
        assert cls.__name__ == name
        assert cls.OBJECT_TYPES, name
        assert set(cls.OBJECT_TYPES) <= cat.ALL_OBJECT_TYPES, name


def test_every_type_has_a_sample() -> None:
    assert {s.event.TYPE for s in SAMPLES} == set(cat.CATALOGUE)


@pytest.mark.parametrize("sample", SAMPLES, ids=IDS)
def test_an_event_links_only_to_objects_of_its_declared_types(sample: Sample) -> None:
    objects = sample.event.objects()
    assert objects
    assert {o.type for o in objects} <= set(sample.event.OBJECT_TYPES)


@pytest.mark.parametrize("sample", SAMPLES, ids=IDS)
def test_the_payload_is_json_with_the_keys_the_service_writes(sample: Sample) -> None:
    payload = sample.event.payload()
    json.dumps(payload)
    assert set(payload) == sample.keys


@pytest.mark.parametrize("sample", SAMPLES, ids=IDS)
def test_a_stored_event_gets_the_links_of_the_new_one(sample: Sample) -> None:
    event = sample.event
    stored = json.loads(json.dumps(event.payload()))
    assert cat.objects_of_stored(event.TYPE, event.stream, stored) == event.objects()


def test_describe_lists_every_type_with_its_fields_and_object_types() -> None:
    described = {entry["name"]: entry for entry in cat.describe()}
    assert set(described) == set(cat.CATALOGUE)
    assert described["WaveReleased"] == {
        "name": "WaveReleased", "stage": "release",
        "fields": [{"name": "occurred_at", "type": "datetime"},
                   {"name": "wave_id", "type": "str"}, {"name": "site", "type": "str"},
                   {"name": "trigger", "type": "str"},
                   {"name": "orders", "type": "tuple[WaveOrder, ...]"}],
        "objects": ["wave", "site", "order", "line", "customer"]}


def test_events_about_a_wave_a_run_or_a_case_alone_belong_to_no_order() -> None:
    for name, stream in [("WaveReleased", "wave_1"), ("ReconciliationRun", "rec_1"),
                         ("SystemCalled", "wave_1"), ("IntegrationFailed wave", "wave_1"),
                         ("ExceptionOpened without an order", "exc_2")]:
        assert (EVENTS[name].order_id, EVENTS[name].stream) == (None, stream), name
    for name in ["SystemCalled invoice posting", "IntegrationFailed", "InvoiceIssued"]:
        assert (EVENTS[name].order_id, EVENTS[name].stream) == ("ord_1", "ord_1"), name


def test_a_case_without_an_order_stored_under_no_key_links_to_the_case_alone() -> None:
    payload = {"case_id": "exc_2", "code": "X"}
    assert cat.objects_of_stored("ExceptionOpened", "", payload) == (
        cat.ObjectRef("case", "exc_2", "case"),)


def test_links_of_a_stored_event_with_an_odd_payload_fall_back_to_its_order() -> None:
    odd = {"lines": "three", "orders": [1, None], "reservations": {"line_no": 1},
           "chain": None, "sites": [{"lines": 7}], "findings": [{"line_nos": "1"}]}
    order = cat.ObjectRef("order", "ord_1", "order")
    for name in cat.CATALOGUE:
        assert cat.objects_of_stored(name, "ord_1", odd), name
        assert cat.objects_of_stored(name, "ord_1", {}), name
    assert cat.objects_of_stored("SomethingNew", "ord_1", {}) == (order,)
    assert cat.objects_of_stored("SomethingNew", "", {}) == ()


def test_amounts_and_dates_are_written_as_the_services_write_them() -> None:
    closed, cancelled, pick = (EVENTS[name].payload() for name in (
        "OrderStatusChanged closed", "OrderCancelled", "PickConfirmed"))
    assert closed["credit_released"] == "42.50"
    assert cancelled["credit_released"] == "42.50"  # cancellation's money_text: cents
    assert pick["occurred_at"] == AT.isoformat()
    assert pick["lines"] == [{"line_no": 1, "sku": "SKU-1", "reserved": 5, "picked": 4, "lots": [
        {"lot": "L1", "expiry": "2026-01-01", "quantity": 4}]}]
