"""`SHIPSHAPE_ENV=production` refuses unsafe defaults at start-up, each with one line naming the
setting: simulated systems nobody asked for, a transport that cannot serve several processes,
SQLite without durable commits, short secrets. A simulated system asked for by name is allowed;
outside production every system not configured is simulated."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from shipshape.bootstrap import ConfigurationError, connector_registry
from shipshape.cli import main, setting_errors
from shipshape.config import SYSTEMS, ConnectorSettings, Settings
from shipshape.sim.systems.system import SimulatedSystem

SECRET = "k" * 32
EXPLICIT = {system: ConnectorSettings(kind="simulated") for system in SYSTEMS}


def production(**fields: Any) -> Settings:
    values: dict[str, Any] = {"env": "production", "secret_key": SECRET,
                              "database_url": "sqlite:///x.db", "connectors": EXPLICIT}
    return Settings(**{**values, **fields})


def refusal(**fields: Any) -> list[str]:
    with pytest.raises(ValidationError) as refused:
        production(**fields)
    return setting_errors(refused.value)


def test_a_production_configuration_that_names_everything_starts() -> None:
    settings = production()
    assert settings.env == "production" and settings.secret_key == SECRET
    webhooks = {s: ConnectorSettings(kind="webhook", url=f"https://{s}.example.com")
                for s in SYSTEMS}
    assert production(connectors=webhooks, database_url="postgresql+psycopg://db/x",
                      broker_url="nats://127.0.0.1:4222").broker_url


@pytest.mark.parametrize("secret", ["x", " ", " " * 40, "s" * 31])
def test_secrets_shorter_than_32_bytes_are_refused(secret: str) -> None:
    assert refusal(secret_key=secret) == [
        "SHIPSHAPE_SECRET_KEY must be at least 32 bytes in production (e.g. `python -c "
        "'import secrets; print(secrets.token_urlsafe(48))'`)"]


def test_systems_left_to_the_simulated_default_are_refused() -> None:
    [line] = refusal(connectors={})
    assert line.startswith("SHIPSHAPE_CONNECTORS: production needs a connector for "
                           "erp, wms, tms, finance")
    implicit = {**EXPLICIT, "wms": ConnectorSettings(max_attempts=5)}
    [line] = refusal(connectors=implicit)
    assert "for wms " in line and "kind: simulated" in line
    assert "kind: webhook with its url and secret" in line


def test_systems_said_to_be_simulated_are_built_simulated_with_their_faults() -> None:
    registry = connector_registry(production(simulation={"wms": {"short_pick_nth": [1]}}))
    assert all(isinstance(registry.simulated(system), SimulatedSystem) for system in SYSTEMS)
    wms = registry.simulated("wms")
    assert wms is not None
    wms.call("wave_release", {"site": "DAL", "orders": [
        {"order_id": "SO-1", "lines": [{"line_no": 1, "quantity": 2}]}]}, "k1")
    [event] = wms.take_events()
    assert event["data"] == {"order_id": "SO-1", "site": "DAL",
                             "lines": [{"line_no": 1, "quantity": 1}]}


def test_the_composition_root_refuses_unconfigured_systems_in_production() -> None:
    """Settings copied without validation still cannot slip a simulated system in."""
    unchecked = production().model_copy(update={"connectors": {"erp": EXPLICIT["erp"]}})
    with pytest.raises(ConfigurationError) as refused:
        connector_registry(unchecked)
    message = str(refused.value)
    assert message.startswith("no connector configured for wms, tms, finance: ")
    assert "kind: webhook with its url and secret, or kind: simulated" in message


def test_development_simulates_every_system_not_configured() -> None:
    settings = Settings(env="development", database_url="sqlite:///x.db",
                        connectors={"tms": ConnectorSettings(max_attempts=2)})
    registry = connector_registry(settings)
    assert all(isinstance(registry.simulated(system), SimulatedSystem) for system in SYSTEMS)
    assert registry.get("wms").call("wave_release", {}, "k")["ref"] == "WMS-000001"


def test_the_in_process_transport_is_refused_on_postgresql() -> None:
    [line] = refusal(database_url="postgresql+psycopg://db/x")
    assert line.startswith("SHIPSHAPE_BROKER_URL:")


def test_sqlite_without_synchronous_commits_is_refused() -> None:
    [line] = refusal(sqlite_synchronous="OFF")
    assert line.startswith("SHIPSHAPE_SQLITE_SYNCHRONOUS=OFF")
    assert production(sqlite_synchronous="NORMAL").sqlite_synchronous == "NORMAL"


def test_development_keeps_its_defaults() -> None:
    settings = Settings(env="development", database_url="sqlite:///x.db", connectors={},
                        sqlite_synchronous="OFF", secret_key="")
    assert settings.secret_key and settings.connectors == {}


def test_the_command_line_says_it_in_one_line_and_exits_2(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("SHIPSHAPE_CONFIG", "SHIPSHAPE_BROKER_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SHIPSHAPE_ENV", "production")
    monkeypatch.setenv("SHIPSHAPE_SECRET_KEY", SECRET)
    monkeypatch.setattr("sys.argv", ["shipshape", "check"])
    with pytest.raises(SystemExit) as exited:
        main()
    out = capsys.readouterr().err  # errors go to stderr
    assert exited.value.code == 2
    assert out.count("\n") == 1 and "pydantic" not in out
    assert "configuration error: SHIPSHAPE_CONNECTORS: production needs a connector" in \
        " ".join(out.split())
