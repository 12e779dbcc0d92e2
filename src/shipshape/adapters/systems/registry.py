"""Builds the connector of every external system from its settings.

Each system gets its configured adapter (a `SimulatedSystem` unless it is named with
`kind: webhook`) wrapped in a `RetryingConnector`. The registry also keeps what the rest of the
application needs besides calling out: the bare simulated systems (tests, simulation) and each
system's secrets (current and previous) to verify the events it sends in.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, TypeVar

from shipshape.adapters.systems.retrying import RetryingConnector
from shipshape.adapters.systems.signing import validate_secret
from shipshape.adapters.systems.simulated import SimulatedSystem, SimulationSettings
from shipshape.adapters.systems.webhook import WebhookConnector
from shipshape.domain.errors import NotFound
from shipshape.domain.integration import EXTERNAL_SYSTEMS
from shipshape.services.ports.connectors import Connector, RetryPolicy
from shipshape.services.ports.metrics import Metrics, NoMetrics

SystemName = TypeVar("SystemName", bound=str)


class ConnectorProfile(SimulationSettings, Protocol):
    """What the registry reads from `shipshape.config.ConnectorSettings`."""

    @property
    def kind(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def secret(self) -> str: ...
    @property
    def previous_secret(self) -> str: ...
    @property
    def max_attempts(self) -> int: ...
    @property
    def first_delay_s(self) -> float: ...
    @property
    def max_delay_s(self) -> float: ...
    @property
    def jitter_s(self) -> float: ...


class ConnectorRegistry:
    """The `Connectors` port: one retrying connector per external system."""

    def __init__(self, connectors: Mapping[str, RetryingConnector],
                 secrets: Mapping[str, list[str]]) -> None:
        self._connectors = dict(connectors)
        self._secrets = {system: list(values) for system, values in secrets.items()}

    def get(self, system: str) -> Connector:
        try:
            return self._connectors[system]
        except KeyError:
            raise NotFound(f"no connector for system {system!r} "
                           f"(known: {', '.join(self._connectors)})") from None

    def all(self) -> Mapping[str, Connector]:
        return dict(self._connectors)

    def simulated(self, system: str) -> SimulatedSystem | None:
        """The bare simulated system behind `system`'s connector, or None if it is not one."""
        connector = self._connectors.get(system)
        inner = connector.inner if connector is not None else None
        return inner if isinstance(inner, SimulatedSystem) else None

    def secrets(self, system: str) -> list[str]:
        """The secrets `system`'s events may be signed with: current first, then previous."""
        return list(self._secrets.get(system, []))

    def close(self) -> None:
        for connector in self._connectors.values():
            connector.close()


def build_connectors(settings: Mapping[SystemName, ConnectorProfile],
                     metrics: Metrics | None = None) -> ConnectorRegistry:
    """A registry over every external system; a system not in `settings` is simulated with the
    defaults. ValueError names the system whose settings cannot work."""
    known = [system.value for system in EXTERNAL_SYSTEMS]
    profiles: dict[str, ConnectorProfile] = {str(name): value for name, value in settings.items()}
    unknown = sorted(set(profiles) - set(known))
    if unknown:
        raise ValueError(f"connectors configured for unknown system(s) {', '.join(unknown)}; "
                         f"known: {', '.join(known)}")
    measured = metrics or NoMetrics()
    connectors: dict[str, RetryingConnector] = {}
    secrets: dict[str, list[str]] = {}
    try:
        for system in known:
            profile = profiles.get(system)
            secrets[system] = _secrets(system, profile)
            connectors[system] = _connector(system, profile, measured)
    except Exception:
        ConnectorRegistry(connectors, secrets).close()
        raise
    return ConnectorRegistry(connectors, secrets)


def _connector(system: str, profile: ConnectorProfile | None,
               metrics: Metrics) -> RetryingConnector:
    if profile is None:
        return RetryingConnector(SimulatedSystem(system), RetryPolicy(), metrics)
    policy = RetryPolicy(timeout_s=profile.timeout_s, max_attempts=profile.max_attempts,
                         first_delay_s=profile.first_delay_s, max_delay_s=profile.max_delay_s,
                         jitter_s=profile.jitter_s)
    if profile.kind == "simulated":
        return RetryingConnector(SimulatedSystem(system, profile), policy, metrics)
    if profile.kind == "webhook":
        return RetryingConnector(_webhook(system, profile), policy, metrics)
    raise ValueError(f"connectors.{system}: unknown kind {profile.kind!r} (simulated, webhook)")


def _webhook(system: str, profile: ConnectorProfile) -> WebhookConnector:
    if not profile.url.startswith(("http://", "https://")):
        raise ValueError(f"connectors.{system}: kind webhook needs a url (http:// or https://), "
                         f"got {profile.url!r}")
    if not profile.secret:
        raise ValueError(f"connectors.{system}: kind webhook needs a secret "
                         "('whsec_' + base64, e.g. from `signing.new_secret()`)")
    return WebhookConnector(system, profile.url, profile.secret, profile.timeout_s)


def _secrets(system: str, profile: ConnectorProfile | None) -> list[str]:
    if profile is None:
        return []
    values = [value for value in (profile.secret, profile.previous_secret) if value]
    for value in values:
        try:
            validate_secret(value)
        except ValueError as error:
            raise ValueError(f"connectors.{system}: {error}") from None
    return values

