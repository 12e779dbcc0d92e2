"""What the simulated systems send back after a call (picks, shipments, invoice acknowledgements,
tracking numbers) and the deterministic faults injected through `simulation.<system>`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from shipshape.bootstrap import connector_registry
from shipshape.config import Settings
from shipshape.services.ports.connectors import ConnectorRejected, ConnectorUnavailable
from shipshape.sim.systems.settings import SimulationSettings
from shipshape.sim.systems.system import SimulatedSystem

AT = datetime(2026, 11, 27, 23, 30, tzinfo=UTC)


def simulated(name: str, **settings: object) -> SimulatedSystem:
    return SimulatedSystem(name, SimulationSettings.model_validate(settings), clock=lambda: AT)


def order(order_id: str, *quantities: int) -> dict[str, object]:
    return {"order_id": order_id, "customer_id": "C1", "requested_ship_date": "2026-12-01",
            "carrier_service": "UPS:GND",
            "lines": [{"line_no": n, "sku": f"SKU{n}", "quantity": quantity}
                      for n, quantity in enumerate(quantities, start=1)]}


def wave(wave_id: str, *orders: dict[str, object], site: str = "DAL") -> dict[str, object]:
    return {"wave_id": wave_id, "site": site, "orders": list(orders)}


def data(event: dict[str, object]) -> dict[str, Any]:
    value = event["data"]
    assert isinstance(value, dict)
    return value


def picked(events: list[dict[str, object]]) -> dict[str, list[tuple[int, int]]]:
    """order id -> [(line_no, quantity)] of the pick confirmations."""
    return {data(event)["order_id"]: [(line["line_no"], line["quantity"])
                                      for line in data(event)["lines"]] for event in events}


def ship_release(order_id: str = "SO-1") -> dict[str, object]:
    return {"order_id": order_id, "carrier_service": "UPS:GND", "tracking_number": "1Z1",
            "label_ref": "LBL-UPS-GND-1Z1", "sites": [
                {"site": "DAL", "lines": [{"line_no": 1, "sku": "A", "quantity": 4, "lot": "L1"},
                                          {"line_no": 1, "sku": "A", "quantity": 2, "lot": "L2"}]},
                {"site": "RNO", "lines": [{"line_no": 2, "sku": "B", "quantity": 3,
                                           "lot": None}]}]}


def invoice(invoice_id: str) -> dict[str, object]:
    return {"invoice_id": invoice_id, "order_id": f"SO-{invoice_id}", "shipment_id": "SHP-1",
            "customer_id": "C1", "total": "118.40", "currency": "USD", "lines": []}


# --- reactions -------------------------------------------------------------------------------


def test_a_released_wave_is_confirmed_picked_in_full_one_event_per_order() -> None:
    wms = simulated("wms")
    wms.call("wave_release", wave("W1", order("SO-1", 5, 2), order("SO-2", 1)), "k1")
    events = wms.take_events()
    assert [event["type"] for event in events] == ["pick_confirmed", "pick_confirmed"]
    assert events[0]["data"] == {"order_id": "SO-1", "site": "DAL",
                                 "lines": [{"line_no": 1, "quantity": 5},
                                           {"line_no": 2, "quantity": 2}]}
    assert picked(events)["SO-2"] == [(1, 1)]
    assert {event["occurred_at"] for event in events} == {AT.isoformat()}


def test_lots_given_in_the_wave_are_confirmed_as_picked() -> None:
    wms = simulated("wms")
    lines = [{"line_no": 1, "sku": "A", "quantity": 3, "lot": "L7", "expiry": "2027-03-01"}]
    wms.call("wave_release", wave("W1", {"order_id": "SO-1", "lines": lines}), "k1")
    [event] = wms.take_events()
    assert data(event)["lines"] == [
        {"line_no": 1, "quantity": 3, "lot": "L7", "expiry": "2027-03-01"}]


def test_a_ship_release_is_confirmed_once_per_site_with_the_released_quantities() -> None:
    wms = simulated("wms")
    wms.call("ship_release", ship_release(), "k1")
    events = wms.take_events()
    assert [event["type"] for event in events] == ["shipment_confirmed", "shipment_confirmed"]
    dal, rno = (event["data"] for event in events)
    assert dal == {"order_id": "SO-1", "site": "DAL", "shipment_id": "SHP-DAL-SO-1",
                   "ship_date": "2026-11-27",
                   "lines": [{"line_no": 1, "quantity": 4, "lot": "L1"},
                             {"line_no": 1, "quantity": 2, "lot": "L2"}],
                   "cartons": [{"ref": "CTN-1", "lines": [{"line_no": 1, "lot": "L1",
                                                           "quantity": 4}]},
                               {"ref": "CTN-2", "lines": [{"line_no": 1, "lot": "L2",
                                                           "quantity": 2}]}]}
    assert rno["lines"] == [{"line_no": 2, "quantity": 3}]
    assert [c["lines"] for c in rno["cartons"]] == [[{"line_no": 2, "quantity": 3}]]


def test_the_erp_acknowledges_a_posted_invoice_with_its_ref_and_the_total() -> None:
    erp = simulated("erp")
    reply = erp.call("invoice_posting", invoice("INV-1"), "k1")
    [event] = erp.take_events()
    assert event["type"] == "invoice_posted"
    assert event["data"] == {"invoice_id": "INV-1", "order_id": "SO-INV-1",
                             "erp_ref": reply["ref"], "total": "118.40"}


def test_the_erp_still_acknowledges_a_mirrored_order() -> None:
    erp = simulated("erp")
    reply = erp.call("order_mirror", {"order_id": "SO-1", "event": "OrderAccepted"}, "k1")
    [event] = erp.take_events()
    assert (event["type"], event["data"]) == (
        "order_acknowledged", {"order_id": "SO-1", "erp_ref": reply["ref"]})


def test_a_tender_is_answered_with_a_tracking_number_stable_per_call() -> None:
    tms = simulated("tms")
    first = tms.call("tender", {"order_id": "SO-1", "carrier_service": "UPS:GND"}, "e1:UPS:GND")
    second = tms.call("tender", {"order_id": "SO-1", "carrier_service": "FDX:GRD"}, "e1:FDX:GRD")
    tracking = first["tracking_number"]
    assert isinstance(tracking, str) and tracking.startswith("1Z") and len(tracking) == 18
    assert second["tracking_number"] != tracking
    again = tms.call("tender", {"order_id": "SO-1", "carrier_service": "UPS:GND"}, "e1:UPS:GND")
    assert again["tracking_number"] == tracking
    restarted = simulated("tms")
    assert restarted.call("tender", {}, "e1:UPS:GND")["tracking_number"] == tracking
    assert tms.take_events() == []


@pytest.mark.parametrize(("name", "operation"), [
    ("wms", "task_cancel"), ("tms", "tender_cancel"), ("finance", "credit_note"),
    ("finance", "invoice_posting"), ("erp", "credit_status")])
def test_operations_without_a_reaction_are_applied_and_answered_quietly(
    name: str, operation: str,
) -> None:
    system = simulated(name)
    reply = system.call(operation, {"order_id": "SO-1", "invoice_id": "INV-1"}, "k1")
    assert reply["ref"] == f"{name.upper()}-000001"
    assert system.applied_count(operation) == 1
    assert system.take_events() == []


def test_a_repeated_call_never_reacts_twice() -> None:
    wms, erp = simulated("wms"), simulated("erp")
    for _ in range(3):
        wms.call("wave_release", wave("W1", order("SO-1", 2)), "wave")
        wms.call("ship_release", ship_release(), "ship")
        erp.call("invoice_posting", invoice("INV-1"), "post")
    assert [event["type"] for event in wms.take_events()] == [
        "pick_confirmed", "shipment_confirmed", "shipment_confirmed"]
    assert [event["type"] for event in erp.take_events()] == ["invoice_posted"]


def test_a_call_that_failed_or_was_rejected_sends_nothing() -> None:
    wms = simulated("wms")
    wms.fail_next(1)
    with pytest.raises(ConnectorUnavailable):
        wms.call("wave_release", wave("W1", order("SO-1", 2)), "k1")
    wms.reject_next(1, "site closed")
    with pytest.raises(ConnectorRejected):
        wms.call("wave_release", wave("W1", order("SO-1", 2)), "k1")
    assert wms.take_events() == []
    wms.call("wave_release", wave("W1", order("SO-1", 2)), "k1")
    assert picked(wms.take_events()) == {"SO-1": [(1, 2)]}


# --- fault injection -------------------------------------------------------------------------


def test_reject_when_refuses_matching_calls_naming_the_rule() -> None:
    tms = simulated("tms", reject_when={"tender": {"carrier_service": ["UPS:GND", "UPS:2DA"]}})
    with pytest.raises(ConnectorRejected, match=r"reject_when\.tender\.carrier_service") as caught:
        tms.call("tender", {"order_id": "SO-1", "carrier_service": "UPS:GND"}, "k1")
    assert caught.value.status == 422 and not caught.value.retryable
    with pytest.raises(ConnectorRejected):
        tms.call("tender", {"order_id": "SO-1", "carrier_service": "UPS:GND"}, "k1")
    reply = tms.call("tender", {"order_id": "SO-1", "carrier_service": "FDX:GRD"}, "k2")
    assert reply["tracking_number"]
    tms.call("tender_cancel", {"carrier_service": "UPS:GND"}, "k3")
    assert tms.applied_count() == 2


def test_reject_when_compares_values_as_text() -> None:
    erp = simulated("erp", reject_when={"order_mirror": {"priority": ["1"]}})
    with pytest.raises(ConnectorRejected):
        erp.call("order_mirror", {"order_id": "SO-1", "priority": 1}, "k1")
    erp.call("order_mirror", {"order_id": "SO-2", "priority": 2}, "k2")
    erp.call("order_mirror", {"order_id": "SO-3"}, "k3")
    assert erp.applied_count() == 2


def test_negative_ack_nth_rejects_exactly_those_postings() -> None:
    erp = simulated("erp", negative_ack_nth={"invoice_posting": [2]})
    for n in range(1, 4):
        erp.call("invoice_posting", invoice(f"INV-{n}"), f"k{n}")
    events = erp.take_events()
    assert [(event["type"], data(event)["invoice_id"]) for event in events] == [
        ("invoice_posted", "INV-1"), ("invoice_rejected", "INV-2"), ("invoice_posted", "INV-3")]
    rejected = data(events[1])
    assert rejected["order_id"] == "SO-INV-2"
    assert "negative_ack_nth" in rejected["reason"]


def test_negative_ack_nth_counts_applied_calls_of_that_operation_only() -> None:
    erp = simulated("erp", negative_ack_nth={"invoice_posting": [2]})
    erp.call("order_mirror", {"order_id": "SO-1"}, "mirror")
    erp.call("invoice_posting", invoice("INV-1"), "k1")
    erp.call("invoice_posting", invoice("INV-1"), "k1")
    erp.reject_next(1)
    with pytest.raises(ConnectorRejected):
        erp.call("invoice_posting", invoice("INV-2"), "k2")
    erp.call("invoice_posting", invoice("INV-2"), "k2")
    types = [event["type"] for event in erp.take_events()]
    assert types == ["order_acknowledged", "invoice_posted", "invoice_rejected"]


def test_short_pick_nth_counts_orders_over_every_wave() -> None:
    wms = simulated("wms", short_pick_nth=[3])
    wms.call("wave_release", wave("W1", order("SO-1", 5), order("SO-2", 5)), "w1")
    wms.call("wave_release", wave("W1", order("SO-1", 5), order("SO-2", 5)), "w1")
    wms.call("wave_release", wave("W2", order("SO-3", 5, 4), order("SO-4", 5)), "w2")
    assert picked(wms.take_events()) == {"SO-1": [(1, 5)], "SO-2": [(1, 5)],
                                         "SO-3": [(1, 4), (2, 4)], "SO-4": [(1, 5)]}


def test_a_short_picked_line_of_one_finds_nothing() -> None:
    wms = simulated("wms", short_pick_nth=[1])
    wms.call("wave_release", wave("W1", order("SO-1", 1, 3)), "w1")
    assert picked(wms.take_events()) == {"SO-1": [(1, 0), (2, 3)]}


def test_faults_are_read_from_the_yaml_file(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "shipshape.yaml"
    path.write_text("""
