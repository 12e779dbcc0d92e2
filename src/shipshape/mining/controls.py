"""Proposed control points: from the patterns that make the outcome more likely, a sentence
for people ("order lines with a changed date are delayed 2.1 times as often: confirm the date at
capture"), backtested on the history (precision, recall, cases caught, cost saved), and where an
attribute known at capture singles those cases out, a rule on it, exportable as a JDM decision
table that the control points load like any policy (`rules.py`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from shipshape.mining.mapping import Options
from shipshape.mining.patterns import Mined, Pattern, min_cases
from shipshape.mining.view import CaseView

LIMIT = 10
TIMES = "\u00d7"
"""The multiplication sign, as in "3.0 times as often"."""
MIN_TIMES = 1.5
"""A pattern is proposed when its cases have the outcome at least this many times as often."""
MIN_TRIGGER_LIFT = 1.5
SAME_CASES = 0.9
"""Candidates whose case sets overlap this much are one proposal (the first ranked)."""
PHRASES = {"date_changed": "a changed date", "line_rejected": "a rejected line",
           "stock_out": "a stock-out", "failed_delivery": "a failed delivery"}
CHECKS = {"date_changed": "confirm the delivery date against stock and capacity at capture",
          "line_rejected": "check availability and the item's status before confirming the "
                           "line",
          "stock_out": "check available-to-promise at capture",
          "failed_delivery": "check the ship-to address and the delivery window before "
                             "dispatch"}
TEAMS = {"address": ("customer_service", "data_quality"), "credit": ("credit", "business"),
         "stock_out": ("warehouse", "operational"), "failed_delivery": ("transport",
                                                                        "operational")}


@dataclass(frozen=True)
class Trigger:
    """An attribute value known at capture, and the control-point fact it is."""

    attribute: str
    value: str
    fact: str


def propose(view: CaseView, mined: Mined, options: Options) -> list[dict[str, Any]]:
    """The best candidates first (most target cases beyond what the others' rate expects),
    one per check and per set of cases; a trigger is sought for the chosen ones only."""
    target = _target_cases(view)
    least = min_cases(view, options)
    figures = {row["pattern"]: row for row in mined.stats.to_dicts()}
    ranked = sorted(((p, figures[p.id]) for p in mined.patterns
                     if _candidate(p, figures[p.id], target is not None, least)), key=_rank)
    wanted = pl.DataFrame({"pattern": [p.id for p, _ in ranked]}, schema={"pattern": pl.String})
    groups = mined.members.join(wanted, on="pattern", how="semi").partition_by(
        "pattern", as_dict=True)
    capture = _Capture(view, target, least, options)
    chosen: list[tuple[str, pl.DataFrame]] = []
    proposals: list[dict[str, Any]] = []
    for pattern, row in ranked:
        if len(proposals) == LIMIT:
            break
        check = _check(pattern, options)
        cases = groups[(pattern.id,)].select("case_id").unique()
        if any(check == other or _alike(cases, seen) for other, seen in chosen):
            continue
        chosen.append((check, cases))
        goal = target if target is not None else cases
        trigger = capture.trigger(pattern, cases)
        proposals.append(_proposal(view, pattern, row, cases, goal, trigger, options))
    return proposals


def _rank(candidate: tuple[Pattern, dict[str, Any]]) -> tuple[float, float, str]:
    """Target cases beyond what the other cases' rate expects (all of them without an
    outcome), then precision."""
    pattern, row = candidate
    if row.get("outcome_cases") is None:
        return -row["cases"], -1.0, pattern.id
    expected = row["cases"] * (row.get("rate_without") or 0)
    return -(row["outcome_cases"] - expected), -(row.get("outcome_rate") or 0), pattern.id


def _alike(cases: pl.DataFrame, other: pl.DataFrame) -> bool:
    """Two case sets that are nearly the same (Jaccard index at least SAME_CASES)."""
    both = cases.join(other, on="case_id", how="semi").height
    either = cases.height + other.height - both
    return either > 0 and both / either >= SAME_CASES


def _target_cases(view: CaseView) -> pl.DataFrame | None:
    if view.outcome is None:
        return None
    return view.outcome.filter("outcome").select("case_id")


def _candidate(pattern: Pattern, row: dict[str, Any], with_outcome: bool, least: int) -> bool:
    chosen = pattern.exception or pattern.kind in ("attribute", "block_set_then_removed")
    if not chosen or pattern.id == "block_set_then_removed" or row["cases"] < least:
        return False
    if not with_outcome:
        return pattern.exception
    times, rate = row.get("times_as_often"), row.get("outcome_rate") or 0
    more = times >= MIN_TIMES if times is not None else row.get("rate_without") == 0 and rate > 0
    return more and row["outcome_cases"] >= min(3, least)


class _Capture:
    """Attribute values at capture that could trigger a rule: how many cases each flags and
    how many of those reach the target (counted once for the whole log)."""

    def __init__(self, view: CaseView, target: pl.DataFrame | None, least: int,
                 options: Options) -> None:
        self.view, self.least, self.options = view, least, options
        self.total = max(view.case_count, 1)
        self.flagged = view.attributes.group_by("name", "value").agg(flagged=pl.len())
        self.goal_share = target.height / self.total if target is not None else None
        self.reached = None if target is None else self._count(target, "reached")

    def _count(self, cases: pl.DataFrame, name: str) -> pl.DataFrame:
        return (self.view.attributes.join(cases, on="case_id", how="semi")
                .group_by("name", "value").agg(pl.len().alias(name)))

    def trigger(self, pattern: Pattern, cases: pl.DataFrame) -> Trigger | None:
        """The value that best singles out the pattern's cases that reach the target: its
        cases show the pattern and reach the target each at least MIN_TRIGGER_LIFT times as
        often as all cases do; of those, the most target cases caught times its precision."""
        if pattern.attribute is not None:
            name, value = pattern.attribute
            return Trigger(name, value, self.options.fact_of(name))
        share = cases.height / self.total
        shown = self._count(cases, "shown")
        if self.reached is None:
            reached, goal_share = shown.rename({"shown": "reached"}), share
        else:
            reached, goal_share = self.reached, self.goal_share or 0
        if share == 0 or goal_share == 0:
            return None
        ranked = (self.flagged.join(shown, on=["name", "value"])
                  .join(reached, on=["name", "value"])
                  .filter(pl.col("flagged") >= self.least,
                          pl.col("shown") >= MIN_TRIGGER_LIFT * share * pl.col("flagged"),
                          pl.col("reached") >= MIN_TRIGGER_LIFT * goal_share * pl.col("flagged"))
                  .with_columns(score=pl.col("reached") ** 2 / pl.col("flagged"))
                  .sort(["score", "name", "value"], descending=[True, False, False]))
        if ranked.is_empty():
            return None
        name, value = ranked.row(0)[:2]
        return Trigger(name, value, self.options.fact_of(name))


def _proposal(view: CaseView, pattern: Pattern, row: dict[str, Any], cases: pl.DataFrame,
              goal: pl.DataFrame, trigger: Trigger | None, options: Options) -> dict[str, Any]:
    check = _check(pattern, options)
    code = "MINED_" + "".join(c if c.isalnum() else "_" for c in pattern.id.upper()).strip("_")
    owner, kind = _team(pattern, options)
    with_outcome = view.outcome is not None
    target = (f"{options.outcome.wording if options.outcome else 'positive'} {options.subject}"
              if with_outcome else f"{options.subject} with {_phrase(pattern)}")
    tested = backtest(view, cases, goal, target)
    rule: dict[str, Any] | None = None
    if trigger is not None:
        flagged = view.attributes.filter((pl.col("name") == trigger.attribute)
                                         & (pl.col("value") == trigger.value)).select("case_id")
        by_rule = backtest(view, flagged, goal, target)
        rule = {"attribute": trigger.attribute, "value": trigger.value, "fact": trigger.fact,
                "when": f"{trigger.attribute} is {trigger.value}", "backtest": by_rule}
        if not with_outcome:  # the pattern trivially finds itself: the rule is the test
            tested = by_rule
    elif not with_outcome:
        tested = {**tested, "caught": None, "precision": None, "recall": None,
                  "note": "the log names no outcome and no attribute at capture singles "
                          "these cases out: nothing to test the control against"}
    return {"code": code[:60], "pattern": pattern.id, "proposal": _sentence(pattern, row, check,
                                                                            options),
            "check": check, "severity": "warn", "kind": kind, "owner_team": owner,
            "backtest": tested, "rule": rule, "exportable": rule is not None,
            **({} if rule else {"not_exportable_because": "no attribute known at capture "
                                "singles these cases out"})}


def backtest(view: CaseView, flagged: pl.DataFrame, goal: pl.DataFrame, target: str
             ) -> dict[str, Any]:
    """Had the control flagged `flagged`: how many of the `goal` cases (`target` names them)
    it would have caught, precision (caught / flagged), recall (caught / goal) and the cost of
    the caught cases."""
    flagged = flagged.unique()
    caught = flagged.join(goal, on="case_id", how="semi")
    result: dict[str, Any] = {
        "target": target, "cases": view.case_count, "flagged": flagged.height,
        "caught": caught.height, "target_cases": goal.height,
        "precision": caught.height / flagged.height if flagged.height else None,
        "recall": caught.height / goal.height if goal.height else None}
    if view.cost is not None:
        saved = caught.join(view.cost, on="case_id").get_column("cost").sum()
        result["cost_saved"] = float(saved or 0)
    return result


def _sentence(pattern: Pattern, row: dict[str, Any], check: str, options: Options) -> str:
    subject = options.subject[:1].upper() + options.subject[1:]
    phrase = _phrase(pattern)
    outcome = options.outcome.wording if options.outcome else "positive"
    if row.get("times_as_often") is None and row.get("rate_without") == 0:
        return (f"{subject} with {phrase} are {outcome} {row['outcome_rate']:.0%} of the time, "
                f"the others never: {check}.")
    if row.get("times_as_often") is None:
        return f"{subject} with {phrase}: {row['cases']:,} cases. {check[:1].upper()}{check[1:]}."
    return (f"{subject} with {phrase} are {outcome} {row['times_as_often']:.1f}{TIMES} as often "
            f"({row['outcome_rate']:.0%} vs {row['rate_without']:.0%}): {check}.")


def _phrase(pattern: Pattern) -> str:
    label = pattern.name.removesuffix(" (set or removed)").removesuffix(" set, then removed")
    article = "an" if label[:1].lower() in "aeiou" else "a"
    if pattern.kind == "block":
        return f"{article} {label}"
    if pattern.kind in ("block_set_then_removed", "set_then_removed"):
        return f"{article} {label} set, then removed"
    if pattern.attribute is not None:
        return f'{pattern.attribute[0]} "{pattern.attribute[1]}"'
    return PHRASES.get(pattern.kind, pattern.name)


def _check(pattern: Pattern, options: Options) -> str:
    label = pattern.name.removesuffix(" (set or removed)").removesuffix(" set, then removed")
    lowered = label.lower()
    if pattern.kind in ("block", "block_set_then_removed", "set_then_removed"):
        if "address" in lowered:
            return "check address completeness at capture"
        if "credit" in lowered:
            return "check the credit limit and payment terms at capture"
        return f"check what sets the {label} at capture, before the order is confirmed"
    if pattern.kind == "repeated":
        return f"find out why {pattern.activities[0]} is done again: check its inputs the " \
               f"first time"
    if pattern.attribute is not None:
        name, value = pattern.attribute
        return f'review {options.subject} with {name} "{value}" at capture'
    return CHECKS.get(pattern.kind, f"check for {pattern.name} at capture")


def _team(pattern: Pattern, options: Options) -> tuple[str, str]:
    lowered = pattern.name.lower()
    for word, (team, kind) in TEAMS.items():
        if word in lowered or word == pattern.kind:
            return team, kind
    return options.owner_team, "operational" if pattern.exception else "business"
