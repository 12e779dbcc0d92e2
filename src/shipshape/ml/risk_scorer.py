"""The `RiskScorer` port on a trained order-risk model folder (`settings.ml.risk_model`).

The model is loaded once, on first use (so that commands which never score never import
LightGBM); a folder that is missing or unusable is tried again at most once a minute. A model
trained longer ago than `max_age_days` is stale: the rules run without its score. Any exception
of the model while scoring is caught, counted and told as `failing`: scoring never raises into
intake or release.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shipshape.domain.controls import OrderContext
from shipshape.domain.risk import RiskAssessment, RiskStatus, scored, unavailable
from shipshape.ml.order_features import order_features
from shipshape.services.ports import Clock
from shipshape.services.ports.metrics import Metrics, NoMetrics
from shipshape.services.ports.risk import RiskFacts, RiskHealth

if TYPE_CHECKING:
    from shipshape.ml.risk_model import RiskModel

log = logging.getLogger(__name__)
RETRY_LOAD_S = 60.0
TOP_REASONS = 3
MODEL_FILE = "model.txt"


class ModelRiskScorer:
    def __init__(self, folder: Path, max_age_days: float, clock: Clock,
                 metrics: Metrics | None = None, top_reasons: int = TOP_REASONS) -> None:
        self._folder = folder
        self._max_age = timedelta(days=max_age_days)
        self._clock = clock
        self._metrics = metrics or NoMetrics()
        self._top = top_reasons
        self._lock = threading.Lock()
        self._model: RiskModel | None = None
        self._unusable: RiskAssessment | None = None
        self._tried_at: float | None = None
        self._last: RiskAssessment | None = None
        self.scored = 0
        self.failures = 0

    @property
    def configured(self) -> bool:
        return True

    def assess(self, ctx: OrderContext, facts: RiskFacts) -> RiskAssessment:
        model = self._loaded()
        if model is None:
            return self._told(self._unusable or unavailable(RiskStatus.MISSING, "not loaded"))
        if (stale := self._stale(model)) is not None:
            return self._told(stale)
        try:
            row = order_features(ctx, facts)
            score = float(model.score_one(row))
            if not math.isfinite(score):
                raise ValueError(f"the model gave {score}")
            reasons = tuple((str(name), float(value))
                            for name, value in model.reasons(row, top=self._top))
        except Exception as error:  # a model's failure must never stop an order
            self.failures += 1
            log.warning("the risk model failed on order %s: %s: %s", ctx.draft.external_id[:60],
                        type(error).__name__, str(error)[:200])
            return self._told(unavailable(RiskStatus.FAILING,
                                          f"{type(error).__name__}: {str(error)[:200]}",
                                          model.version))
        self.scored += 1
        self._last = scored(min(max(score, 0.0), 1.0), model.version, reasons)
        return self._last

    def health(self) -> RiskHealth:
        model = self._loaded()
        if model is None:
            told = self._unusable or unavailable(RiskStatus.MISSING, "not loaded")
            return self._health(False, told.status.value, told.detail)
        version, trained = model.version, model.trained_at.isoformat()
        if (stale := self._stale(model)) is not None:
            return self._health(False, "stale", stale.detail, version, trained)
        last = self._last
        if last is not None and last.status is RiskStatus.FAILING:
            return self._health(False, "failing", last.detail, version, trained)
        return self._health(True, "ready", f"model {version} from {self._folder}", version,
                            trained)

    def _health(self, ok: bool, status: str, detail: str, version: str = "",
                trained: str | None = None) -> RiskHealth:
        return RiskHealth(ok, status, detail, version, trained, self.scored, self.failures)

    def _told(self, assessment: RiskAssessment) -> RiskAssessment:
        self._last = assessment
        self._metrics.risk_unscored(assessment.status.value)
        return assessment

    def _stale(self, model: RiskModel) -> RiskAssessment | None:
        age = self._clock.now() - _aware(model.trained_at)
        if age <= self._max_age:
            return None
        return unavailable(RiskStatus.STALE, f"trained {age.days} days ago, more than the "
                           f"{self._max_age.days} days allowed (ml.risk_max_age_days)",
                           model.version)

    def _loaded(self) -> RiskModel | None:
        if self._model is not None:
            return self._model
        with self._lock:
            now = time.monotonic()
            if self._model is None and (self._tried_at is None
                                        or now - self._tried_at >= RETRY_LOAD_S):
                self._tried_at = now
                self._model, self._unusable = _load(self._folder)
        return self._model


def _load(folder: Path) -> tuple[Any, RiskAssessment | None]:
    """The model, or why there is none: missing (no folder, no model file) or failing (it
    would not load: a hash mismatch, corrupt content, anything else)."""
    if not (folder / MODEL_FILE).is_file():
        detail = f"no model at {folder}" if not folder.exists() else f"no {MODEL_FILE} in {folder}"
        log.warning("the risk model is missing: %s", detail)
        return None, unavailable(RiskStatus.MISSING, detail)
    try:
        from shipshape.ml.risk_model import RiskModel

        return RiskModel.load(folder), None
    except Exception as error:  # ModelUnusable and whatever else a broken folder raises
        detail = f"{folder}: {str(error)[:300] or type(error).__name__}"
        log.warning("the risk model cannot be used: %s", detail)
        return None, unavailable(RiskStatus.FAILING, detail)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
