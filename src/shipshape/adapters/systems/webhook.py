"""A connector that POSTs each operation, signed (Standard Webhooks), to the system's HTTP endpoint.

`POST <url>/<operation>` with the JSON body `{"operation": ..., "payload": ...}` and the
idempotency key as `webhook-id`, so the receiver can both authenticate and deduplicate the call.
Answers are translated at this edge: 2xx gives the JSON object; 408, 425, 429, 5xx, timeouts and
transport failures are `ConnectorUnavailable` (retryable); any other status is `ConnectorRejected`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time

import httpx

from shipshape.adapters.systems.signing import sign_headers, validate_secret
from shipshape.services.ports.connectors import (
    ConnectorHealth,
    ConnectorRejected,
    ConnectorUnavailable,
    Payload,
)

RETRYABLE_STATUS = frozenset({408, 425, 429})
HEALTH_TIMEOUT_S = 2.0
MAX_REASON_CHARS = 200


def _utc_now() -> datetime:
    return datetime.now(UTC)


def encode_body(operation: str, payload: Payload) -> bytes:
    """The canonical JSON body: sorted keys, compact; dates and times in ISO 8601, Decimals and
    other values JSON has no type for as their `str`."""
    document = {"operation": operation, "payload": payload}
    return json.dumps(document, sort_keys=True, separators=(",", ":"),
                      default=_json_default).encode("utf-8")


def _json_default(value: object) -> object:
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def reached(post: Callable[[], httpx.Response], system: str, operation: str,
            timeout_s: float) -> httpx.Response:
    """The answer of `post`; a timeout or a transport failure is `ConnectorUnavailable`."""
    try:
        return post()
    except httpx.TimeoutException as error:
        raise ConnectorUnavailable(system, operation,
                                   f"timed out after {timeout_s:g} s") from error
    except httpx.TransportError as error:
        raise ConnectorUnavailable(system, operation,
                                   f"{type(error).__name__}: {error}") from error


class WebhookConnector:
    """One external system reached over signed HTTP calls; every call times out after
    `timeout_s` (per connect/read/write phase, as httpx counts it)."""

    def __init__(self, system: str, url: str, secret: str, timeout_s: float,
                 client: httpx.Client | None = None,
                 clock: Callable[[], datetime] = _utc_now) -> None:
        validate_secret(secret)
        self._system = system
        self._base = url.rstrip("/")
        self._secret = secret
        self._timeout = timeout_s
        self._client = client if client is not None else httpx.Client()
        self._owns_client = client is None
        self._clock = clock

    @property
    def system(self) -> str:
        return self._system

    def call(self, operation: str, payload: Payload, idempotency_key: str) -> Payload:
        body = encode_body(operation, payload)
        headers = {"content-type": "application/json",
                   **sign_headers(self._secret, idempotency_key, body, self._clock())}
        response = reached(lambda: self._client.post(
            f"{self._base}/{operation}", content=body, headers=headers, timeout=self._timeout),
            self._system, operation, self._timeout)
        return self._answer(operation, response)

    def health(self) -> ConnectorHealth:
        """Up when `<url>/health` answers with a status below 500; never raises."""
        try:
            response = self._client.get(f"{self._base}/health",
                                        timeout=min(self._timeout, HEALTH_TIMEOUT_S))
        except Exception as error:
            detail = f"unreachable: {type(error).__name__}: {error}"
            return ConnectorHealth(False, "webhook", detail)
        return ConnectorHealth(response.status_code < 500, "webhook",
                               f"health answered HTTP {response.status_code}")

    def close(self) -> None:
        """Closes the HTTP client if this connector created it."""
        if self._owns_client:
            self._client.close()

    def _answer(self, operation: str, response: httpx.Response) -> Payload:
        status = response.status_code
        if 200 <= status < 300:
            return self._json_object(operation, response)
        reason = f"HTTP {status}: {response.text[:MAX_REASON_CHARS]}"
        if status in RETRYABLE_STATUS or status >= 500:
            raise ConnectorUnavailable(self._system, operation, reason)
        raise ConnectorRejected(self._system, operation, reason, status=status)

    def _json_object(self, operation: str, response: httpx.Response) -> Payload:
        if not response.content.strip():
            return {}
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise ConnectorRejected(
                self._system, operation,
                f"HTTP {response.status_code} with a body that is not a JSON object: "
                f"{response.text[:MAX_REASON_CHARS]}", status=response.status_code)
        return answer
