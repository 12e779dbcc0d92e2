"""The mining report as JSON: counts, activities, variants, the directly-follows graph with its
waits, rework, waiting times per resource and system, patterns with their lift on the outcome,
the Pareto of exceptions and the proposed controls, for each object type mined (a flat log has
one, `case`)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from shipshape.mining import controls, patterns, process
from shipshape.mining.errors import LogError
from shipshape.mining.log import EventLog
from shipshape.mining.mapping import Options
from shipshape.mining.view import EVENT_ROLES, CaseView, case_view

VARIANTS_SHOWN = 1000
"""Variants listed per object type (the most frequent); `types.<type>.variant_count` has all."""
WAITS_SHOWN = 50


@dataclass(frozen=True)
class Source:
    """Where the log came from, for the report's header."""

    log: str
    format: str
    details: dict[str, Any] = field(default_factory=dict)
    notes: list[dict[str, Any]] = field(default_factory=list)


def build(log: EventLog, options: Options, *, object_types: Sequence[str] | None = None,
          source: Source | None = None, progress: Callable[[str], None] = lambda _: None
          ) -> dict[str, Any]:
    """Every section of the report for `object_types` (default: every type of the log)."""
    kinds = list(object_types or log.object_types())
    if not kinds:
        raise LogError("the log has no objects: nothing to mine")
    objects = log.objects.group_by("object_type").len().sort("object_type")
    report: dict[str, Any] = {
        "source": _source(source), "events": log.events.height, "cases": 0,
        "objects": dict(objects.iter_rows()), "object_types": log.object_types(),
        "mined_types": kinds, "activities": process.activities(log), "types": {},
        "outcome": None, "cost": None, "variants": [], "dfg": [],
        "rework": {"cases": 0, "repeats": 0, "by_activity": []},
        "waiting": {"by_handoff": [], **{f"by_{role}": [] for role in EVENT_ROLES}},
        "patterns": [], "pareto": {}, "proposed_controls": []}
    exceptions: list[dict[str, Any]] = []
    for kind in kinds:
        progress(f"cases of {kind}")
        view = case_view(log, kind, options)
        _add_type(report, view, options, exceptions, progress)
    report["pareto"] = _pareto(exceptions, options)
    cleaned: dict[str, Any] = _clean(report)
    return cleaned


def _add_type(report: dict[str, Any], view: CaseView, options: Options,
              exceptions: list[dict[str, Any]], progress: Callable[[str], None]) -> None:
    kind = view.object_type
    tag = {"object_type": kind}
    progress(f"{kind}: directly-follows graph, variants, rework")
    steps = process.with_next(view)
    dfg = process.dfg(view, steps)
    variants = process.variants(view)
    rework = process.rework(view)
    report["cases"] += view.case_count
    report["types"][kind] = {"cases": view.case_count, "events": view.events.height,
                             "variant_count": variants.height, **process.endpoints(view),
                             "durations": process.durations(view),
                             "order": process.typical_order(view)}
    report["variants"] += [{**tag, **row} for row in variants.head(VARIANTS_SHOWN).to_dicts()]
    report["dfg"] += [{**tag, **row} for row in dfg.to_dicts()]
    report["rework"]["cases"] += rework["cases"]
    report["rework"]["repeats"] += rework["repeats"]
    report["rework"]["by_activity"] += [{**tag, **row} for row in rework["by_activity"]]
    report["waiting"]["by_handoff"] += [
        {**tag, **row} for row in dfg.sort("median_seconds", descending=True, nulls_last=True)
        .head(WAITS_SHOWN).to_dicts()]
    for role in EVENT_ROLES:
        report["waiting"][f"by_{role}"] += [
            {**tag, **row} for row in process.waits_by(view, role, steps).to_dicts()]
    progress(f"{kind}: patterns and proposed controls")
    mined = patterns.mine(view, options)
    rows = [{**tag, **row} for row in mined.rows()]
    report["patterns"] += rows
    exceptions += [row for row, p in zip(rows, mined.patterns, strict=True)
                   if p.exception and row["cases"]]
    report["proposed_controls"] += [{**tag, **c} for c in controls.propose(view, mined, options)]
    _outcome_and_cost(report, view, options)


def _outcome_and_cost(report: dict[str, Any], view: CaseView, options: Options) -> None:
    kind = view.object_type
    if view.outcome is not None:
        positives = int(view.outcome.get_column("outcome").sum())
        outcome = report["outcome"] or {
            "label": options.outcome.wording if options.outcome else "positive", "by_type": {}}
        outcome["by_type"][kind] = {"cases": positives,
                                    "rate": positives / max(view.case_count, 1)}
        report["outcome"] = outcome
    if view.cost is not None:
        cost = report["cost"] or {"label": options.cost.label if options.cost else "cost",
                                  "by_type": {}}
        cost["by_type"][kind] = {"total": float(view.cost.get_column("cost").sum()),
                                 "cases": view.cost.height}
        report["cost"] = cost


def _pareto(rows: list[dict[str, Any]], options: Options) -> dict[str, Any]:
    """Exceptions by occurrences, and by the cost of their cases where costs are known."""
    def ranked(key: str) -> list[dict[str, Any]]:
        chosen = sorted((r for r in rows if r.get(key)), key=lambda r: (-r[key], r["id"]))
        total = sum(r[key] for r in chosen) or 1
        running, out = 0.0, []
        for row in chosen:
            running += row[key]
            out.append({"object_type": row["object_type"], "pattern": row["id"],
                        "name": row["name"], "cases": row["cases"],
                        "occurrences": row["occurrences"], key: row[key],
                        "share": row[key] / total, "cumulative_share": running / total})
        return out

    with_cost = any(r.get("cost") is not None for r in rows)
    return {"by_frequency": ranked("occurrences"),
            "by_cost": ranked("cost") if with_cost else None,
            "cost_label": options.cost.label if options.cost else ("cost" if with_cost
                                                                   else None)}


def _source(source: Source | None) -> dict[str, Any]:
    if source is None:
        return {"log": None, "format": None, "notes": []}
    return {"log": source.log, "format": source.format, **source.details,
            "notes": source.notes}


def _clean(value: Any) -> Any:
    """Floats rounded (6 places), NaN as null, so the JSON is plain and stable."""
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else round(value, 6)
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, pl.Series):
        return _clean(value.to_list())
    return value


def write_json(report: dict[str, Any], path: Path) -> None:
    try:
        path.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n",
                        encoding="utf-8")
    except OSError as error:
        raise LogError(f"cannot write {path}: {error.strerror or error}") from None
