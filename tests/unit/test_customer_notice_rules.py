"""Customer contacts and the notice templates: what a valid contact is, how recipients are
masked on the timeline, which language a notice is written in, that HTML is escaped, and that
every kind of notice is written in every language there are templates in (none falling back to
English)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from shipshape.adapters.notify.customers import TEMPLATES, JinjaNoticeRenderer
from shipshape.domain import catalogue as cat
from shipshape.domain import communication as cm
from shipshape.domain.billing import Invoice, InvoiceLine, Party
from shipshape.domain.errors import InvalidInput
from shipshape.domain.returns import ReturnLine
from shipshape.domain.shipments import ShippedLine
from shipshape.services.acceptance import SHORTAGE_OPTIONS
from shipshape.services.customer_notices import context_of
from shipshape.services.ports.notices import HoldFacts, NoticeFacts

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def test_a_contact_says_where_notices_go_and_masks_it() -> None:
    mail = cm.contact("C1", "email", [" ann@acme.example ", "ann@acme.example", "bo@x.example"],
                      language="de-CH", opted_out=["delivered"])
    assert mail.emails == ("ann@acme.example", "bo@x.example")
    assert mail.recipient == "a***@acme.example, b***@x.example"
    assert mail.wants("shipped") and not mail.wants("delivered")
    hook = cm.contact("C1", "webhook", webhook_url="https://hooks.acme.example/n?token=s3cret",
                      webhook_secret=SECRET)
    assert hook.recipient == "https://hooks.acme.example/…"
    assert not cm.contact("C1", "none").wants("shipped")


@pytest.mark.parametrize(("channel", "fields", "says"), [
    ("pigeon", {}, "channel must be one of"),
    ("email", {}, "needs at least one e-mail address"),
    ("email", {"emails": ["no-at-sign"]}, "not an e-mail address"),
    ("webhook", {"webhook_url": "https://x.example"}, "needs a webhook_url and a webhook_secret"),
    ("webhook", {"webhook_url": "ftp://x.example", "webhook_secret": SECRET}, "http://"),
    ("webhook", {"webhook_url": "https://x.example", "webhook_secret": "whsec_!!"},
     "Standard Webhooks secret"),
    ("none", {"opted_out": ["spam"]}, "unknown notice kinds spam"),
    ("none", {"language": "deutsch!"}, "language must be"),
])
def test_a_contact_that_cannot_work_is_refused_saying_why(
    channel: str, fields: dict[str, object], says: str,
) -> None:
    with pytest.raises(InvalidInput, match=says):
        cm.contact("C1", channel, **fields)  # type: ignore[arg-type]


def test_templates_are_in_the_customers_language_else_english() -> None:
    assert [cm.template_language(tag) for tag in ("de", "de-CH", "DE", "fr", "")] == [
        "de", "de", "de", "en", "en"]
    renderer = JinjaNoticeRenderer()
    context = {"order": {"id": "ORD-1", "customer_po": "PO-9"}, "customer": {"name": "Acme"},
               "event": {"ship_date": "2026-12-03", "carrier_service": "UPS:GND",
                         "tracking_number": "1Z9"}}
    german = renderer.render("shipped", "de", context)
    assert german.subject == "Versandt: PO-9" and "Sendungsnummer: 1Z9" in german.text
    assert '<html lang="de">' in german.html
    # no templates in a language: the English ones
    assert renderer.render("delivered", "fr", context).subject == "Delivered: PO-9"


LANGUAGES_ON_DISK = sorted(folder.name for folder in TEMPLATES.iterdir() if folder.is_dir())
"""Every language there are templates in (English among them)."""
KINDS_ON_DISK = sorted({template.stem for template in (TEMPLATES / cm.DEFAULT_LANGUAGE).iterdir()
                        if template.suffix in (".txt", ".html")})
"""Every kind there is an English template of: each must be written in every language."""


@pytest.mark.parametrize("language", LANGUAGES_ON_DISK)
@pytest.mark.parametrize("kind", cm.KINDS)
def test_every_kind_renders_in_text_and_html_with_the_html_escaped(kind: str,
                                                                   language: str) -> None:
    context = {"order": {"id": "ORD-1", "customer_po": "<b>PO</b>"},
               "customer": {"name": "Smith & <Sons>"}, "event": {"reason": "<script>x"},
               "hold": None}
    notice = JinjaNoticeRenderer().render(kind, language, context)
    assert notice.subject and notice.text.strip() and notice.html.startswith("<!DOCTYPE html>")
    assert "Smith & <Sons>" in notice.text
    assert "<Sons>" not in notice.html and "<script>" not in notice.html
    assert "Smith &amp; &lt;Sons&gt;" in notice.html


def test_every_kind_of_notice_has_english_templates() -> None:
    assert sorted(cm.KINDS) == KINDS_ON_DISK
    for kind in KINDS_ON_DISK:
        for suffix in ("txt", "html"):
            assert (TEMPLATES / cm.DEFAULT_LANGUAGE / f"{kind}.{suffix}").is_file(), (kind, suffix)
    assert set(cm.LANGUAGES) <= set(LANGUAGES_ON_DISK)


AT = datetime(2026, 12, 5, 14, 3, tzinfo=UTC)
ORDER_ID = "ord_01JF8ZK3QW"
ON_ORDER = {"occurred_at": AT, "order_id": ORDER_ID}
CREDIT_NOTE = Invoice(number="cn_0042", order_id=ORDER_ID, customer_id="C1",
                      customer_po="PO-4711", invoice_date=date(2026, 12, 9),
                      bill_to=Party("Müller & Söhne GmbH", "C1"), remit_to=Party("Shipshape"),
                      shipment_id="shp_1", currency="EUR",
                      lines=(InvoiceLine(1, "SKU-1", 2, Decimal("12.50")),))


def sample_events(tracking_number: str | None, blocking: tuple[str, ...]
                  ) -> dict[str, cat.DomainEvent]:
    """One event of each type a customer is told of, as the services write them."""
    events: list[cat.DomainEvent] = [
        cat.OrderAccepted(**ON_ORDER, from_status="received", to_status="accepted", blocking=()),
        cat.OrderHeld(**ON_ORDER, from_status="received", to_status="held", blocking=blocking),
        cat.PromiseAtRisk(**ON_ORDER, promised_date=date(2026, 12, 7),
                          projected_date=date(2026, 12, 9), cause="held", case_id="exc_1"),
        cat.ShipmentConfirmed(**ON_ORDER, shipment_id="shp_1", site="DAL",
                              ship_date=date(2026, 12, 3), carrier_service="UPS:GND",
                              tracking_number=tracking_number, label_ref=None,
                              webhook_id="wh_1", lines=(ShippedLine(1, "SKU-1", 25, 10),)),
        cat.ShipmentDelivered(**ON_ORDER, shipment_id="shp_1", delivered_at=AT,
                              pod_reference=None, signee=None, on_time=True, webhook_id="wh_2"),
        cat.DeliveryFailed(**ON_ORDER, shipment_id="shp_1", reason="recipient not at home",
                           attempt=1, webhook_id="wh_3"),
        cat.ReturnAuthorised(**ON_ORDER, return_id="rma_7", customer_id="C1", reason="DAMAGED",
                             actor="ann", lines=(ReturnLine(1, "shp_1", "DAL", "SKU-1", 2),)),
        cat.CreditNoteIssued(occurred_at=AT, note=CREDIT_NOTE, credits="inv_0041",
                             reason="return rma_7 (DAMAGED)", actor="system:wms",
                             return_id="rma_7"),
    ]
    return {cm.KIND_OF_EVENT[event.TYPE]: event for event in events}


HOLD = HoldFacts(
    "not enough stock available for lines 1",
    ({"line_no": 1, "sku": "SKU-1", "wanted": 25, "available_by_site": {"DAL": 10, "ATL": 0}},
     {"line_no": 2, "sku": "SKU-2", "wanted": 4, "available_by_site": {"DAL": 4}}),
    tuple({"action": action, "allowed": action != "split_across_sites"}
          for action in SHORTAGE_OPTIONS))
SAMPLES = {
    # everything a notice may say
    "full": (NoticeFacts(ORDER_ID, "C1", "Müller & Söhne GmbH", "PO-4711", "EDI-850-0042",
                         date(2026, 12, 3), None, HOLD),
             sample_events("1Z999AA10123456784", ("PARTIAL_AVAILABILITY",))),
    # no PO, no requested date, no tracking number, a hold without availability found
    "sparse": (NoticeFacts(ORDER_ID, "C1", "C1", None, "EDI-850-0042", None, None, None),
               sample_events(None, ())),
}
KEYWORDS = {
    "en": {"order_acknowledged": "accepted", "order_held": "on hold",
           "promise_at_risk": "may not arrive", "shipped": "has shipped",
           "delivered": "has been delivered", "delivery_failed": "could not deliver",
           "return_authorised": "return", "credited": "credit note"},
    "de": {"order_acknowledged": "angenommen", "order_held": "zurückgestellt",
           "promise_at_risk": "zugesagten Termin", "shipped": "versandt",
           "delivered": "zugestellt", "delivery_failed": "nicht zustellen",
           "return_authorised": "Rücksendung", "credited": "Gutschrift"},
}
"""A word of each kind's notice in each language: what tells it is that notice, translated."""
LEFTOVERS = ("{{", "}}", "{%", "%}", "{#", "#}", "None", "Undefined")


