"""Settings of the governed models (`ml:` in the YAML file): where the trained models live and
when a model counts as stale. Every model is optional: without one the rules run without it."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field


class MlSettings(BaseModel):
    model_config = {"extra": "forbid"}

    risk_model: Path | None = None
    """A folder written by `shipshape ml train-risk`; unset: orders are not scored."""
    risk_max_age_days: float = Field(default=90.0, gt=0)
    """A risk model trained longer ago than this is stale: the rules run without its score."""
    text_model: Path | None = None
    """A folder written by `shipshape ml train-text`; unset: `cases/from-text` answers 503."""
