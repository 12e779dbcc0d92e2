"""The connectors, the simulated systems' behaviour and the ownership table come from the YAML
file named by SHIPSHAPE_CONFIG, with environment overrides; with no file every connector is
simulated."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from shipshape.adapters.systems.retrying import RetryingConnector
from shipshape.adapters.systems.signing import new_secret
from shipshape.adapters.systems.webhook import WebhookConnector
from shipshape.bootstrap import connector_registry
from shipshape.config import Settings
from shipshape.domain.integration import State, System, ownership_table
from shipshape.sim.systems.settings import simulation_settings
from shipshape.sim.systems.system import SimulatedSystem

SECRET = new_secret()


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "shipshape.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def inner(settings: Settings, system: str) -> object:
    connector = connector_registry(settings).get(system)
    assert isinstance(connector, RetryingConnector)
    return connector.inner


def test_without_a_file_every_connector_is_simulated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SHIPSHAPE_CONFIG", raising=False)
    registry = connector_registry(Settings())
    assert set(registry.all()) == {"erp", "wms", "tms", "finance"}
    assert all(isinstance(registry.simulated(name), SimulatedSystem) for name in registry.all())


def test_the_yaml_file_configures_connectors_and_ownership_and_env_overrides_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = write(tmp_path, f"""
connectors:
  erp: {{kind: webhook, url: "http://erp.example:9000/hooks", secret: "{SECRET}",
         timeout_s: 2.5}}
  wms: {{kind: simulated}}
simulation:
  wms: {{failure_rate: 0.05, seed: 3}}
ownership:
  credit_status: finance
""")
    monkeypatch.setenv("SHIPSHAPE_CONFIG", str(path))
    monkeypatch.setenv("SHIPSHAPE_SIMULATION__WMS__FAILURE_RATE", "0.2")
    monkeypatch.setenv("SHIPSHAPE_SIMULATION__WMS__SHORT_PICK_NTH", "[2, 5]")
    settings = Settings()
    assert isinstance(inner(settings, "erp"), WebhookConnector)
    assert settings.connectors["erp"].timeout_s == 2.5
    wms = simulation_settings(settings.simulation)["wms"]
    assert (wms.failure_rate, wms.short_pick_nth, wms.seed) == (0.2, [2, 5], 3)
    assert isinstance(inner(settings, "wms"), SimulatedSystem)
    assert isinstance(inner(settings, "tms"), SimulatedSystem)
    table = ownership_table(settings.ownership)
    assert table[State.CREDIT_STATUS] is System.FINANCE
    assert table[State.PICKED_QUANTITY] is System.WMS


def test_a_missing_file_or_unknown_names_are_clear_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SHIPSHAPE_CONFIG", str(tmp_path / "absent.yaml"))
    with pytest.raises(ValueError, match=r"absent\.yaml, which is not a readable file"):
        Settings()
    monkeypatch.setenv("SHIPSHAPE_CONFIG", str(write(tmp_path, "ownership: {credit: erp}\n")))
    with pytest.raises(ValidationError, match="unknown state 'credit'"):
        Settings()
    monkeypatch.setenv("SHIPSHAPE_CONFIG", str(write(tmp_path, "connectors: {crm: {}}\n")))
    with pytest.raises(ValidationError, match="crm"):
        Settings()
    monkeypatch.setenv("SHIPSHAPE_CONFIG", str(write(
        tmp_path, "connectors: {erp: {kind: webhook, url: 'http://x'}}\n")))
    with pytest.raises(ValueError, match="erp"):
        connector_registry(Settings())


def test_simulation_settings_that_cannot_work_name_the_system_and_the_knob(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SHIPSHAPE_CONFIG", str(write(tmp_path, "simulation: {crm: {}}\n")))
    with pytest.raises(ValidationError, match="crm"):
        Settings()
    monkeypatch.setenv("SHIPSHAPE_CONFIG", str(write(
        tmp_path, "simulation: {wms: {failure_rate: 2}}\n")))
    with pytest.raises(ValueError, match=r"simulation\.wms: failure_rate: .*less than or equal"):
        connector_registry(Settings())
    monkeypatch.setenv("SHIPSHAPE_CONFIG", str(write(
        tmp_path, "simulation: {wms: {latency: 5}}\n")))
    with pytest.raises(ValueError, match=r"simulation\.wms: latency: Extra inputs"):
        connector_registry(Settings())
    monkeypatch.setenv("SHIPSHAPE_CONFIG", str(write(tmp_path, f"""
connectors: {{tms: {{kind: webhook, url: "http://tms.example", secret: "{SECRET}"}}}}
simulation: {{tms: {{latency_ms: 5}}}}
""")))
    with pytest.raises(ValidationError, match="SIMULATION: tms connected by webhook"):
        Settings()
