"""`shipshape ml`: the risk model's commands (train-risk, evaluate, score). What they do is in
`ml_risk_run`, imported when a command runs, so the CLI starts without LightGBM or Polars."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

Data = Annotated[str, typer.Argument(
    help="a CSV (.csv or .csv.gz) with one row per order or order line, an event log (a CSV "
         "whose mapping names case, activity, timestamp and at_activity), or `store` "
         "(Shipshape's own order history)")]
ModelDir = Annotated[Path, typer.Option("--model", help="the model folder")]


def train_risk(
    data: Data,
    model: ModelDir,
    mapping: Annotated[Path | None, typer.Option(
        "--mapping", help="YAML: id, time, label {column, positive}, features, exclude (an "
                          "event log: case, activity, timestamp, at_activity); `store` has its "
                          "own (a mapping given there adds only its `exclude`)")] = None,
) -> None:
    """Train the order-risk model: LightGBM on the earliest 80 % of the rows by time, validated
    on the latest 20 % beside a logistic-regression baseline, calibrated (isotonic) on a later
    slice of the training rows, then refitted on all rows and saved in --model (model.txt,
    model.json, card.md, and baseline.skops: the baseline refitted on the same rows). Refuses
    features that know the outcome (own AUC >= 0.95) or were recorded after `time`, naming
    them. Exit 2 when the data or the mapping is wrong."""
    from shipshape.cli.ml_risk_run import run_train

    run_train(data, mapping, model)


def evaluate(
    data: Data,
    model: ModelDir,
    mapping: Annotated[Path | None, typer.Option(
        "--mapping", help="YAML mapping of DATA (default: the one the model was trained with)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the figures as JSON")] = False,
) -> None:
    """Measure a saved model on DATA (later data it never saw): the model and the
    logistic-regression baseline saved with it (trained on the same rows) are both measured
    on every labelled row of DATA: roc_auc, pr_auc, brier, n, positives (JSON: those keys,
    `baseline` with the same (null for a folder saved without one), `period` {start, end} of
    DATA and `overlap_rows`: rows not later than the end of the training period, which the
    model has seen; a warning says so when there are any)."""
    from shipshape.cli.ml_risk_run import run_evaluate

    run_evaluate(data, model, mapping, as_json)


def score(
    data: Data,
    model: ModelDir,
    out: Annotated[Path, typer.Option("--out", help="the CSV to write")],
    mapping: Annotated[Path | None, typer.Option(
        "--mapping", help="YAML mapping of DATA (default: the one the model was trained with)")
    ] = None,
    top: Annotated[int, typer.Option(min=0, max=20, help="reasons per row")] = 3,
) -> None:
    """Score every order of DATA: writes id, probability and reasons (the features that moved
    the score most: "feature=value (+0.12); ...", in log-odds, + raises the risk)."""
    from shipshape.cli.ml_risk_run import run_score

    run_score(data, model, mapping, out, top)


def register(app: typer.Typer) -> None:
    """Adds this module's commands to `shipshape ml`."""
    app.command("train-risk")(train_risk)
    app.command("evaluate")(evaluate)
    app.command("score")(score)
