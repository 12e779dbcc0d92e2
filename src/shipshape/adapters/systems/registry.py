"""Builds the connector of every external system from its settings.

Each system gets the adapter its settings name (`kind: webhook`, or `kind: simulated` built by
the factory the composition root hands in, so that this layer never knows the simulator) wrapped
in a `RetryingConnector`. A system with no settings is refused: defaults are the composition
root's to give. The registry also keeps what the rest of the application needs besides calling
out: the bare simulated systems (tests, the worker taking their events in-process) and each
system's secrets (current and previous) to verify the events it sends in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Generic, Protocol, TypeVar

from shipshape.adapters.systems.retrying import RetryingConnector, policy_of
from shipshape.adapters.systems.signing import validate_secret
from shipshape.adapters.systems.webhook import WebhookConnector
from shipshape.domain.errors import NotFound
from shipshape.domain.integration import EXTERNAL_SYSTEMS
from shipshape.services.ports.connectors import Connector
from shipshape.services.ports.metrics import Metrics, NoMetrics

SystemName = TypeVar("SystemName", bound=str)
Simulated = TypeVar("Simulated", bound=Connector)

SimulatedFactory = Callable[[str, float], Simulated]
"""Builds the simulated system of a name, given its connector's call timeout (`timeout_s`)."""


class ConnectorProfile(Protocol):
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
    def timeout_s(self) -> float: ...
    @property
    def max_attempts(self) -> int: ...
    @property
    def first_delay_s(self) -> float: ...
    @property
    def max_delay_s(self) -> float: ...
    @property
    def jitter_s(self) -> float: ...


class ConnectorRegistry(Generic[Simulated]):
    """The `Connectors` port: one retrying connector per external system."""

    def __init__(self, connectors: Mapping[str, RetryingConnector],
                 secrets: Mapping[str, list[str]],
                 simulated: Mapping[str, Simulated] | None = None) -> None:
        self._connectors = dict(connectors)
        self._secrets = {system: list(values) for system, values in secrets.items()}
        self._simulated = dict(simulated or {})

    def get(self, system: str) -> Connector:
        try:
            return self._connectors[system]
        except KeyError:
            raise NotFound(f"no connector for system {system!r} "
                           f"(known: {', '.join(self._connectors)})") from None

    def all(self) -> Mapping[str, Connector]:
        return dict(self._connectors)

    def simulated(self, system: str) -> Simulated | None:
        """The bare simulated system behind `system`'s connector, or None if it is not one."""
        return self._simulated.get(system)

    def secrets(self, system: str) -> list[str]:
        """The secrets `system`'s events may be signed with: current first, then previous."""
        return list(self._secrets.get(system, []))

    def close(self) -> None:
        for connector in self._connectors.values():
            connector.close()


def build_connectors(settings: Mapping[SystemName, ConnectorProfile],
                     metrics: Metrics | None = None,
                     simulate: SimulatedFactory[Simulated] | None = None,
                     ) -> ConnectorRegistry[Simulated]:
    """A registry over every external system, each as `settings` names it; `kind: simulated`
    is built by `simulate`. ValueError names the systems left out, or the system whose settings
    cannot work."""
    profiles = _complete({str(name): value for name, value in settings.items()})
    measured = metrics or NoMetrics()
    connectors: dict[str, RetryingConnector] = {}
    secrets: dict[str, list[str]] = {}
    simulated: dict[str, Simulated] = {}
    try:
        for system, profile in profiles.items():
            secrets[system] = _secrets(system, profile)
            inner: Connector
            if profile.kind == "simulated":
                inner = simulated[system] = _simulated(system, profile, simulate)
            else:
                inner = _webhook(system, profile)
            connectors[system] = RetryingConnector(inner, policy_of(profile), measured)
    except Exception:
        ConnectorRegistry(connectors, secrets).close()
        raise
    return ConnectorRegistry(connectors, secrets, simulated)


def _complete(profiles: dict[str, ConnectorProfile]) -> dict[str, ConnectorProfile]:
    """`profiles` in the order of `EXTERNAL_SYSTEMS`, once it is known to name each of them."""
    known = [system.value for system in EXTERNAL_SYSTEMS]
    unknown = sorted(set(profiles) - set(known))
    if unknown:
        raise ValueError(f"connectors configured for unknown system(s) {', '.join(unknown)}; "
                         f"known: {', '.join(known)}")
    missing = [system for system in known if system not in profiles]
    if missing:
        raise ValueError(f"no connector configured for {', '.join(missing)}: give each "
                         "kind: webhook with its url and secret, or kind: simulated explicitly "
                         "(connectors.<system> in the SHIPSHAPE_CONFIG file, or "
                         "SHIPSHAPE_CONNECTORS__<SYSTEM>__KIND)")
    return {system: profiles[system] for system in known}


def _simulated(system: str, profile: ConnectorProfile,
               simulate: SimulatedFactory[Simulated] | None) -> Simulated:
    if simulate is None:
        raise ValueError(f"connectors.{system}: kind simulated, but no simulator was given")
    return simulate(system, profile.timeout_s)


def _webhook(system: str, profile: ConnectorProfile) -> WebhookConnector:
    if profile.kind != "webhook":
        raise ValueError(f"connectors.{system}: unknown kind {profile.kind!r} "
                         "(simulated, webhook)")
    if not profile.url.startswith(("http://", "https://")):
        raise ValueError(f"connectors.{system}: kind webhook needs a url (http:// or https://), "
                         f"got {profile.url!r}")
    if not profile.secret:
        raise ValueError(f"connectors.{system}: kind webhook needs a secret "
                         "('whsec_' + base64, e.g. from `signing.new_secret()`)")
    return WebhookConnector(system, profile.url, profile.secret, profile.timeout_s)


def _secrets(system: str, profile: ConnectorProfile) -> list[str]:
    values = [value for value in (profile.secret, profile.previous_secret) if value]
    for value in values:
        try:
            validate_secret(value)
        except ValueError as error:
            raise ValueError(f"connectors.{system}: {error}") from None
    return values