@pytest.mark.parametrize("sample", sorted(SAMPLES))
@pytest.mark.parametrize("language", LANGUAGES_ON_DISK)
@pytest.mark.parametrize("kind", KINDS_ON_DISK)
def test_every_kind_is_written_in_every_language_with_no_markup_left(
    kind: str, language: str, sample: str,
) -> None:
    for suffix in ("txt", "html"):
        assert (TEMPLATES / language / f"{kind}.{suffix}").is_file(), \
            f"{language}/{kind}.{suffix} is missing: the notice would be sent in English"
    facts, events = SAMPLES[sample]
    assert kind in events, f"no sample event for the notice kind {kind}"
    context = context_of(kind, "evt_01JF8ZM0", events[kind].payload(), facts)
    renderer = JinjaNoticeRenderer()
    notice = renderer.render(kind, language, context)

    assert notice.subject.strip() and notice.text.strip()
    assert notice.html.startswith("<!DOCTYPE html>") and f'<html lang="{language}">' in notice.html
    for part in (notice.subject, notice.text, notice.html):
        assert not [left for left in LEFTOVERS if left in part], part
    assert "\n" not in notice.subject
    assert ORDER_ID in notice.text and ORDER_ID in notice.html
    assert language in KEYWORDS, f"no key words for the notices in {language}"
    word = KEYWORDS[language][kind]
    assert word in notice.text and word in notice.html, (word, notice.text)
    if language != cm.DEFAULT_LANGUAGE:
        english = renderer.render(kind, cm.DEFAULT_LANGUAGE, context)
        assert notice.subject != english.subject
        assert notice.text != english.text and notice.html != english.html
        assert f"Order {ORDER_ID}" not in notice.html  # the English footer of base.html
