"""The simulated ERP/WMS/TMS/finance system: idempotency, failure modes, its own events."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from shipshape.services.ports.connectors import ConnectorRejected, ConnectorUnavailable
from shipshape.sim.systems.settings import SimulationSettings
from shipshape.sim.systems.system import DEFAULT_TIMEOUT_S, SimulatedSystem

AT = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def system(name: str = "erp", timeout_s: float = DEFAULT_TIMEOUT_S,
           **settings: object) -> tuple[SimulatedSystem, FakeClock]:
    clock = FakeClock()
    behaviour = SimulationSettings.model_validate(settings)
    return SimulatedSystem(name, behaviour, timeout_s, sleep=clock.sleep,
                           monotonic=clock.monotonic), clock


def test_a_call_is_applied_and_answered_with_a_ref() -> None:
    sim, _ = system("wms")
    reply = sim.call("wave_release", {"wave": "W1"}, "k1")
    assert reply == {"system": "wms", "operation": "wave_release", "ref": "WMS-000001",
                     "duplicate": False}
    assert sim.applied == {"k1": ("wave_release", {"wave": "W1"})}
    assert sim.calls == 1


def test_refs_count_up_per_applied_call() -> None:
    sim, _ = system("tms")
    refs = [sim.call("tender", {}, f"k{n}")["ref"] for n in range(3)]
    assert refs == ["TMS-000001", "TMS-000002", "TMS-000003"]


def test_a_repeated_key_is_applied_once_and_answers_the_stored_reply() -> None:
    sim, _ = system()
    first = sim.call("order_mirror", {"order": "SO-1"}, "k1")
    again = sim.call("order_mirror", {"order": "SO-1"}, "k1")
    assert again == {**first, "duplicate": True}
    assert sim.applied_count() == 1
    assert sim.calls == 2


def test_a_key_reused_for_another_operation_is_a_conflict() -> None:
    sim, _ = system()
    sim.call("order_mirror", {}, "k1")
    with pytest.raises(ConnectorRejected) as caught:
        sim.call("credit_status", {}, "k1")
    assert caught.value.status == 409


def test_applied_count_by_operation() -> None:
    sim, _ = system("finance")
    sim.call("invoice_posting", {}, "a")
    sim.call("invoice_posting", {}, "b")
    sim.call("credit_note", {}, "c")
    assert (sim.applied_count("invoice_posting"), sim.applied_count("credit_note")) == (2, 1)


def test_unknown_operation_is_rejected_with_404() -> None:
    sim, _ = system("wms")
    with pytest.raises(ConnectorRejected) as caught:
        sim.call("tender", {}, "k")
    assert caught.value.status == 404
    assert not caught.value.retryable
    assert sim.calls == 1


def test_only_external_systems_can_be_simulated() -> None:
    with pytest.raises(ValueError, match="external"):
        SimulatedSystem("shipshape")


def test_latency_is_slept_around_the_mean() -> None:
    sim, clock = system(latency_ms=100)
    for n in range(50):
        sim.call("order_mirror", {}, f"k{n}")
    assert all(0.05 <= slept <= 0.15 for slept in clock.slept)
    assert sum(clock.slept) / len(clock.slept) == pytest.approx(0.1, rel=0.2)


def test_a_call_slower_than_the_timeout_times_out_unapplied() -> None:
    sim, clock = system(latency_ms=10_000, timeout_s=0.5)
    with pytest.raises(ConnectorUnavailable, match="timed out"):
        sim.call("order_mirror", {}, "k")
    assert clock.slept == [0.5]
    assert sim.applied_count() == 0


def test_outage_windows_are_measured_from_construction() -> None:
    sim, clock = system(outages=[(10.0, 20.0)])
    sim.call("order_mirror", {}, "before")
    clock.now += 10
    with pytest.raises(ConnectorUnavailable, match="outage"):
        sim.call("order_mirror", {}, "during")
    assert not sim.health().ok
    clock.now += 10
    sim.call("order_mirror", {}, "after")
    assert sim.health().ok
    assert set(sim.applied) == {"before", "after"}


def test_set_down_forces_an_outage_until_lifted() -> None:
    sim, _ = system()
    sim.set_down(True)
    with pytest.raises(ConnectorUnavailable):
        sim.call("order_mirror", {}, "k")
    assert sim.health().ok is False
    assert sim.health().kind == "simulated"
    sim.set_down(False)
    assert sim.call("order_mirror", {}, "k")["duplicate"] is False


def test_fail_next_fails_that_many_calls() -> None:
    sim, _ = system()
    sim.fail_next(2)
    for _ in range(2):
        with pytest.raises(ConnectorUnavailable):
            sim.call("order_mirror", {}, "k")
    assert sim.call("order_mirror", {}, "k")["ref"] == "ERP-000001"
    assert sim.calls == 3


def test_reject_next_rejects_with_the_reason_and_422() -> None:
    sim, _ = system()
    sim.reject_next(1, "customer on hold")
    with pytest.raises(ConnectorRejected, match="customer on hold") as caught:
        sim.call("order_mirror", {}, "k")
    assert caught.value.status == 422
    assert sim.applied_count() == 0
    assert sim.call("order_mirror", {}, "k")["duplicate"] is False


def test_an_applied_key_is_answered_even_when_rejections_are_due() -> None:
    sim, _ = system()
    first = sim.call("order_mirror", {}, "k")
    sim.reject_next(1, "no")
    assert sim.call("order_mirror", {}, "k")["ref"] == first["ref"]
    with pytest.raises(ConnectorRejected):
        sim.call("order_mirror", {}, "other")


def test_failure_and_reject_rates_are_seeded_and_roughly_right() -> None:
    def outcomes(seed: int) -> list[str]:
        sim, _ = system(failure_rate=0.3, reject_rate=0.2, seed=seed)
        result = []
        for n in range(400):
            try:
                sim.call("order_mirror", {}, f"k{n}")
                result.append("ok")
            except ConnectorUnavailable:
                result.append("unavailable")
            except ConnectorRejected:
                result.append("rejected")
        return result

    first = outcomes(7)
    assert first == outcomes(7)
    assert first != outcomes(8)
    assert 0.2 < first.count("unavailable") / 400 < 0.4
    assert 0.08 < first.count("rejected") / 400 < 0.25


def test_a_reject_rate_of_one_rejects_every_new_key() -> None:
    sim, _ = system(reject_rate=1.0)
    for n in range(5):
        with pytest.raises(ConnectorRejected):
            sim.call("order_mirror", {}, f"k{n}")
    assert sim.applied_count() == 0


def test_defaults_need_no_settings() -> None:
    sim = SimulatedSystem("tms", SimulationSettings())
    assert SimulatedSystem("tms").call("tracking", {}, "k")["ref"] == "TMS-000001"
    assert sim.health().ok


def test_concurrent_calls_with_one_key_apply_once() -> None:
    sim = SimulatedSystem("erp")
    replies: list[object] = []
    threads = [threading.Thread(target=lambda: replies.append(
        sim.call("order_mirror", {}, "same")["ref"])) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert replies == ["ERP-000001"] * 16
    assert sim.applied_count() == 1


def test_events_are_enveloped_in_order_without_noise() -> None:
    sim, _ = system("wms")
    sim.emit("pick_confirmed", {"order": "SO-1"}, AT)
    sim.emit("task_status_changed", {"task": 2}, AT)
    events = sim.take_events()
    assert [event["type"] for event in events] == ["pick_confirmed", "task_status_changed"]
    assert events[0]["occurred_at"] == AT.isoformat()
    assert events[0]["data"] == {"order": "SO-1"}
    assert events[0]["id"] != events[1]["id"]
    assert sim.take_events() == []


def test_events_are_duplicated_with_the_same_id() -> None:
    sim, _ = system("wms", duplicate_rate=1.0)
    sim.emit("pick_confirmed", {}, AT)
    events = sim.take_events()
    assert len(events) == 2
    assert events[0] == events[1]


def test_events_are_swapped_with_their_successor() -> None:
    sim, _ = system("wms", reorder_rate=1.0)
    for n in range(4):
        sim.emit("pick_confirmed", {"n": n}, AT)
    assert [event["data"] for event in sim.take_events()] == [
        {"n": 1}, {"n": 0}, {"n": 3}, {"n": 2}]


def test_event_noise_is_seeded_and_keeps_every_event() -> None:
    def delivered(seed: int) -> list[object]:
        sim, _ = system("tms", duplicate_rate=0.3, reorder_rate=0.3, seed=seed)
        for n in range(100):
            sim.emit("tracking_updated", {"n": n}, AT)
        return [event["data"] for event in sim.take_events()]

    first = delivered(3)
    assert first == delivered(3)
    assert {item["n"] for item in first if isinstance(item, dict)} == set(range(100))
    assert 100 < len(first) < 150
    assert first != sorted(first, key=lambda item: item["n"] if isinstance(item, dict) else 0)
