"""What `shipshape ml train-risk | evaluate | score` do (`cli/ml_risk_cmd.py` holds their
options). Imported when a command runs, so the CLI starts without LightGBM or Polars."""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from shipshape.cli import exit_codes
from shipshape.ml.errors import MlError, ModelUnusable
from shipshape.ml.risk_mapping import RiskMapping, load_mapping, mapping_from

console = Console()
stderr = Console(stderr=True, highlight=False, soft_wrap=True)
T = TypeVar("T")
METRIC_KEYS = ("roc_auc", "pr_auc", "brier", "n", "positives")


@contextmanager
def _failing() -> Iterator[None]:
    """Our errors as a message on stderr and an exit status: 1 for a model that cannot be
    used, 2 for data or a mapping that is wrong (nothing written)."""
    try:
        yield
    except ModelUnusable as error:
        stderr.print(f"[red]error:[/] model unusable: {escape(str(error))}")
        raise typer.Exit(exit_codes.FAILURE) from None
    except MlError as error:
        stderr.print(f"[red]error:[/] {escape(str(error))}")
        raise typer.Exit(exit_codes.USAGE) from None


class _Steps:
    """Progress on stderr: each step as it starts, seconds since the command began."""

    def __init__(self) -> None:
        self.started = time.perf_counter()

    def __call__(self, what: str) -> None:
        stderr.print(f"[dim]{time.perf_counter() - self.started:6.1f} s  {escape(what)} …[/]")

    def run(self, what: str, work: Callable[[], T]) -> T:
        self(what)
        with stderr.status(escape(what)):
            return work()


# --------------------------------------------------------------------------- train-risk


def _store_reader() -> Any:
    """Reads `store`: Shipshape's own history with its built-in mapping."""
    from shipshape.cli.ml_store import load_store_history

    return load_store_history


def run_train(data: str, mapping_path: Path | None, folder: Path) -> None:
    from shipshape.ml.risk_data import prepare
    from shipshape.ml.risk_files import write_model
    from shipshape.ml.risk_train import train

    steps = _Steps()
    with _failing():
        mapping = load_mapping(mapping_path) if mapping_path is not None else None
        prepared = steps.run(f"reading {data}", lambda: prepare(
            data, mapping, str(mapping_path), store=_store_reader()))
        record = train(prepared, progress=steps)
        written = write_model(folder, record)
    for note in record.notes:
        stderr.print(f"[yellow]note:[/] {escape(note)}")
    steps("done")
    metrics = record.metrics
    console.print(escape(str(metrics["validation"]["description"])))
    _metric_table("validation (latest 20 % by time)", metrics["model"], metrics["baseline"])
    console.print(f"model written to {escape(str(folder))} ({escape(written.name)}, model.txt, "
                  f"baseline.skops, card.md)")


# --------------------------------------------------------------------------- evaluate


def run_evaluate(data: str, folder: Path, mapping_path: Path | None, as_json: bool) -> None:
    from shipshape.ml.risk_data import LABEL
    from shipshape.ml.risk_eval import evaluate_saved, load_baseline
    from shipshape.ml.risk_model import RiskModel

    steps = _Steps()
    with _failing():
        model = RiskModel.load(folder)
        baseline = load_baseline(folder, model.meta)
        prepared = steps.run(f"reading {data}", lambda: _prepared(data, model, mapping_path))
        if not prepared.has_label:
            raise MlError(f"{data}: no label column {prepared.mapping.label.column!r}")
        frame = prepared.frame.filter(prepared.frame[LABEL].is_not_null())
        if frame.is_empty():
            raise MlError(f"{data}: no row with a label value to measure on")
        steps(f"measuring on all {frame.height:,} rows")
        figures = evaluate_saved(frame, model, baseline)
    _evaluation_notes(folder, model, figures)
    if as_json:
        print(json.dumps(figures, indent=2))
        return
    period = figures["period"]
    console.print(f"model {escape(model.version)} on all {frame.height:,} rows of "
                  f"{escape(data)} ({period['start']} to {period['end']}); the baseline is the "
                  f"one trained with it, on the same rows")
    _metric_table("evaluation", figures, figures["baseline"])


