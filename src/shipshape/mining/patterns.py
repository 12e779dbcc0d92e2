"""Patterns of cases and what they do to the outcome: order-to-cash exceptions (a block set then
removed, a date changed, a line rejected, a stock-out, a failed delivery), generic ones (an
activity happened, an activity repeated, an attribute value at capture), each with its support,
cases, occurrences, outcome rate and lift.

`members` holds which cases show which pattern (pattern, case_id, occurrences); every count of
the report is taken from it, so a control's backtest and a pattern's figures agree."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import polars as pl

from shipshape.mining.mapping import Options
from shipshape.mining.recognise import KINDS, Block, recognise
from shipshape.mining.view import CaseView

TOP_VALUES = 20
"""Values per attribute kept as patterns (the most frequent)."""
ORDER_NOTE = "events in time order, events at the same time in the order the log lists them"


@dataclass(frozen=True)
class Pattern:
    id: str
    kind: str
    name: str
    definition: str
    activities: tuple[str, ...] = ()
    exception: bool = False
    """An exception of the process (listed in the Pareto), not a description of the case."""
    attribute: tuple[str, str] | None = None


@dataclass(frozen=True)
class Mined:
    patterns: tuple[Pattern, ...]
    members: pl.DataFrame
    stats: pl.DataFrame

    def of(self, pattern_id: str) -> Pattern:
        return next(p for p in self.patterns if p.id == pattern_id)

    def rows(self) -> list[dict[str, Any]]:
        """Each pattern with its figures, in the order of `patterns`."""
        figures = {row["pattern"]: row for row in self.stats.to_dicts()}
        return [{"id": p.id, "kind": p.kind, "name": p.name, "definition": p.definition,
                 **({"activities": list(p.activities)} if p.activities else {}),
                 **({"attribute": p.attribute[0], "value": p.attribute[1]}
                    if p.attribute else {}),
                 **{k: v for k, v in figures[p.id].items() if k != "pattern"}}
                for p in self.patterns]


def min_cases(view: CaseView, options: Options) -> int:
    """Cases a generic pattern needs to be reported: the mapping's, else 0.1 % (at least 5)."""
    return options.min_cases or max(5, math.ceil(view.case_count / 1000))


def mine(view: CaseView, options: Options) -> Mined:
    counts = view.events.group_by("case_id", "activity").agg(n=pl.len())
    found = recognise(counts.get_column("activity").unique().to_list(), options.patterns)
    parts: list[tuple[Pattern, pl.DataFrame]] = []
    parts += _block_patterns(view, counts, found.blocks)
    parts += [(_kind_pattern(kind, acts), _having(counts, acts))
              for kind, acts in found.kinds.items()]
    named = [(p, m.select(pattern=pl.lit(p.id), case_id="case_id",
                          occurrences=pl.col("occurrences").cast(pl.Int64)))
             for p, m in parts]
    generic, generic_members = _generic(view, counts, min_cases(view, options))
    patterns = tuple(p for p, _ in named) + generic
    members = pl.concat([m for _, m in named] + [generic_members], how="vertical")
    return Mined(patterns, members, _stats(view, members, patterns))


def _no_members() -> pl.DataFrame:
    return pl.DataFrame(schema={"pattern": pl.String, "case_id": pl.String,
                                "occurrences": pl.Int64})


def _having(counts: pl.DataFrame, activities: tuple[str, ...]) -> pl.DataFrame:
    """case_id, occurrences: cases with any of `activities`, and how many such events."""
    return (counts.filter(pl.col("activity").is_in(list(activities)))
            .group_by("case_id").agg(occurrences=pl.col("n").sum()))


def _set_then_removed(view: CaseView, block: Block) -> pl.DataFrame:
    """Cases where a set event comes before a removing one; occurrences: such set events."""
    sets = view.events.filter(pl.col("activity").is_in(list(block.set_by))).select("case_id",
                                                                                   "pos")
    last = (view.events.filter(pl.col("activity").is_in(list(block.removed_by)))
            .group_by("case_id").agg(last=pl.col("pos").max()))
    return (sets.join(last, on="case_id").filter(pl.col("pos") < pl.col("last"))
            .group_by("case_id").agg(occurrences=pl.len()))


def _block_patterns(view: CaseView, counts: pl.DataFrame, blocks: tuple[Block, ...]
                    ) -> list[tuple[Pattern, pl.DataFrame]]:
    parts: list[tuple[Pattern, pl.DataFrame]] = []
    paired: list[pl.DataFrame] = []
    paired_names: list[str] = []
    for block in blocks:
        if block.is_block:
            parts.append((Pattern(
                f"block:{block.label}", "block", f"{block.label} (set or removed)",
                f"cases with an event {_any(block.activities)}", block.activities, True),
                _having(counts, block.activities)))
        if not (block.set_by and block.removed_by):
            continue
        kind = "block_set_then_removed" if block.is_block else "set_then_removed"
        pairs = _set_then_removed(view, block)
        parts.append((Pattern(
            f"{kind}:{block.label}", kind, f"{block.label} set, then removed",
            f"cases where an event {_any(block.set_by)} is followed later in the case by one "
            f"{_any(block.removed_by)} ({ORDER_NOTE}); occurrences: such set events",
            block.activities, not block.is_block), pairs))
        if block.is_block:
            paired.append(pairs)
            paired_names.append(block.label)
    if paired:
        every = pl.concat(paired).group_by("case_id").agg(pl.col("occurrences").sum())
        parts.insert(0, (Pattern(
            "block_set_then_removed", "block_set_then_removed", "a block set, then removed",
            f"cases where any block ({', '.join(paired_names)}) is set and later removed "
            f"({ORDER_NOTE}); occurrences: set events followed by their removal",
            tuple(a for b in blocks if b.is_block for a in b.activities)), every))
    return parts


