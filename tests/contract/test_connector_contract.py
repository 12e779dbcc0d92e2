"""One contract for every connector adapter: the in-process simulated system, and the webhook
connector talking HTTP to a real local peer (tests/contract/webhook_peer.py) that runs the same
simulated system behind a Standard Webhooks signature check.

Then what only the webhook connector does (signatures, HTTP status mapping, health), and the
registry that builds connectors from settings.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest

from shipshape.adapters.systems.registry import build_connectors
from shipshape.adapters.systems.retrying import RetryingConnector
from shipshape.adapters.systems.signing import new_secret, sign_headers, verify
from shipshape.adapters.systems.webhook import WebhookConnector
from shipshape.bootstrap import connector_registry
from shipshape.config import SYSTEMS, ConnectorSettings, Settings
from shipshape.domain.errors import NotFound
from shipshape.domain.integration import EXTERNAL_SYSTEMS
from shipshape.services.ports.connectors import (
    Connector,
    ConnectorExhausted,
    ConnectorRejected,
    ConnectorUnavailable,
    RetryPolicy,
)
from shipshape.sim.systems.settings import SimulationSettings
from shipshape.sim.systems.system import SimulatedSystem
from tests.contract.webhook_peer import WebhookPeer

TIMEOUT_S = 0.3
POLICY = RetryPolicy(timeout_s=TIMEOUT_S, max_attempts=4, first_delay_s=0.01, max_delay_s=0.05,
                     jitter_s=0.01)


@dataclass
class Adapter:
    """A connector under contract and the simulated system behind it (to force and inspect)."""

    connector: Connector
    system: SimulatedSystem
    sleeps: list[float] = field(default_factory=list)

    def retrying(self) -> RetryingConnector:
        return RetryingConnector(self.connector, POLICY, sleep=self.sleeps.append)


Factory = Callable[..., Adapter]


@pytest.fixture(params=["simulated", "webhook"])
def make(request: pytest.FixtureRequest) -> Iterator[Factory]:
    closers: list[Callable[[], None]] = []

    def simulated(**settings: object) -> Adapter:
        system = SimulatedSystem("erp", SimulationSettings.model_validate(settings),
                                 TIMEOUT_S)
        return Adapter(system, system)

    def webhook(**settings: object) -> Adapter:
        system = SimulatedSystem("erp", SimulationSettings.model_validate(settings), 30)
        secret = new_secret()
        peer = WebhookPeer(system, [secret])
        connector = WebhookConnector("erp", peer.url, secret, TIMEOUT_S)
        closers.extend([peer.close, connector.close])
        return Adapter(connector, system)

    yield simulated if request.param == "simulated" else webhook
    for close in closers:
        close()


def test_a_call_answers_with_a_ref(make: Factory) -> None:
    adapter = make()
    reply = adapter.connector.call("order_mirror", {"order": "SO-1", "qty": 3}, "key-1")
    assert reply["ref"] == "ERP-000001"
    assert reply["duplicate"] is False
    assert adapter.system.applied == {"key-1": ("order_mirror", {"order": "SO-1", "qty": 3})}
    assert adapter.connector.system == "erp"


def test_the_same_key_is_applied_once(make: Factory) -> None:
    adapter = make()
    first = adapter.connector.call("order_mirror", {"order": "SO-1"}, "key-1")
    again = adapter.connector.call("order_mirror", {"order": "SO-1"}, "key-1")
    other = adapter.connector.call("order_mirror", {"order": "SO-2"}, "key-2")
    assert again["ref"] == first["ref"]
    assert again["duplicate"] is True
    assert other["ref"] != first["ref"]
    assert adapter.system.applied_count("order_mirror") == 2


def test_an_unknown_operation_is_rejected_for_good(make: Factory) -> None:
    adapter = make()
    with pytest.raises(ConnectorRejected) as caught:
        adapter.connector.call("wave_release", {}, "key-1")
    assert caught.value.status == 404
    assert not caught.value.retryable


def test_an_outage_is_unavailable(make: Factory) -> None:
    adapter = make(outages=[(0.0, 3600.0)])
    with pytest.raises(ConnectorUnavailable):
        adapter.connector.call("order_mirror", {}, "key-1")
    assert adapter.system.applied_count() == 0
    assert not adapter.connector.health().ok


def test_a_rejection_is_rejected(make: Factory) -> None:
    adapter = make()
    adapter.system.reject_next(1, "credit limit exceeded")
    with pytest.raises(ConnectorRejected, match="credit limit exceeded") as caught:
        adapter.connector.call("credit_status", {}, "key-1")
    assert caught.value.status == 422


def test_a_slow_system_times_out_as_unavailable(make: Factory) -> None:
    adapter = make(latency_ms=1000)
    started = time.monotonic()
    with pytest.raises(ConnectorUnavailable, match="timed out"):
        adapter.connector.call("order_mirror", {}, "key-1")
    assert time.monotonic() - started < 5 * TIMEOUT_S


def test_health_is_ok_when_up(make: Factory) -> None:
    assert make().connector.health().ok


def test_retry_rides_out_transient_failures(make: Factory) -> None:
    adapter = make()
    adapter.system.fail_next(2)
    reply = adapter.retrying().call("invoice_posting", {"invoice": "INV-1"}, "key-1")
    assert reply["ref"] == "ERP-000001"
    assert adapter.system.calls == 3
    assert adapter.system.applied_count() == 1
    assert len(adapter.sleeps) == 2


def test_retry_gives_up_on_a_permanent_outage(make: Factory) -> None:
    adapter = make()
    adapter.system.set_down(True)
    with pytest.raises(ConnectorExhausted) as caught:
        adapter.retrying().call("order_mirror", {}, "key-1")
    assert caught.value.attempts == POLICY.max_attempts
    assert isinstance(caught.value.last, ConnectorUnavailable)
    assert adapter.system.calls == POLICY.max_attempts


def test_retry_does_not_repeat_a_rejection(make: Factory) -> None:
    adapter = make()
    adapter.system.reject_next(3, "no")
    with pytest.raises(ConnectorRejected):
        adapter.retrying().call("order_mirror", {}, "key-1")
    assert adapter.system.calls == 1
    assert adapter.sleeps == []


# --- webhook only -------------------------------------------------------------------------------


@pytest.fixture
def peer() -> Iterator[WebhookPeer]:
    secret = new_secret()
    with WebhookPeer(SimulatedSystem("tms"), [secret]) as running:
        yield running


def test_a_wrong_secret_is_rejected_with_401(peer: WebhookPeer) -> None:
    connector = WebhookConnector("tms", peer.url, new_secret(), TIMEOUT_S)
    with pytest.raises(ConnectorRejected) as caught:
        connector.call("tender", {}, "key-1")
    assert caught.value.status == 401
    assert peer.system.calls == 0
    connector.close()


def test_a_rotated_secret_is_still_accepted(peer: WebhookPeer) -> None:
    previous = peer.secrets[0]
    peer.secrets[:] = [new_secret(), previous]
    connector = WebhookConnector("tms", peer.url + "/", previous, TIMEOUT_S)
    assert connector.call("tender", {}, "key-1")["ref"] == "TMS-000001"
    assert peer.delivered == ["key-1"]
    connector.close()


def signed(peer: WebhookPeer, body: bytes, msg_id: str = "m1",
           at: datetime | None = None) -> dict[str, str]:
    return sign_headers(peer.secrets[0], msg_id, body, at or datetime.now(UTC))


BODY = b'{"operation":"tender","payload":{}}'


@pytest.mark.parametrize("forge", [
    pytest.param(lambda p: (signed(p, BODY), BODY.replace(b"{}", b'{"x":1}')), id="tampered"),
    pytest.param(lambda p: ({**signed(p, BODY), "webhook-id": "m2"}, BODY), id="wrong-id"),
    pytest.param(lambda p: (signed(p, BODY, at=datetime.now(UTC) - timedelta(minutes=6)), BODY),
                 id="stale"),
    pytest.param(lambda p: (signed(p, BODY, at=datetime.now(UTC) + timedelta(minutes=6)), BODY),
                 id="future"),
    pytest.param(lambda p: ({"content-type": "application/json"}, BODY), id="missing"),
    pytest.param(lambda p: ({**signed(p, BODY), "webhook-signature": "v1,%%% x"}, BODY),
                 id="garbage"),
])
def test_the_peer_refuses_what_does_not_verify(
        peer: WebhookPeer, forge: Callable[[WebhookPeer], tuple[dict[str, str], bytes]]) -> None:
    headers, body = forge(peer)
    response = httpx.post(f"{peer.url}/tender", content=body, headers=headers, timeout=5)
    assert response.status_code == 401
    assert peer.system.calls == 0
    assert len(peer.refused) == 1


def test_the_peer_accepts_a_correctly_signed_request(peer: WebhookPeer) -> None:
    response = httpx.post(f"{peer.url}/tender", content=BODY, headers=signed(peer, BODY), timeout=5)
    assert response.status_code == 200
    assert response.json()["ref"] == "TMS-000001"


def test_health_reports_a_down_system_and_an_unreachable_one(peer: WebhookPeer) -> None:
    connector = WebhookConnector("tms", peer.url, peer.secrets[0], TIMEOUT_S)
    peer.system.set_down(True)
    health = connector.health()
    assert (health.ok, health.kind) == (False, "webhook")
    assert "503" in health.detail
    peer.close()
    health = connector.health()
    assert not health.ok
    assert "unreachable" in health.detail
    with pytest.raises(ConnectorUnavailable):
        connector.call("tender", {}, "key-1")
    connector.close()


def mocked(status: int, content: bytes = b"", seen: list[httpx.Request] | None = None,
           secret: str = "whsec_" + "A" * 44) -> WebhookConnector:
    def answer(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        return httpx.Response(status, content=content)

    client = httpx.Client(transport=httpx.MockTransport(answer))
    return WebhookConnector("erp", "http://erp.test/api/", secret, 1.5, client=client,
                            clock=lambda: datetime(2024, 5, 1, tzinfo=UTC))


@pytest.mark.parametrize("status", [408, 425, 429, 500, 502, 503, 504])
def test_retryable_statuses_are_unavailable(status: int) -> None:
    with pytest.raises(ConnectorUnavailable, match=str(status)):
        mocked(status, b"busy").call("order_mirror", {}, "k")


@pytest.mark.parametrize("status", [301, 400, 403, 404, 409, 410, 422])
def test_other_statuses_are_rejected_with_the_status(status: int) -> None:
    with pytest.raises(ConnectorRejected, match="no such order") as caught:
        mocked(status, b"no such order" + b"." * 1000).call("order_mirror", {}, "k")
    assert caught.value.status == status
    assert len(caught.value.reason) < 300


@pytest.mark.parametrize(("status", "content", "expected"), [
    (200, b'{"ref": "X-1"}', {"ref": "X-1"}), (200, b"", {}), (204, b"", {}), (202, b" \n", {}),
])
def test_success_answers_the_json_object(status: int, content: bytes, expected: object) -> None:
    assert mocked(status, content).call("order_mirror", {}, "k") == expected


@pytest.mark.parametrize("content", [b"[1, 2]", b'"ok"', b"not json", b"\xff\xfe"])
def test_success_without_a_json_object_is_rejected(content: bytes) -> None:
    with pytest.raises(ConnectorRejected, match="not a JSON object"):
        mocked(200, content).call("order_mirror", {}, "k")


def test_the_request_is_canonical_signed_json_with_a_timeout() -> None:
    seen: list[httpx.Request] = []
    secret = new_secret()
    connector = mocked(200, b"{}", seen, secret)
    payload = {"total": Decimal("10.50"), "at": datetime(2024, 5, 1, tzinfo=UTC), "b": {"a": 1}}
    connector.call("invoice_posting", payload, "evt-42")
    request = seen[0]
    assert str(request.url) == "http://erp.test/api/invoice_posting"
    assert request.content == (b'{"operation":"invoice_posting","payload":{"at":'
                               b'"2024-05-01T00:00:00+00:00","b":{"a":1},"total":"10.50"}}')
    assert request.headers["content-type"] == "application/json"
    assert request.headers["webhook-id"] == "evt-42"
    assert verify([secret], request.headers, request.content,
                  datetime(2024, 5, 1, 0, 1, tzinfo=UTC)) == "evt-42"
    assert request.extensions["timeout"]["read"] == 1.5


def test_transport_failures_are_unavailable() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    client = httpx.Client(transport=httpx.MockTransport(refuse))
    connector = WebhookConnector("erp", "http://erp.test", new_secret(), 1.0, client=client)
    with pytest.raises(ConnectorUnavailable, match="ConnectError"):
        connector.call("order_mirror", {}, "k")
    assert not connector.health().ok


def test_a_bad_secret_is_refused_at_construction() -> None:
    with pytest.raises(ValueError, match="whsec_"):
        WebhookConnector("erp", "http://erp.test", "whsec_!!", 1.0)


# --- the registry -------------------------------------------------------------------------------


def test_every_system_gets_a_retrying_simulated_connector_by_default() -> None:
    registry = connector_registry(Settings())
    assert set(registry.all()) == {system.value for system in EXTERNAL_SYSTEMS}
    for system in EXTERNAL_SYSTEMS:
        connector = registry.get(system)
        assert isinstance(connector, RetryingConnector)
        simulated = registry.simulated(system)
        assert simulated is not None and connector.inner is simulated
        assert connector.health().kind == "simulated"
        assert registry.secrets(system) == []
    assert registry.get("wms").call("wave_release", {}, "k")["ref"] == "WMS-000001"
    registry.close()


def test_settings_reach_the_simulated_system_and_the_retry_policy() -> None:
    settings = Settings(connectors={"erp": ConnectorSettings(max_attempts=2, first_delay_s=0,
                                                             jitter_s=0)},
                        simulation={"erp": {"outages": [(0, 3600)]}})
    registry = connector_registry(settings)
    connector = registry.get("erp")
    assert isinstance(connector, RetryingConnector)
    assert connector.policy.max_attempts == 2
    with pytest.raises(ConnectorExhausted) as caught:
        connector.call("order_mirror", {}, "k")
    assert caught.value.attempts == 2
    registry.close()


def test_a_webhook_system_calls_its_peer_and_keeps_its_secrets(peer: WebhookPeer) -> None:
    previous = new_secret()
    settings = {"tms": ConnectorSettings(kind="webhook", url=peer.url, secret=peer.secrets[0],
                                         previous_secret=previous, timeout_s=TIMEOUT_S)}
    registry = connector_registry(Settings(connectors=settings))
    assert registry.get("tms").call("tender", {}, "k")["ref"] == "TMS-000001"
    assert registry.simulated("tms") is None
    assert registry.simulated("erp") is not None
    assert registry.secrets("tms") == [peer.secrets[0], previous]
    registry.close()


@pytest.mark.parametrize(("settings", "message"), [
    ({"kind": "webhook", "secret": "whsec_" + "A" * 44}, "connectors.wms: .*url"),
    ({"kind": "webhook", "url": "http://wms.test"}, "connectors.wms: .*secret"),
    ({"kind": "webhook", "url": "http://wms.test", "secret": "whsec_!"}, "connectors.wms"),
    ({"secret": "whsec_" + "A" * 44, "previous_secret": "nope!"}, "connectors.wms"),
])
def test_unusable_settings_name_the_system(settings: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        connector_registry(Settings(connectors={
            "wms": ConnectorSettings.model_validate(settings)}))


def test_unknown_systems_are_refused() -> None:
    with pytest.raises(ValueError, match="crm"):
        build_connectors({"crm": ConnectorSettings()})
    registry = connector_registry(Settings())
    with pytest.raises(NotFound, match="crm"):
        registry.get("crm")
    assert json.dumps(registry.secrets("crm")) == "[]"


def test_the_registry_builds_only_what_it_is_told() -> None:
    """Defaults and the simulator are the composition root's to give: the registry refuses a
    system left out, and a simulated one when no simulator was handed in."""
    explicit = {system: ConnectorSettings(kind="simulated") for system in SYSTEMS}
    with pytest.raises(ValueError, match=r"no connector configured for tms, finance: .*webhook"):
        build_connectors({"erp": explicit["erp"], "wms": explicit["wms"]})
    with pytest.raises(ValueError, match=r"connectors\.erp: kind simulated, but no simulator"):
        build_connectors(explicit)
    registry = build_connectors(explicit, simulate=lambda system, timeout_s: SimulatedSystem(
        system, timeout_s=timeout_s))
    connector = registry.get("erp")
    assert isinstance(connector, RetryingConnector)
    assert connector.inner is registry.simulated("erp")
    registry.close()
