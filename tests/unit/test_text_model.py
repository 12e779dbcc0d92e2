"""The text classifier on a synthetic corpus: it learns the classes, routes each label to its
team and code, sends what it is unsure of to triage, gives the same answer on the fast path as
on sklearn's own, and refuses a model folder that was tampered with."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from shipshape.ml.errors import MappingError, ModelUnusable
from shipshape.ml.text_data import read_labelled
from shipshape.ml.text_model import META_FILE, MODEL_FILE, TextModel, sha256_of
from shipshape.ml.text_teams import TeamMap
from shipshape.ml.text_training import TrainingOptions, calibrate_threshold, train
from tests.text_corpus import messages, trained_folder, write_csv


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return trained_folder(tmp_path_factory.mktemp("text") / "model")


@pytest.fixture(scope="module")
def model(folder: Path) -> TextModel:
    return TextModel.load(folder)


def copy_of(folder: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(folder, tmp_path / "copy"))


def test_unseen_messages_are_classified_accurately_and_confidently(model: TextModel) -> None:
    unseen = messages(200, seed=99)
    found = model.classify_many([text for text, _ in unseen])
    right = sum(f.label == label for f, (_, label) in zip(found, unseen, strict=True))
    assert right / len(unseen) >= 0.95
    assert sum(not f.triage for f in found) / len(found) >= 0.8


def test_each_label_goes_to_its_team_and_code_and_unmapped_ones_to_customer_service(
    model: TextModel,
) -> None:
    assert model.route("damaged") == ("transport", "DAMAGED_ON_DELIVERY")
    assert model.route("invoice") == ("finance", "INVOICE")
    assert model.route("short") == ("customer_service", "SHORT")
    found = model.classify("Hello, order 4711 arrived with 3 cartons crushed. Thanks.")
    assert (found.label, found.team, found.code, found.triage) == (
        "damaged", "transport", "DAMAGED_ON_DELIVERY", False)
    assert found.top[0].label == "damaged" and len(found.top) == 3


def test_a_message_about_nothing_it_knows_goes_to_triage(model: TextModel) -> None:
    for text in ("", "zzqx vvbn", "Lorem ipsum dolor sit amet"):
        found = model.classify(text)
        assert found.triage and found.confidence < model.threshold, text


def test_the_fast_path_gives_sklearns_probabilities(model: TextModel) -> None:
    texts = [text for text, _ in messages(60, seed=3)] + ["", "!!!", "ünïcödé text ✓"]
    fast = np.array([model.probabilities(text) for text in texts])
    assert np.allclose(fast, model.batch_probabilities(texts), atol=1e-12)


def test_the_model_json_names_its_version_threshold_hash_and_figures(folder: Path) -> None:
    meta = json.loads((folder / META_FILE).read_text())
    assert meta["kind"] == "text" and meta["version"].startswith("text-")
    assert meta["sha256"] == sha256_of(folder / MODEL_FILE)
    assert 0.5 <= meta["threshold"] <= 1
    assert meta["teams"]["late"] == {"team": "transport", "code": "DELIVERED_LATE"}
    assert set(meta["metrics"]["validation"]) >= {"accuracy", "macro_f1", "per_class",
                                                  "coverage", "n"}
    assert "Held-out figures" in (folder / "card.md").read_text()


def test_a_changed_model_file_is_refused(folder: Path, tmp_path: Path) -> None:
    copy = copy_of(folder, tmp_path)
    with open(copy / MODEL_FILE, "ab") as handle:
        handle.write(b"\0")
    with pytest.raises(ModelUnusable, match="SHA-256"):
        TextModel.load(copy)


def test_a_missing_file_or_another_kind_of_model_is_refused(folder: Path,
                                                           tmp_path: Path) -> None:
    copy = copy_of(folder, tmp_path)
    (copy / MODEL_FILE).unlink()
    with pytest.raises(ModelUnusable, match="missing"):
        TextModel.load(copy)
    meta = json.loads((folder / META_FILE).read_text())
    (copy / META_FILE).write_text(json.dumps({**meta, "kind": "order-risk"}))
    with pytest.raises(ModelUnusable, match="not a text model"):
        TextModel.load(copy)
    with pytest.raises(ModelUnusable, match="no such model folder"):
        TextModel.load(tmp_path / "nowhere")


def test_a_model_file_holding_an_untrusted_type_is_refused_before_it_is_loaded(
    folder: Path, tmp_path: Path,
) -> None:
    import skops.io as sio

    copy = copy_of(folder, tmp_path)
    sio.dump({"word": Path("x"), "char": None, "model": None}, copy / MODEL_FILE)
    meta = json.loads((copy / META_FILE).read_text())
    meta["sha256"] = sha256_of(copy / MODEL_FILE)
    (copy / META_FILE).write_text(json.dumps(meta))
    with pytest.raises(ModelUnusable, match="not trusted"):
        TextModel.load(copy)


def test_the_threshold_is_the_lowest_confidence_that_keeps_the_target_precision() -> None:
    confidence = np.array([0.99, 0.95, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4])
    correct = np.array([True, True, True, True, False, True, False, False])
    assert calibrate_threshold(confidence, correct, 0.8) == 0.6  # 5 of 6
    assert calibrate_threshold(confidence, correct, 1.0) == 0.8
    assert calibrate_threshold(confidence, np.zeros(8, dtype=bool), 0.9) == 1.0
    tied = np.array([0.9, 0.9, 0.5])
    assert calibrate_threshold(tied, np.array([True, False, True]), 0.9) == 1.0


def test_labels_that_cannot_be_learned_are_refused_naming_them() -> None:
    with pytest.raises(MappingError, match="at least 2"):
        train(["a b", "c d"], ["x", "x"], TeamMap(), TrainingOptions())
    with pytest.raises(MappingError, match="single message cannot be validated: lonely"):
        train(["a b", "c d", "e f"], ["x", "x", "lonely"], TeamMap(), TrainingOptions())


def test_a_csv_without_the_named_column_is_refused_naming_it(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "m.csv", [("hello there", "late"), ("", "late"),
                                          ("no label", "")])
    found = read_labelled(path, "message", "reason")
    assert (found.texts, found.labels, found.skipped) == (["hello there"], ["late"], 2)
    with pytest.raises(MappingError, match="no column 'body'; its columns: id, message, reason"):
        read_labelled(path, "body", "reason")
    (tmp_path / "bad.csv").write_bytes(b"message,reason\n\xff\xfe,late\n")
    with pytest.raises(MappingError, match="not a readable UTF-8 CSV"):
        read_labelled(tmp_path / "bad.csv", "message", "reason")
