"""The simulated TMS reports the deliveries of the shipments it tracks: in transit, out for
delivery and delivered after the transit time with noise; late, failed, damaged or short by the
configured rates (all 0 by default)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from shipshape.sim.systems.settings import SimulationSettings
from shipshape.sim.systems.system import SimulatedSystem

AT = datetime(2026, 11, 27, 23, 30, tzinfo=UTC)
SHIPMENT = {"order_id": "SO-1", "shipment_id": "SHP-DAL-SO-1", "site": "DAL",
            "ship_date": "2026-11-27", "carrier_service": "UPS:GND", "tracking_number": "1Z",
            "lines": [{"line_no": 1, "sku": "SKU1", "picked": 5, "shipped": 5}]}


def tms(**settings: object) -> SimulatedSystem:
    return SimulatedSystem("tms", SimulationSettings.model_validate(settings), clock=lambda: AT)


def tracked(system: SimulatedSystem, n: int = 1) -> list[list[dict[str, Any]]]:
    """The events of `n` shipments tracked one after the other, per shipment."""
    found = []
    for i in range(n):
        shipment = {**SHIPMENT, "shipment_id": f"SHP-{i}"}
        system.call("tracking", shipment, f"key-{i}")
        found.append(system.take_events())
    return found


def test_a_tracked_shipment_is_delivered_in_order_after_the_transit_time() -> None:
    [events] = tracked(tms())
    assert [e["type"] for e in events] == [
        "shipment_in_transit", "shipment_out_for_delivery", "shipment_delivered"]
    times = [datetime.fromisoformat(str(e["occurred_at"])) for e in events]
    assert times == sorted(times) and len(set(times)) == 3  # applied in order, none stale
    delivered = events[-1]["data"]
    at = datetime.fromisoformat(delivered["delivered_at"])
    assert timedelta(days=0.75) <= at - AT <= timedelta(days=1.25)
    assert (delivered["pod_reference"], delivered["order_id"]) == ("POD-SHP-0", "SO-1")


def test_the_rates_fail_delay_damage_and_short_deliveries() -> None:
    [failed] = tracked(tms(delivery_failure_rate=1))
    assert [e["type"] for e in failed] == ["shipment_in_transit", "delivery_failed"]
    assert failed[-1]["data"]["reason"]
    [late] = tracked(tms(delivery_late_rate=1, late_days=10, transit_noise_days=0))
    at = datetime.fromisoformat(late[-1]["data"]["delivered_at"])
    assert at - AT == timedelta(days=11)
    [damaged] = tracked(tms(delivery_damage_rate=1, delivery_short_rate=1))
    assert damaged[-1]["type"] == "delivery_discrepancy"
    assert damaged[-1]["data"]["lines"] == [{"line_no": 1, "damaged": 1, "short": 1}]


def test_rates_apply_to_about_their_share_and_repeat_with_the_seed() -> None:
    def kinds(seed: int) -> list[str]:
        return [events[-1]["type"] for events in
                tracked(tms(delivery_failure_rate=0.3, seed=seed), 200)]
    first = kinds(7)
    assert 30 <= first.count("delivery_failed") <= 90
    assert kinds(7) == first


def outcome(events: list[dict[str, Any]]) -> str:
    last = events[-1]
    if last["type"] == "delivery_failed":
        return "failed"
    if last["type"] == "delivery_discrepancy":
        lines = last["data"]["lines"][0]
        return "damaged" if lines["damaged"] else "short"
    late = datetime.fromisoformat(last["data"]["delivered_at"]) - AT > timedelta(days=5)
    return "late" if late else "on time"


def test_delivery_nth_names_the_shipments_that_fail_arrive_late_damaged_or_short() -> None:
    system = tms(delivery_nth={"failed": [2], "late": [3], "damaged": [4], "short": [5]})
    assert [outcome(events) for events in tracked(system, 6)] == [
        "on time", "failed", "late", "damaged", "short", "on time"]
    system.call("redelivery", {**SHIPMENT, "shipment_id": "SHP-1"}, "again-1")
    assert outcome(system.take_events()) == "on time"  # a re-delivery is drawn by the rates


def test_delivery_nth_as_json_from_the_environment_and_its_mistakes() -> None:
    assert SimulationSettings.model_validate(
        {"delivery_nth": '{"failed": [1]}'}).delivery_nth == {"failed": [1]}
    with pytest.raises(ValidationError, match="unknown outcome 'lost'; outcomes: late, failed"):
        SimulationSettings.model_validate({"delivery_nth": {"lost": [1]}})
    with pytest.raises(ValidationError, match="ordinals count from 1"):
        SimulationSettings.model_validate({"delivery_nth": {"late": [0]}})
    with pytest.raises(ValueError, match=r"simulation\.wms\.delivery_nth: only the tms delivers"):
        SimulatedSystem("wms", SimulationSettings.model_validate({"delivery_nth": {"late": [1]}}))
