"""AS2 over HTTP: a document posted to a partner's `as2_url` with its sync MDN checked, and an
asynchronous MDN posted to the URL a partner asked for."""

from __future__ import annotations

import httpx

from shipshape.adapters.channels.as2.crypto import As2CryptoError, Identity
from shipshape.adapters.channels.as2.mdn import read_receipt
from shipshape.adapters.channels.as2.message import build_message, load_security
from shipshape.domain.partners import TradingPartner
from shipshape.services.as2 import Delivered, OutboundDocument
from shipshape.services.ports.connectors import ConnectorRejected, ConnectorUnavailable

SYSTEM, OPERATION = "as2", "send"
PAYLOAD_TYPES = {"x12": "application/edi-x12", "edifact": "application/edifact"}


class HttpAs2Transmitter:
    """`receipt_url`: where partners whose profile says `as2_mdn: async` post their MDN (our
    `/api/v1/as2` as they reach it); without it every partner is asked for a sync MDN."""

    def __init__(self, our_id: str, ours: Identity, timeout_s: float,
                 receipt_url: str = "") -> None:
        self._our_id = our_id
        self._ours = ours
        self._timeout = timeout_s
        self._receipt_url = receipt_url

    def transmit(self, partner: TradingPartner, document: OutboundDocument,
                 message_id: str) -> Delivered:
        security = load_security(partner)
        payload = document.content.encode("latin-1")
        kind = "edifact" if payload.lstrip()[:3] in (b"UNA", b"UNB") else "x12"
        built = build_message(payload, PAYLOAD_TYPES[kind], self._ours, security.certificate,
                              sign=partner.as2_sign, encrypt=partner.as2_encrypt)
        headers = {**built.headers, "AS2-Version": "1.2", "AS2-From": self._our_id,
                   "AS2-To": partner.as2_id, "Message-ID": message_id, "MIME-Version": "1.0",
                   "Subject": f"{document.doc_type} {document.control_number}",
                   "Disposition-Notification-To": self._our_id,
                   "Disposition-Notification-Options":
                       "signed-receipt-protocol=required, pkcs7-signature; "
                       "signed-receipt-micalg=required, sha-256"}
        if partner.as2_mdn == "async" and self._receipt_url:
            headers["Receipt-Delivery-Option"] = self._receipt_url
            self._post(partner.as2_url, headers, built.body)
            return Delivered(message_id, built.mic, "", awaiting_receipt=True)
        answer = self._post(partner.as2_url, headers, built.body)
        return _checked(answer, partner, message_id, built.mic)

    def _post(self, url: str, headers: dict[str, str], body: bytes) -> httpx.Response:
        try:
            answer = httpx.post(url, headers=headers, content=body, timeout=self._timeout)
        except httpx.HTTPError as error:
            raise ConnectorUnavailable(SYSTEM, OPERATION, f"{url}: {error!r}") from error
        if answer.status_code >= 500:
            raise ConnectorUnavailable(SYSTEM, OPERATION, f"{url} answered {answer.status_code}")
        if answer.status_code >= 400:
            raise ConnectorRejected(SYSTEM, OPERATION, f"{url} answered {answer.status_code}",
                                    answer.status_code)
        return answer


def _checked(answer: httpx.Response, partner: TradingPartner, message_id: str,
             mic: str) -> Delivered:
    content_type = answer.headers.get("content-type", "")
    if not answer.content or not content_type:
        raise ConnectorUnavailable(SYSTEM, OPERATION, "no MDN in the answer")
    try:
        receipt = read_receipt(content_type, answer.content, load_security(partner).certificate)
    except As2CryptoError as error:
        raise ConnectorRejected(SYSTEM, OPERATION, f"the MDN is not acceptable: {error}")\
            from error
    if not receipt.processed:
        raise ConnectorRejected(SYSTEM, OPERATION, f"the partner answered {receipt.disposition}")
    if receipt.original_message_id and receipt.original_message_id != message_id:
        raise ConnectorRejected(SYSTEM, OPERATION,
                                f"the MDN is for {receipt.original_message_id}, not {message_id}")
    if receipt.mic != mic:
        raise ConnectorUnavailable(SYSTEM, OPERATION,
                                   f"the MDN's MIC {receipt.mic} differs from ours {mic}")
    return Delivered(message_id, mic, receipt.disposition)


def post_mdn(url: str, headers: dict[str, str], body: bytes, timeout_s: float = 30.0) -> None:
    """An asynchronous MDN to the partner; a failure is left to the partner's resend."""
    try:
        httpx.post(url, headers=headers, content=body, timeout=timeout_s)
    except httpx.HTTPError:
        return
