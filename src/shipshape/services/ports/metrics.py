"""The metrics port: what the services count and time; `/metrics` exposes it (Prometheus)."""

from __future__ import annotations

from typing import Protocol


class Metrics(Protocol):
    def published(self, count: int) -> None:
        """Outbox rows published by the relay."""
        ...

    def consumed(self, consumer: str, outcome: str, seconds: float) -> None:
        """One delivery handled: outcome applied, duplicate, skipped, retried, failed or
        dead_lettered."""
        ...

    def connector_call(self, system: str, operation: str, outcome: str, seconds: float) -> None:
        """One attempt of a connector call: outcome ok, unavailable or rejected."""
        ...

    def retried(self, system: str, operation: str) -> None:
        """A connector call is about to be tried again."""
        ...

    def dead_lettered(self, consumer: str, system: str) -> None: ...

    def risk_unscored(self, status: str) -> None:
        """A configured risk model gave an order no score: status missing, stale or failing."""
        ...


class NoMetrics:
    """Counts nothing (tests, one-shot commands)."""

    def published(self, count: int) -> None:
        pass

    def consumed(self, consumer: str, outcome: str, seconds: float) -> None:
        pass

    def connector_call(self, system: str, operation: str, outcome: str, seconds: float) -> None:
        pass

    def retried(self, system: str, operation: str) -> None:
        pass

    def dead_lettered(self, consumer: str, system: str) -> None:
        pass

    def risk_unscored(self, status: str) -> None:
        pass
