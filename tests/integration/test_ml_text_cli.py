"""`shipshape ml train-text`, `evaluate-text` and `classify` on a synthetic corpus: a model
folder written, figures as JSON, one message classified; a missing column, a wrong team map
or a tampered model one line on stderr and exit status 2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from shipshape.cli import app, exit_codes
from shipshape.ml.text_model import MODEL_FILE
from tests.text_corpus import TEAM_MAP, messages, write_csv


def ml(*args: str, code: int = exit_codes.OK) -> Result:
    result = CliRunner().invoke(app, ["ml", *args])
    assert result.exit_code == code, (result.output, result.exception)
    return result


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    where = tmp_path_factory.mktemp("cli")
    data = write_csv(where / "train.csv", messages(240))
    (where / "teams.yaml").write_text(json.dumps(TEAM_MAP))  # JSON is YAML
    ml("train-text", str(data), "--text", "message", "--label", "reason", "--team-map",
       str(where / "teams.yaml"), "--model", str(where / "model"))
    return {"dir": where, "model": where / "model", "data": data}


def test_training_writes_the_model_folder_and_says_how_well_it_did(
    trained: dict[str, Path],
) -> None:
    assert {p.name for p in trained["model"].iterdir()} == {"model.skops", "model.json",
                                                            "card.md"}
    meta = json.loads((trained["model"] / "model.json").read_text())
    assert meta["data"] == {"file": "train.csv", "text_column": "message",
                            "label_column": "reason", "rows": 240, "skipped": 0}


def test_evaluate_prints_the_figures_as_json(trained: dict[str, Path]) -> None:
    unseen = write_csv(trained["dir"] / "unseen.csv", messages(80, seed=5))
    result = ml("evaluate-text", "--model", str(trained["model"]), str(unseen), "--text",
                "message", "--label", "reason", "--json")
    figures: dict[str, Any] = json.loads(result.stdout)
    assert set(figures) >= {"accuracy", "macro_f1", "per_class", "n", "coverage",
                            "accuracy_above_threshold", "threshold", "model_version"}
    assert figures["n"] == 80 and figures["accuracy"] >= 0.9
    assert set(figures["per_class"]["late"]) == {"precision", "recall", "support"}


def test_classify_says_label_team_code_and_confidence(trained: dict[str, Path]) -> None:
    text = "we were billed twice for order 5521, please correct the invoice"
    shown = ml("classify", "--model", str(trained["model"]), text).stdout
    assert "invoice" in shown and "finance" in shown and "INVOICE" in shown
    answer = json.loads(ml("classify", "--model", str(trained["model"]), text, "--json").stdout)
    assert (answer["label"], answer["team"], answer["code"], answer["triage"]) == (
        "invoice", "finance", "INVOICE", False)
    unsure = json.loads(ml("classify", "--model", str(trained["model"]), "qwerty uiop",
                           "--json").stdout)
    assert unsure["triage"] is True and unsure["confidence"] < unsure["threshold"]


def test_a_missing_column_is_named_and_nothing_is_written(trained: dict[str, Path]) -> None:
    out = trained["dir"] / "never"
    result = ml("train-text", str(trained["data"]), "--text", "body", "--label", "reason",
                "--model", str(out), code=exit_codes.USAGE)
    assert "no column 'body'" in result.output and "Traceback" not in result.output
    assert not out.exists()


def test_a_wrong_team_map_is_named(trained: dict[str, Path]) -> None:
    (trained["dir"] / "bad.yaml").write_text("labels:\n  late: {team: sales}\n")
    result = ml("train-text", str(trained["data"]), "--text", "message", "--label", "reason",
                "--team-map", str(trained["dir"] / "bad.yaml"), "--model",
                str(trained["dir"] / "never"), code=exit_codes.USAGE)
    assert "labels.late.team: 'sales' is not a team" in result.output


def test_a_tampered_model_is_refused(trained: dict[str, Path], tmp_path: Path) -> None:
    import shutil

    copy = Path(shutil.copytree(trained["model"], tmp_path / "m"))
    (copy / MODEL_FILE).write_bytes((copy / MODEL_FILE).read_bytes()[:-10])
    result = ml("classify", "--model", str(copy), "hello", code=exit_codes.USAGE)
    assert "SHA-256" in result.output
