"""The twin's ERP, WMS, TMS and finance: the simulator's systems on simulated time.

They are `SimulatedSystem`s whose clock, sleep and monotonic time are the simulation's (a
call's latency costs no real time; outage windows are simulated seconds). The WMS hands each
wave to the world's warehouse, which picks it against physical stock after the pick time; the
TMS refuses tenders by its failure rate and to a carrier in an outage window.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime

from shipshape.services.ports.connectors import ConnectorRejected, Payload
from shipshape.sim.scenario import Scenario
from shipshape.sim.systems.settings import SimulationSettings
from shipshape.sim.systems.system import SimulatedSystem, _Draw

WaveTaker = Callable[[Payload], None]


class TwinWms(SimulatedSystem):
    def __init__(self, settings: SimulationSettings, take_wave: WaveTaker,
                 now_s: Callable[[], float], clock: Callable[[], datetime]) -> None:
        super().__init__("wms", settings, sleep=lambda _: None, monotonic=now_s, clock=clock)
        self._take_wave = take_wave

    def _react(self, operation: str, payload: Payload, reply: Payload) -> None:
        if operation == "wave_release":
            self._take_wave(payload)
            return
        super()._react(operation, payload, reply)


class TwinTms(SimulatedSystem):
    def __init__(self, settings: SimulationSettings, scenario: Scenario, rng: random.Random,
                 now_s: Callable[[], float], clock: Callable[[], datetime]) -> None:
        super().__init__("tms", settings, sleep=lambda _: None, monotonic=now_s, clock=clock)
        self._carriers = scenario.carriers
        self._rng = rng
        self._now_s = now_s

    def _refuse_if_due(self, operation: str, payload: Payload, draw: _Draw) -> None:
        if operation == "tender":
            carrier = str(payload.get("carrier_service", "")).split(":")[0]
            hour = self._now_s() / 3600
            if any(o.carrier == carrier and o.covers(hour) for o in self._carriers.outages):
                raise ConnectorRejected("tms", operation, f"{carrier} is in an outage", 422)
            if self._rng.random() < self._carriers.tender_failure_rate:
                raise ConnectorRejected("tms", operation, "the carrier refused the tender", 422)
        super()._refuse_if_due(operation, payload, draw)


def system_settings(scenario: Scenario, system: str, seed: int) -> SimulationSettings:
    """A system's faults: the scenario's integration failures and outages; the TMS's transit
    and late deliveries; the ERP books invoices and the customer pays them."""
    integration = scenario.integration
    outages = [(o.start_hour * 3600, o.end_hour * 3600) for o in integration.outages
               if o.system == system]
    failing = integration.failure_rate if system in ("erp", "wms", "tms") else 0.0
    knobs: dict[str, object] = {"failure_rate": failing, "outages": outages,
                                "seed": hash_seed(seed, system)}
    if system == "tms":
        knobs |= {"transit_days": scenario.carriers.transit_days, "transit_noise_days": 0.25,
                  "delivery_late_rate": scenario.carriers.late_rate, "late_days": 2.0,
                  "delivery_damage_rate": scenario.carriers.damage_rate}
    if system == "erp":
        knobs["pays_invoices"] = True
    return SimulationSettings.model_validate(knobs)


def hash_seed(seed: int, name: str) -> int:
    return random.Random(f"{seed}:{name}").randrange(2**31)


def build_system(system: str, scenario: Scenario, seed: int, take_wave: WaveTaker,
                 now_s: Callable[[], float], clock: Callable[[], datetime]) -> SimulatedSystem:
    settings = system_settings(scenario, system, seed)
    if system == "wms":
        return TwinWms(settings, take_wave, now_s, clock)
    if system == "tms":
        return TwinTms(settings, scenario, random.Random(f"{seed}:tenders"), now_s, clock)
    return SimulatedSystem(system, settings, sleep=lambda _: None, monotonic=now_s, clock=clock)
