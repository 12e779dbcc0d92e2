"""What the text model's commands do (`cli/ml_text_cmd.py` holds their options): read the
messages, train, evaluate or classify, and say so. Imported when a command runs."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from shipshape.cli import exit_codes
from shipshape.ml.errors import MlError
from shipshape.ml.text_card import card
from shipshape.ml.text_data import read_labelled
from shipshape.ml.text_model import TextModel, TextPrediction
from shipshape.ml.text_teams import load_team_map
from shipshape.ml.text_training import Trained, TrainingOptions, metrics_of, save, train

console = Console(soft_wrap=True)
stderr = Console(stderr=True, highlight=False, soft_wrap=True)


def run_train(data: Path, text: str, label: str, folder: Path, team_map: Path | None,
              options: TrainingOptions) -> None:
    clock = _Clock()
    with _usage_errors():
        teams = load_team_map(team_map)
        clock.step(f"reading {data.name}")
        labelled = read_labelled(data, text, label)
        trained = train(labelled.texts, labelled.labels, teams, options, clock.step)
        trained = Trained(trained.parts, {**trained.meta, "data": {
            "file": data.name, "text_column": text, "label_column": label,
            "rows": len(labelled.texts), "skipped": labelled.skipped}})
        clock.step(f"saving into {folder}")
        meta = save(trained, folder, card)
    clock.done()
    validation = meta["metrics"]["validation"]
    console.print(f"{len(labelled.texts):,} messages ({labelled.skipped:,} blank rows skipped),"
                  f" {len(meta['classes'])} labels")
    console.print(f"held out {validation['n']:,}: accuracy {validation['accuracy']:.4f}, "
                  f"macro F1 {validation['macro_f1']:.4f}")
    console.print(f"threshold {meta['threshold']:.4f}: {validation['coverage']:.1%} of the "
                  f"held-out messages at or above it, accuracy there "
                  f"{_share(validation['accuracy_above_threshold'])}")
    console.print(escape(f"model {meta['version']} written to {folder}"))


def run_evaluate(data: Path, text: str, label: str, folder: Path, as_json: bool) -> None:
    clock = _Clock(quiet=as_json)
    with _usage_errors():
        model = TextModel.load(folder)
        clock.step(f"reading {data.name}")
        labelled = read_labelled(data, text, label)
        if not labelled.texts:
            raise _Usage(f"{data.name}: no message with a label")
        clock.step(f"classifying {len(labelled.texts):,} messages")
        probabilities = model.batch_probabilities(labelled.texts)
    predicted = [model.classes[i] for i in probabilities.argmax(axis=1)]
    figures = metrics_of(labelled.labels, predicted, probabilities.max(axis=1),
                         model.threshold)
    unknown = sorted(set(labelled.labels) - set(model.classes))
    figures = {**figures, "model_version": model.version, "unknown_labels": unknown}
    clock.done()
    if as_json:
        typer.echo(json.dumps(figures, indent=2))
        return
    _print_figures(figures)


def run_classify(text: str, folder: Path, as_json: bool, top: int) -> None:
    with _usage_errors():
        model = TextModel.load(folder)
    found = model.classify(text, top=top)
    if as_json:
        answer = {**asdict(replace(found, top=())), "threshold": model.threshold,
                  "top": [asdict(guess) for guess in found.top], "model_version": model.version}
        typer.echo(json.dumps(answer, indent=2))
        return
    _print_prediction(found, model.threshold)


class _Usage(MlError):
    """A command's input that cannot be used: exit 2."""


@contextmanager
def _usage_errors() -> Iterator[None]:
    """An error of the input (column, data, team map, model folder): one line, exit 2."""
    try:
        yield
    except MlError as error:
        stderr.print(f"[red]error:[/] {escape(str(error))}")
        raise typer.Exit(exit_codes.USAGE) from None


def _print_prediction(found: TextPrediction, threshold: float) -> None:
    verdict = "[yellow]triage[/]" if found.triage else "[green]confident[/]"
    console.print(f"label      {escape(found.label)}")
    console.print(f"team       {escape(found.team)}")
    console.print(f"code       {escape(found.code)}")
    console.print(f"confidence {found.confidence:.4f} (threshold {threshold:.4f}) {verdict}")
    for guess in found.top[1:]:
        console.print(f"  also     {escape(guess.label)} {guess.confidence:.4f}")


def _print_figures(figures: dict[str, Any]) -> None:
    console.print(f"{figures['n']:,} messages: accuracy {figures['accuracy']:.4f}, macro F1 "
                  f"{figures['macro_f1']:.4f}")
    console.print(f"threshold {figures['threshold']:.4f}: coverage {figures['coverage']:.1%}, "
                  f"accuracy there {_share(figures['accuracy_above_threshold'])}")
    if figures["unknown_labels"]:
        console.print(escape(f"labels the model does not know (counted wrong): "
                             f"{', '.join(figures['unknown_labels'])}"))
    table = Table("label", "precision", "recall", "support")
    for name, scores in figures["per_class"].items():
        table.add_row(escape(name), f"{scores['precision']:.3f}", f"{scores['recall']:.3f}",
                      str(scores["support"]))
    console.print(table)


def _share(value: object) -> str:
    return f"{value:.4f}" if isinstance(value, int | float) else "n/a"


class _Clock:
    """Progress on stderr: each step as it starts."""

    def __init__(self, quiet: bool = False) -> None:
        self.started = time.perf_counter()
        self.quiet = quiet

    def step(self, what: str) -> None:
        if not self.quiet:
            stderr.print(f"[dim]{time.perf_counter() - self.started:6.1f} s  {escape(what)} …[/]")

    def done(self) -> None:
        if not self.quiet:
            stderr.print(f"[dim]{time.perf_counter() - self.started:6.1f} s  done[/]")
