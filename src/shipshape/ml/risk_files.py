"""Writing an order-risk model folder: `model.txt` (LightGBM's text model), `baseline.skops` (the
logistic baseline fitted on the same rows, written with skops), `model.json` (what
`RiskModel.load` reads: features, calibration, the sha256 of model.txt and of baseline.skops,
metrics, mapping, period) and `card.md` (the model card a person reads). Each file is written
beside its final name and then renamed, model.json after the files it names, so a reader never
sees half a model."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shipshape.ml.risk_model import (
    BASELINE_FILE,
    BASELINE_SHA256,
    CARD_FILE,
    KIND,
    META_FILE,
    MODEL_FILE,
    FeatureSpec,
)

METRIC_KEYS = ("roc_auc", "pr_auc", "brier", "n", "positives")


@dataclass
class ModelRecord:
    """Everything a trained model folder records."""

    booster: Any
    features: Sequence[FeatureSpec]
    calibration_x: Sequence[float]
    calibration_y: Sequence[float]
    metrics: Mapping[str, Any]
    """`model` and `baseline` (each roc_auc, pr_auc, brier, n, positives) on the validation
    rows, and `validation`: what those rows were."""
    mapping: Mapping[str, Any]
    period: Mapping[str, Any]
    source: str
    rows: int
    positives: int
    leakage_checks: Sequence[Mapping[str, Any]] = ()
    notes: Sequence[str] = ()
    params: Mapping[str, Any] = field(default_factory=dict)
    baseline: Any = None
    """The `LogisticBaseline` fitted on the same rows as `booster` (None: not saved)."""


def write_model(folder: Path, record: ModelRecord, trained_at: datetime | None = None) -> Path:
    """Writes the files into `folder` (created if need be); returns model.json's path."""
    from shipshape.ml.risk_eval import baseline_bytes

    folder.mkdir(parents=True, exist_ok=True)
    trained_at = (trained_at or datetime.now(UTC)).replace(microsecond=0)
    text = record.booster.model_to_string()
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    meta = model_meta(record, trained_at, digest)
    if record.baseline is not None:
        saved = baseline_bytes(record.baseline)
        meta[BASELINE_SHA256] = hashlib.sha256(saved).hexdigest()
        _write_bytes(folder / BASELINE_FILE, saved)
    else:
        (folder / BASELINE_FILE).unlink(missing_ok=True)
    _write(folder / MODEL_FILE, text)
    _write(folder / META_FILE, json.dumps(meta, indent=2, default=str) + "\n")
    _write(folder / CARD_FILE, model_card(meta))
    return folder / META_FILE


def model_meta(record: ModelRecord, trained_at: datetime, digest: str) -> dict[str, Any]:
    return {
        "kind": KIND,
        "version": f"{trained_at:%Y%m%dT%H%M%SZ}-{digest[:8]}",
        "trained_at": trained_at.isoformat(),
        "sha256": digest,
        "features": [spec.to_json() for spec in record.features],
        "calibration": {"method": "isotonic", "x": [float(v) for v in record.calibration_x],
                        "y": [float(v) for v in record.calibration_y]},
        "metrics": dict(record.metrics),
        "mapping": dict(record.mapping),
        "period": dict(record.period),
        "source": record.source,
        "rows": record.rows,
        "positives": record.positives,
        "leakage_checks": [dict(check) for check in record.leakage_checks],
        "notes": list(record.notes),
        "params": dict(record.params),
        **_linear(record),
    }


def _linear(record: ModelRecord) -> dict[str, Any]:
    """The baseline's numbers, blended into the model's score (`risk_linear`)."""
    if record.baseline is None:
        return {}
    from shipshape.ml.risk_eval import MISSING
    from shipshape.ml.risk_linear import BOOSTER_WEIGHT, linear_part

    return {"linear": linear_part(record.baseline, MISSING).to_json(),
            "blend": {"booster_weight": BOOSTER_WEIGHT,
                      "linear": "the logistic baseline fitted on the same rows"}}


def _write(path: Path, text: str) -> None:
    _write_bytes(path, text.encode("utf-8"))


def _write_bytes(path: Path, content: bytes) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(content)
    os.replace(partial, path)


# --------------------------------------------------------------------------- the card


def model_card(meta: Mapping[str, Any]) -> str:
    """The model card: what the model predicts, from which data, how well, what was checked."""
    mapping = meta.get("mapping", {})
    label = mapping.get("label", {})
    period = meta.get("period", {})
    metrics = meta.get("metrics", {})
    lines = [
        f"# Order-risk model {meta['version']}",
        "",
        f"Predicts the probability that `{label.get('column', '?')}` is one of "
        f"{', '.join(repr(str(v)) for v in label.get('positive', []))} for an order, from what "
        f"is known at `{period.get('at', '?')}`.",
        "",
        f"- Trained: {meta['trained_at']}",
        f"- Data source: {meta.get('source', '?')}",
        f"- Period: {period.get('start', '?')} to {period.get('end', '?')}",
        f"- Rows: {meta.get('rows', 0):,}, positives: {meta.get('positives', 0):,}",
        f"- model.txt sha256: `{meta['sha256']}`",
        f"- {BASELINE_FILE} sha256: `{meta.get(BASELINE_SHA256) or '(not saved)'}` (the "
        f"logistic baseline fitted on the same rows, for `shipshape ml evaluate`)",
        "",
        "## Features",
        "",
        *_feature_lines(meta.get("features", [])),
        "",
        "## Validation (by time: trained on earlier rows, measured on later ones)",
        "",
        str(metrics.get("validation", {}).get("description", "")),
        "",
        *_metric_table(metrics),
        "",
        "## Leakage checks passed",
        "",
        *_leakage_lines(meta.get("leakage_checks", [])),
    ]
    notes = meta.get("notes", [])
    if notes:
        lines += ["", "## Notes", "", *(f"- {note}" for note in notes)]
    return "\n".join(lines) + "\n"


def _feature_lines(features: Sequence[Mapping[str, Any]]) -> list[str]:
    lines = []
    for feature in features:
        count = len(feature.get("categories", []))
        extra = f" ({count:,} categories)" if feature["kind"] == "categorical" else ""
        lines.append(f"- `{feature['name']}`: {feature['kind']}{extra}")
    return lines


def _metric_table(metrics: Mapping[str, Any]) -> list[str]:
    lines = ["| | " + " | ".join(METRIC_KEYS) + " |", "|---|" + "---|" * len(METRIC_KEYS)]
    for name in ("model", "baseline"):
        values = metrics.get(name)
        if values:
            cells = [_cell(values.get(key)) for key in METRIC_KEYS]
            title = "LightGBM (calibrated)" if name == "model" else "logistic baseline"
            lines.append(f"| {title} | " + " | ".join(cells) + " |")
    return lines


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    return "-" if value is None else f"{value:,}" if isinstance(value, int) else str(value)


def _leakage_lines(checks: Sequence[Mapping[str, Any]]) -> list[str]:
    if not checks:
        return ["- (none recorded)"]
    return [f"- `{c['feature']}`: {c['check']}: {c['result']}" for c in checks]