simulation:
  tms: {reject_when: {tender: {carrier_service: ["UPS:GND"]}}}
  erp: {negative_ack_nth: {invoice_posting: [1]}}
  wms: {short_pick_nth: [1]}
""", encoding="utf-8")
    monkeypatch.setenv("SHIPSHAPE_CONFIG", str(path))
    registry = connector_registry(Settings())
    tms, erp = registry.simulated("tms"), registry.simulated("erp")
    assert tms is not None and erp is not None
    with pytest.raises(ConnectorRejected):
        tms.call("tender", {"carrier_service": "UPS:GND"}, "k1")
    erp.call("invoice_posting", invoice("INV-1"), "k1")
    assert [event["type"] for event in erp.take_events()] == ["invoice_rejected"]


# --- validation ------------------------------------------------------------------------------


@pytest.mark.parametrize(("settings", "message"), [
    ({"short_pick_nth": [0]}, r"short_pick_nth: ordinals count from 1"),
    ({"negative_ack_nth": {"invoice_posting": [1, -2]}},
     r"negative_ack_nth\.invoice_posting: ordinals count from 1"),
    ({"negative_ack_nth": {"invoice_post": [1]}}, r"unknown operation 'invoice_post'"),
    ({"reject_when": {"tendr": {"carrier_service": ["X"]}}}, r"unknown operation 'tendr'"),
    ({"reject_when": {"tender": {}}}, r"reject_when\.tender: name a payload field"),
    ({"reject_when": {"tender": {"carrier_service": []}}}, r"at least one value"),
    ({"reject_when": {"tender": {"carrier_service": "UPS:GND"}}}, r"valid list"),
])
def test_settings_that_cannot_work_are_refused(settings: dict[str, object],
                                               message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        SimulationSettings.model_validate(settings)


def test_faults_are_defaults_off() -> None:
    settings = SimulationSettings()
    assert (settings.reject_when, settings.negative_ack_nth, settings.short_pick_nth) == (
        {}, {}, [])


@pytest.mark.parametrize(("name", "settings", "message"), [
    ("wms", {"reject_when": {"tender": {"carrier_service": ["X"]}}},
     r"simulation\.wms\.reject_when: wms has no operation 'tender'"),
    ("finance", {"negative_ack_nth": {"invoice_posting": [1]}},
     r"simulation\.finance\.negative_ack_nth: finance sends no negative acknowledgement"),
    ("erp", {"short_pick_nth": [1]}, r"simulation\.erp\.short_pick_nth: only the wms picks"),
])
def test_faults_a_system_cannot_have_are_refused_when_it_is_built(
    name: str, settings: dict[str, object], message: str,
) -> None:
    with pytest.raises(ValueError, match=message):
        connector_registry(Settings(simulation={name: settings}))
