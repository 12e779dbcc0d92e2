"""`shipshape ml`: the text model's commands (train-text, evaluate-text, classify). What they do
is in `ml_text_run`, imported when a command runs, so the CLI starts without scikit-learn."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

ModelDir = Annotated[Path, typer.Option("--model", help="the model folder")]
TextColumn = Annotated[str, typer.Option("--text", help="the column holding the message")]
LabelColumn = Annotated[str, typer.Option("--label", help="the column holding its label")]
Data = Annotated[Path, typer.Argument(help="a CSV file (.csv or .csv.gz) with a header row")]


def train_text(
    data: Data, text: TextColumn, label: LabelColumn, model: ModelDir,
    team_map: Annotated[Path | None, typer.Option(
        "--team-map", help="YAML: each label's owner team and exception code")] = None,
    target_precision: Annotated[float, typer.Option(
        min=0.5, max=1.0, help="the precision the confidence threshold is calibrated for, on "
                               "the held-out messages")] = 0.95,
    min_threshold: Annotated[float, typer.Option(
        min=0.0, max=1.0, help="the threshold is never below this")] = 0.5,
    validation_share: Annotated[float, typer.Option(
        min=0.05, max=0.5, help="the share of messages held out to validate")] = 0.2,
    seed: Annotated[int, typer.Option(help="the seed of the stratified split")] = 0,
) -> None:
    """Train the text classifier: TF-IDF and logistic regression, validated on a stratified
    held-out share, its confidence threshold calibrated there; saved in --model (model.skops,
    model.json, card.md). Exit 2 when a column, the data or the team map is wrong."""
    from shipshape.cli.ml_text_run import run_train
    from shipshape.ml.text_training import TrainingOptions

    run_train(data, text, label, model, team_map, TrainingOptions(
        validation_share=validation_share, target_precision=target_precision,
        min_threshold=min_threshold, seed=seed))


def evaluate_text(
    data: Data, text: TextColumn, label: LabelColumn, model: ModelDir,
    as_json: Annotated[bool, typer.Option("--json", help="print the figures as JSON")] = False,
) -> None:
    """Measure the text model on labelled messages: accuracy, macro F1, per-class precision
    and recall, and the coverage and accuracy at or above the confidence threshold."""
    from shipshape.cli.ml_text_run import run_evaluate

    run_evaluate(data, text, label, model, as_json)


def classify(
    text: Annotated[str, typer.Argument(help="the message")], model: ModelDir,
    as_json: Annotated[bool, typer.Option("--json", help="print the answer as JSON")] = False,
    top: Annotated[int, typer.Option(min=1, max=20, help="how many guesses to show")] = 3,
) -> None:
    """Classify one message: its label, owner team, exception code and confidence; `triage`
    when the confidence is below the model's threshold."""
    from shipshape.cli.ml_text_run import run_classify

    run_classify(text, model, as_json, top)


def register(app: typer.Typer) -> None:
    """Adds this module's commands to `shipshape ml`."""
    app.command("train-text")(train_text)
    app.command("evaluate-text")(evaluate_text)
    app.command("classify")(classify)
