"""The sample `shipshape.yaml` at the repository's root, which the README's commands use, is a
file Shipshape reads as it is: every system named, so that production starts with it."""

from __future__ import annotations

from pathlib import Path

import pytest

from shipshape.config import SYSTEMS, Settings

SAMPLE = Path(__file__).resolve().parents[2] / "shipshape.yaml"


@pytest.fixture
def sample(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SHIPSHAPE_DATABASE_URL", "SHIPSHAPE_BROKER_URL", "SHIPSHAPE_ENV"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SHIPSHAPE_CONFIG", str(SAMPLE))


@pytest.mark.usefixtures("sample")
def test_the_sample_names_every_system_and_is_read_as_it_stands() -> None:
    settings = Settings()
    assert sorted(settings.connectors) == sorted(SYSTEMS)
    assert settings.simulation["erp"]["pays_invoices"] is True
    assert settings.past_ship_date == "warn"


@pytest.mark.usefixtures("sample")
def test_production_starts_with_the_sample_and_a_real_secret() -> None:
    settings = Settings(env="production", secret_key="s" * 48,
                        database_url="postgresql+psycopg://postgres@127.0.0.1:5432/test",
                        broker_url="nats://127.0.0.1:4222")
    assert settings.env == "production"


@pytest.mark.usefixtures("sample")
def test_the_environment_overrides_the_sample(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHIPSHAPE_PAST_SHIP_DATE", "hold")
    assert Settings().past_ship_date == "hold"
