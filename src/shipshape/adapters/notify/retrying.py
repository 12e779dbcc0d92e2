"""The retry policy around a notification: the connectors' (`adapters/systems/retrying.py`):
`ConnectorUnavailable` is tried again up to `max_attempts` in all, with an exponential delay; a
rejection passes through at once; when the attempts run out the caller gets
`ConnectorExhausted`. Every attempt is measured and every retry counted."""

from __future__ import annotations

import time
from collections.abc import Callable

from shipshape.adapters.systems.retrying import retried
from shipshape.services.ports.connectors import RetryPolicy
from shipshape.services.ports.metrics import Metrics, NoMetrics
from shipshape.services.ports.notifications import (
    MailNotice,
    MailSender,
    WebhookNotice,
    WebhookSender,
)


class RetryingWebhookSender:
    def __init__(self, inner: WebhookSender, system: str, policy: RetryPolicy,
                 metrics: Metrics | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self._inner, self._system, self._policy = inner, system, policy
        self._metrics: Metrics = metrics or NoMetrics()
        self._sleep = sleep

    def post(self, notice: WebhookNotice) -> None:
        retried(self._system, str(notice.body.get("type", "notify")),
                lambda: self._inner.post(notice), self._policy, self._metrics, self._sleep)


class RetryingMailSender:
    def __init__(self, inner: MailSender, system: str, policy: RetryPolicy,
                 metrics: Metrics | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self._inner, self._system, self._policy = inner, system, policy
        self._metrics: Metrics = metrics or NoMetrics()
        self._sleep = sleep

    def send(self, notice: MailNotice) -> None:
        retried(self._system, "mail", lambda: self._inner.send(notice), self._policy,
                self._metrics, self._sleep)
