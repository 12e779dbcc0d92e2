"""The risk scorer (ml/risk_scorer.py) never raises into intake: a stale model or one that
fails gives an assessment that says so, counted, and its health says degraded."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from shipshape.domain.controls import OrderContext
from shipshape.domain.orders import OrderDraft, OrderLine, ShipTo
from shipshape.domain.risk import CustomerHistory, RiskStatus
from shipshape.ml import risk_scorer
from shipshape.ml.risk_scorer import ModelRiskScorer
from shipshape.services.ports.metrics import NoMetrics
from shipshape.services.ports.risk import RiskFacts

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
CTX = OrderContext(draft=OrderDraft(channel="web", external_id="W-1", customer_id="C1",
                                    customer_po=None, requested_ship_date=None,
                                    ship_to=ShipTo(), carrier_service=None,
                                    lines=(OrderLine(1, "SKU1", 2, None, "EA"),)),
                   today=NOW.date(), customer=None, items={}, prices={}, carriers={})
FACTS = RiskFacts(CustomerHistory(), None, {})


class Clock:
    def now(self) -> datetime:
        return NOW


class Model:
    version = "v1"

    def __init__(self, trained_at: datetime, score: float | Exception) -> None:
        self.trained_at, self._score = trained_at, score

    def score_one(self, row: Mapping[str, object]) -> float:
        if isinstance(self._score, Exception):
            raise self._score
        return self._score

    def reasons(self, row: Mapping[str, object], top: int = 3) -> list[tuple[str, float]]:
        return [("line_count", 0.5)]


class Counted(NoMetrics):
    def __init__(self) -> None:
        self.unscored: list[str] = []

    def risk_unscored(self, status: str) -> None:
        self.unscored.append(status)


def scorer(monkeypatch: pytest.MonkeyPatch, model: Model) -> tuple[ModelRiskScorer, Counted]:
    monkeypatch.setattr(risk_scorer, "_load", lambda folder: (model, None))
    metrics = Counted()
    return ModelRiskScorer(Path("unused"), 30, Clock(), metrics), metrics


def test_a_fresh_model_scores_with_its_reasons(monkeypatch: pytest.MonkeyPatch) -> None:
    risk, metrics = scorer(monkeypatch, Model(NOW - timedelta(days=1), 0.7))
    assessment = risk.assess(CTX, FACTS)
    assert (assessment.status, assessment.score, assessment.reasons) == (
        RiskStatus.SCORED, 0.7, (("line_count", 0.5),))
    assert risk.health().ok and metrics.unscored == []


def test_a_stale_model_gives_no_score_and_degrades_health(
        monkeypatch: pytest.MonkeyPatch) -> None:
    risk, metrics = scorer(monkeypatch, Model(NOW - timedelta(days=31), 0.7))
    assessment = risk.assess(CTX, FACTS)
    assert (assessment.status, assessment.score) == (RiskStatus.STALE, None)
    assert "31 days" in assessment.detail
    assert (risk.health().ok, risk.health().status) == (False, "stale")
    assert metrics.unscored == ["stale"]


@pytest.mark.parametrize("outcome", [RuntimeError("boom"), float("nan")])
def test_a_model_that_fails_is_caught_counted_and_told(
        monkeypatch: pytest.MonkeyPatch, outcome: float | Exception) -> None:
    risk, metrics = scorer(monkeypatch, Model(NOW, outcome))
    assessment = risk.assess(CTX, FACTS)
    assert (assessment.status, assessment.score, assessment.model_version) == (
        RiskStatus.FAILING, None, "v1")
    assert risk.failures == 1 and metrics.unscored == ["failing"]
    assert (risk.health().ok, risk.health().status) == (False, "failing")


def test_a_missing_folder_is_missing(tmp_path: Path) -> None:
    risk = ModelRiskScorer(tmp_path / "nowhere", 30, Clock())
    assessment = risk.assess(CTX, FACTS)
    assert assessment.status is RiskStatus.MISSING and "no model at" in assessment.detail
    assert assessment.findings()[0].code == "RISK_MODEL_UNAVAILABLE"
    assert not risk.health().ok