def _evaluation_notes(folder: Path, model: Any, figures: dict[str, Any]) -> None:
    """On stderr (the JSON stays alone on stdout): no saved baseline, rows seen in training."""
    from shipshape.ml.risk_model import BASELINE_FILE

    if figures["baseline"] is None:
        stderr.print(f"[yellow]note:[/] {escape(str(folder))} has no {BASELINE_FILE} (written "
                     f"before the baseline was saved): no baseline figures (\"baseline\": "
                     f"null); train-risk again to have them")
    overlap = figures["overlap_rows"]
    if overlap:
        end = model.meta.get("period", {}).get("end")
        stderr.print(f"[yellow]warning:[/] {overlap:,} of the {figures['n']:,} rows are not "
                     f"later than the end of the model's training period ({escape(str(end))}):"
                     f" these rows were seen in training, or lie in the period it learned "
                     f"from; the figures flatter the model")


def _prepared(data: str, model: Any, mapping_path: Path | None) -> Any:
    """DATA read with the given mapping (or the model's own), its features the model's."""
    from shipshape.ml.risk_data import prepare

    if data == "store":
        return prepare(data, None, require_label=False, store=_store_reader())
    if mapping_path is not None:
        mapping, where = load_mapping(mapping_path), str(mapping_path)
    else:
        mapping, where = mapping_from(model.meta.get("mapping", {}), "the model's mapping"), \
            "the model's mapping"
    kinds = {spec.name: spec.kind for spec in model.features}
    mapping = RiskMapping.model_validate(
        {**mapping.model_dump(exclude_none=True), "features": kinds, "exclude": []})
    return prepare(data, mapping, where, require_label=False)


def _metric_table(title: str, model: dict[str, Any], baseline: dict[str, Any] | None) -> None:
    table = Table(title=title, title_justify="left")
    table.add_column("")
    for key in METRIC_KEYS:
        table.add_column(key, justify="right")
    for name, values in (("model (LightGBM blended with logistic)", model),
                         ("baseline (logistic)", baseline)):
        if values is not None:
            table.add_row(name, *(_cell(values.get(key)) for key in METRIC_KEYS))
    console.print(table)


def _cell(value: object) -> str:
    if value is None:
        return "-"
    return f"{value:.4f}" if isinstance(value, float) else f"{value:,}"


# --------------------------------------------------------------------------- score


def run_score(data: str, folder: Path, mapping_path: Path | None, out: Path, top: int) -> None:
    from shipshape.ml.risk_data import ID, encode_frame
    from shipshape.ml.risk_model import RiskModel

    steps = _Steps()
    with _failing():
        model = RiskModel.load(folder)
        prepared = steps.run(f"reading {data}", lambda: _prepared(data, model, mapping_path))
        frame = prepared.frame
        matrix = encode_frame(frame, model.features)
        probabilities = steps.run(f"scoring {frame.height:,} rows",
                                  lambda: model.score_matrix(matrix))
        reasons = (steps.run("explaining", lambda: model.reasons_of(
            model.contributions(matrix), top)) if top else [[] for _ in range(frame.height)])
        values = frame.select(model.feature_names).to_dicts()
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "probability", "reasons"])
        for key, probability, why, row in zip(frame[ID].to_list(), probabilities, reasons,
                                              values, strict=True):
            writer.writerow([key, f"{probability:.6f}", _reasons_text(why, row)])
    steps("done")
    console.print(f"{frame.height:,} rows scored with model {escape(model.version)}: "
                  f"{escape(str(out))}")


def _reasons_text(why: list[tuple[str, float]], row: dict[str, Any]) -> str:
    return "; ".join(f"{name}={_shown(row.get(name))} ({value:+.2f})" for name, value in why)


def _shown(value: object) -> str:
    if value is None:
        return "(missing)"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
