"""Customer contacts and the notice templates: what a valid contact is, how recipients are
masked on the timeline, which language a notice is written in, and that HTML is escaped."""

from __future__ import annotations

import pytest

from shipshape.adapters.notify.customers import JinjaNoticeRenderer
from shipshape.domain import communication as cm
from shipshape.domain.errors import InvalidInput

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
    # no German template for a delivery: the English one
    assert renderer.render("delivered", "de", context).subject == "Delivered: PO-9"


@pytest.mark.parametrize("kind", cm.KINDS)
def test_every_kind_renders_in_text_and_html_with_the_html_escaped(kind: str) -> None:
    context = {"order": {"id": "ORD-1", "customer_po": "<b>PO</b>"},
               "customer": {"name": "Smith & <Sons>"}, "event": {"reason": "<script>x"},
               "hold": None}
    notice = JinjaNoticeRenderer().render(kind, "en", context)
    assert notice.subject and notice.text.strip() and notice.html.startswith("<!DOCTYPE html>")
    assert "Smith & <Sons>" in notice.text
    assert "<Sons>" not in notice.html and "<script>" not in notice.html
    assert "Smith &amp; &lt;Sons&gt;" in notice.html