def _kind_pattern(kind: str, activities: tuple[str, ...]) -> Pattern:
    return Pattern(kind, kind, KINDS[kind],
                   f"cases with an event {_any(activities)}; occurrences: such events",
                   activities, True)


def _generic(view: CaseView, counts: pl.DataFrame, least: int
             ) -> tuple[tuple[Pattern, ...], pl.DataFrame]:
    """Activity happened, activity repeated, attribute value at capture: those with at least
    `least` cases."""
    happened = counts.select(pattern=pl.lit("activity:") + pl.col("activity"), case_id="case_id",
                             occurrences=pl.col("n").cast(pl.Int64))
    repeated = counts.filter(pl.col("n") > 1).select(
        pattern=pl.lit("repeated:") + pl.col("activity"), case_id="case_id",
        occurrences=(pl.col("n") - 1).cast(pl.Int64))
    values = (view.attributes.group_by("name", "value").agg(cases=pl.len())
              .filter(pl.col("cases") >= least)
              .sort(["name", "cases", "value"], descending=[False, True, False])
              .group_by("name", maintain_order=True).head(TOP_VALUES))
    valued = view.attributes.join(values.select("name", "value"), on=["name", "value"]).select(
        pattern=pl.lit("attribute:") + pl.col("name") + "=" + pl.col("value"),
        case_id="case_id", occurrences=pl.lit(1, dtype=pl.Int64))
    members = pl.concat([happened, repeated, valued])
    sizes = members.group_by("pattern").agg(cases=pl.len()).filter(pl.col("cases") >= least)
    kept = set(sizes.get_column("pattern").to_list())
    patterns = [p for p in _activity_patterns(counts) if p.id in kept]
    patterns += [_attribute_pattern(name, value)
                 for name, value in values.select("name", "value").iter_rows()]
    return tuple(patterns), members.join(sizes.select("pattern"), on="pattern", how="semi")


def _activity_patterns(counts: pl.DataFrame) -> list[Pattern]:
    patterns = []
    for activity in sorted(counts.get_column("activity").unique().to_list()):
        patterns.append(Pattern(f"activity:{activity}", "activity", f"{activity} happened",
                                f"cases with an event {activity!r}", (activity,)))
        patterns.append(Pattern(f"repeated:{activity}", "repeated", f"{activity} repeated",
                                f"cases with more than one event {activity!r}; occurrences: "
                                f"the events beyond the first", (activity,), True))
    return patterns


def _attribute_pattern(name: str, value: str) -> Pattern:
    return Pattern(f"attribute:{name}={value}", "attribute", f"{name} is {value}",
                   f"cases whose {name} was {value!r} at capture (first event)",
                   attribute=(name, value))


def _any(activities: tuple[str, ...]) -> str:
    return " or ".join(repr(a) for a in activities)


def _stats(view: CaseView, members: pl.DataFrame, patterns: tuple[Pattern, ...]
           ) -> pl.DataFrame:
    """Per pattern: cases, occurrences, support, and with an outcome its rate, the rate of the
    other cases, lift (rate / the rate of all) and times_as_often (rate / the others' rate);
    with costs the cost of its cases."""
    total = view.case_count
    frame = members
    aggregates = [pl.len().alias("cases"), pl.col("occurrences").sum()]
    if view.outcome is not None:
        frame = frame.join(view.outcome, on="case_id", how="left")
        aggregates.append(pl.col("outcome").fill_null(False).sum().alias("outcome_cases"))
    if view.cost is not None:
        frame = frame.join(view.cost, on="case_id", how="left")
        aggregates.append(pl.col("cost").sum().alias("cost"))
        if view.outcome is not None:
            aggregates.append(pl.col("cost").filter("outcome").sum().alias("outcome_cost"))
    ids = pl.DataFrame({"pattern": [p.id for p in patterns]}, schema={"pattern": pl.String})
    stats = ids.join(frame.group_by("pattern").agg(aggregates), on="pattern", how="left")
    stats = stats.with_columns(pl.col("cases", "occurrences").fill_null(0),
                               support=pl.col("cases").fill_null(0) / max(total, 1))
    if view.outcome is None:
        return stats
    positives = int(view.outcome.get_column("outcome").sum())
    base = positives / max(total, 1)
    rate = pl.col("outcome_cases") / pl.col("cases")
    others = (positives - pl.col("outcome_cases")) / (total - pl.col("cases"))
    return stats.with_columns(pl.col("outcome_cases").fill_null(0)).with_columns(
        outcome_rate=pl.when(pl.col("cases") > 0).then(rate),
        rate_without=pl.when(pl.col("cases") < total).then(others),
        lift=pl.when((pl.col("cases") > 0) & (base > 0)).then(rate / base),
    ).with_columns(times_as_often=pl.when(pl.col("rate_without") > 0)
                   .then(pl.col("outcome_rate") / pl.col("rate_without")))
