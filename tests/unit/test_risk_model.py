"""The order-risk model: trained by time on synthetic orders it beats the logistic baseline,
refuses leaky columns and dates recorded after `time` by name, saves safely (a changed
model.txt or baseline.skops does not load, nor a baseline holding an untrusted type) and scores
rows with missing or unknown values."""

from __future__ import annotations

import hashlib
import json
import math
import shutil
from pathlib import Path

import polars as pl
import pytest

from shipshape.ml.errors import LeakageRefused, ModelUnusable
from shipshape.ml.risk_data import Prepared, prepare_frame
from shipshape.ml.risk_eval import LogisticBaseline, load_baseline
from shipshape.ml.risk_files import ModelRecord, write_model
from shipshape.ml.risk_mapping import mapping_from
from shipshape.ml.risk_model import RiskModel
from shipshape.ml.risk_train import train
from tests.risk_synthetic import TABLE_MAPPING, orders

yaml = pytest.importorskip("yaml")


def prepared(extra: dict[str, object] | None = None, rows: int = 3000) -> Prepared:
    data = yaml.safe_load(TABLE_MAPPING)
    data.update(extra or {})
    return prepare_frame(pl.DataFrame(orders(rows)), mapping_from(data), "synthetic")


@pytest.fixture(scope="module")
def record() -> ModelRecord:
    return train(prepared())


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory, record: ModelRecord) -> Path:
    target = tmp_path_factory.mktemp("risk") / "model"
    write_model(target, record)
    return target


class Stranger:
    """A type baseline.skops must never hold."""

    def __init__(self) -> None:
        self.anything = 1


def test_lightgbm_beats_the_logistic_baseline_on_later_orders(folder: Path) -> None:
    meta = json.loads((folder / "model.json").read_text())
    model, baseline = meta["metrics"]["model"], meta["metrics"]["baseline"]
    assert model["n"] == baseline["n"] == 600
    assert model["roc_auc"] > baseline["roc_auc"] + 0.05
    assert model["brier"] < baseline["brier"]
    assert 0.75 < model["roc_auc"] < 0.95
    assert {c["feature"] for c in meta["leakage_checks"]} == {"slack_days", "lines", "channel",
                                                              "value"}
    card = (folder / "card.md").read_text()
    assert "logistic baseline" in card and "Leakage checks passed" in card


def test_the_saved_model_scores_rows_one_at_a_time_and_in_batches(folder: Path) -> None:
    model = RiskModel.load(folder)
    rows = [{"slack_days": 0.2, "lines": 30, "channel": "edi", "value": 400.0},
            {"slack_days": 8.0, "lines": 10, "channel": "web", "value": 90.0}]
    batch = model.score_rows(rows)
    assert batch == pytest.approx([model.score_one(r) for r in rows])
    assert batch[0] > batch[1]
    assert model.feature_names == ["slack_days", "lines", "channel", "value"]
    reasons = model.reasons(rows[0], top=2)
    assert len(reasons) == 2 and reasons[0][0] in model.feature_names
    assert abs(reasons[0][1]) >= abs(reasons[1][1])


def test_missing_and_unknown_values_score(folder: Path) -> None:
    model = RiskModel.load(folder)
    odd = [{}, {"channel": "carrier pigeon", "lines": "many", "slack_days": None},
           {"channel": 7, "value": True}]
    for probability in model.score_rows(odd) + [model.score_one(r) for r in odd]:
        assert 0.0 <= probability <= 1.0 and not math.isnan(probability)
    assert model.reasons({}) is not None


