"""The desk's webhook: each notification POSTed as JSON to one URL, signed (Standard Webhooks).

The body is the notice's JSON object (sorted keys, compact); `webhook-id` is the notice's id,
derived from the event id, so a receiver both authenticates the call and drops a copy it has
seen. Answers are translated as for the connectors (`adapters/systems/webhook.py`): any 2xx is
done; 408, 425, 429, 5xx, timeouts and transport failures are `ConnectorUnavailable`
(retryable); any other status is `ConnectorRejected`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from shipshape.adapters.systems.signing import sign_headers, validate_secret
from shipshape.adapters.systems.webhook import MAX_REASON_CHARS, RETRYABLE_STATUS, reached
from shipshape.services.ports.connectors import ConnectorRejected, ConnectorUnavailable
from shipshape.services.ports.notifications import WebhookNotice


def _utc_now() -> datetime:
    return datetime.now(UTC)


def encode_notice(notice: WebhookNotice) -> bytes:
    return json.dumps(dict(notice.body), sort_keys=True, separators=(",", ":"),
                      default=str).encode("utf-8")


class WebhookNotifier:
    """POSTs to `url`, timing out after `timeout_s` (per phase, as httpx counts it). Without a
    `client`, each notification opens its own connection (they are few), so nothing needs
    closing."""

    def __init__(self, url: str, secret: str, timeout_s: float, system: str = "desk-webhook",
                 client: httpx.Client | None = None,
                 clock: Callable[[], datetime] = _utc_now) -> None:
        validate_secret(secret)
        self._url = url
        self._secret = secret
        self._timeout = timeout_s
        self._system = system
        self._client = client
        self._clock = clock

    def post(self, notice: WebhookNotice) -> None:
        operation = str(notice.body.get("type", "notify"))
        body = encode_notice(notice)
        headers = {"content-type": "application/json",
                   **sign_headers(self._secret, notice.message_id, body, self._clock())}
        client = self._client
        response = reached(
            lambda: (client.post if client is not None else httpx.post)(
                self._url, content=body, headers=headers, timeout=self._timeout),
            self._system, operation, self._timeout)
        status = response.status_code
        if 200 <= status < 300:
            return
        reason = f"HTTP {status}: {response.text[:MAX_REASON_CHARS]}"
        if status in RETRYABLE_STATUS or status >= 500:
            raise ConnectorUnavailable(self._system, operation, reason)
        raise ConnectorRejected(self._system, operation, reason, status=status)
