"""The simulated systems a scenario runs against: each one's connector (the retry policy) and
its behaviour (`SimulationSettings`), and the settings that put them in place."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from shipshape.config import ConnectorSettings, Settings
from shipshape.sim.systems.settings import SimulationSettings


@dataclass(frozen=True)
class ScenarioSystem:
    """One simulated system of a scenario."""

    simulation: SimulationSettings
    connector: ConnectorSettings = field(
        default_factory=lambda: ConnectorSettings(kind="simulated"))


def with_scenario_systems(settings: Settings, systems: Mapping[str, ScenarioSystem]) -> Settings:
    """`settings` with `systems` in place, except those the settings configure themselves (a
    connector or a simulation of their own): those stay as configured."""
    chosen = {name: system for name, system in systems.items()
              if name not in settings.connectors and name not in settings.simulation}
    connectors = {name: system.connector for name, system in chosen.items()}
    simulation = {name: system.simulation.model_dump(exclude_defaults=True)
                  for name, system in chosen.items()}
    return settings.model_copy(update={
        "connectors": {**settings.connectors, **connectors},
        "simulation": {**settings.simulation, **simulation}})