def test_a_changed_model_file_does_not_load(folder: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in ("model.txt", "model.json", "card.md"):
        (copy / name).write_bytes((folder / name).read_bytes())
    (copy / "model.txt").write_text((folder / "model.txt").read_text().replace(
        "shrinkage=0.05", "shrinkage=0.5", 1))
    with pytest.raises(ModelUnusable, match="sha256"):
        RiskModel.load(copy)
    (copy / "model.json").unlink()
    with pytest.raises(ModelUnusable, match=r"model\.json: missing"):
        RiskModel.load(copy)
    with pytest.raises(ModelUnusable, match="no such model folder"):
        RiskModel.load(tmp_path / "nowhere")


def test_the_saved_baseline_is_the_one_fitted_on_all_rows(folder: Path,
                                                         record: ModelRecord) -> None:
    meta = json.loads((folder / "model.json").read_text())
    assert meta["baseline_sha256"] == hashlib.sha256(
        (folder / "baseline.skops").read_bytes()).hexdigest()
    assert f"baseline.skops sha256: `{meta['baseline_sha256']}`" in (folder / "card.md").read_text()
    baseline = load_baseline(folder, meta)
    assert isinstance(baseline, LogisticBaseline) and record.baseline is not None
    frame = prepared(rows=400).frame
    assert baseline.predict(frame).tolist() == record.baseline.predict(frame).tolist()
    assert record.baseline.scaler.n_samples_seen_ == record.rows == 3000  # all rows, as the model


def test_a_changed_or_missing_baseline_file_does_not_load(folder: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    meta = json.loads((copy / "model.json").read_text())
    saved = (copy / "baseline.skops").read_bytes()
    (copy / "baseline.skops").write_bytes(saved[:-1] + bytes([saved[-1] ^ 1]))
    with pytest.raises(ModelUnusable, match=r"baseline\.skops: sha256 .* changed after training"):
        load_baseline(copy, meta)
    (copy / "baseline.skops").unlink()
    with pytest.raises(ModelUnusable, match=r"baseline\.skops: missing"):
        load_baseline(copy, meta)
    del meta["baseline_sha256"]
    assert load_baseline(copy, meta) is None  # a folder written before the baseline was saved
    RiskModel.load(copy)


def test_a_baseline_holding_an_untrusted_type_is_refused(folder: Path, tmp_path: Path) -> None:
    import skops.io as sio

    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    parts = sio.load(copy / "baseline.skops", trusted=["numpy.dtype"])
    sio.dump({**parts, "model": Stranger()}, copy / "baseline.skops")
    meta = json.loads((copy / "model.json").read_text())
    meta["baseline_sha256"] = hashlib.sha256((copy / "baseline.skops").read_bytes()).hexdigest()
    with pytest.raises(ModelUnusable, match=r"not trusted: .*Stranger"):
        load_baseline(copy, meta)


def test_a_column_that_knows_the_outcome_is_refused_by_name() -> None:
    features = {"slack_days": "numeric", "channel": "categorical", "status_code": "categorical"}
    with pytest.raises(LeakageRefused, match=r"status_code \(AUC 0\.9\d\d\).*exclude") as caught:
        train(prepared({"features": features}, rows=1500))
    assert caught.value.features == ["status_code"]


def test_a_date_recorded_after_the_order_time_is_refused_by_name() -> None:
    with pytest.raises(LeakageRefused, match=r"shipped_at \(after `time` in 100% of rows\)"):
        train(prepared({"features": ["slack_days", "lines", "shipped_at"]}, rows=1500))


def test_without_features_every_other_column_is_a_candidate() -> None:
    with pytest.raises(LeakageRefused) as caught:
        train(prepared({"features": None, "exclude": ["shipped_at"]}, rows=1500))
    assert caught.value.features == ["status_code"]


def test_the_linear_half_scores_as_the_fitted_regression_and_missing_values_score(
        record: ModelRecord) -> None:
    import numpy as np

    from shipshape.ml.risk_data import encode_frame
    from shipshape.ml.risk_eval import MISSING
    from shipshape.ml.risk_linear import LinearPart, LinearScorer, linear_part

    assert record.baseline is not None
    part = LinearPart.from_json(json.loads(json.dumps(linear_part(record.baseline, MISSING)
                                                      .to_json())))
    scorer = LinearScorer(part, record.features)
    frame = prepared(rows=400).frame
    ours = scorer.probabilities(encode_frame(frame, record.features))
    assert np.allclose(ours, record.baseline.predict(frame), atol=1e-9)
    gaps = scorer.probabilities(np.full((1, len(record.features)), np.nan))
    assert 0.0 < float(gaps[0]) < 1.0


def test_the_saved_score_blends_the_booster_with_the_regression(folder: Path) -> None:
    import numpy as np

    from shipshape.ml.risk_data import encode_frame
    from shipshape.ml.risk_linear import BOOSTER_WEIGHT

    model = RiskModel.load(folder)
    assert model.meta["blend"]["booster_weight"] == BOOSTER_WEIGHT
    matrix = encode_frame(prepared(rows=50).frame, model.features)
    booster = model.calibration.apply(np.asarray(model.booster.predict(matrix)))
    linear = model.linear.probabilities(matrix)
    expected = BOOSTER_WEIGHT * booster + (1 - BOOSTER_WEIGHT) * linear
    assert np.allclose(model.score_matrix(matrix), expected)
    rows = prepared(rows=50).frame.to_dicts()
    assert model.score_one(rows[0]) == pytest.approx(float(expected[0]))
