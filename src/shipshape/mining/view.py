"""One object type of a log seen as cases: each case's events in time order, its outcome, its
cost and the attributes it had at capture (its first event's, and its own first values)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from shipshape.mining.errors import LogError
from shipshape.mining.log import EventLog
from shipshape.mining.mapping import Options

EVENT_ROLES = ("resource", "system")
"""Event attributes that say who or what did the event (waiting times are shown per each)."""
CASE_FACTS = ("outcome", "cost")


@dataclass(frozen=True)
class CaseView:
    object_type: str
    events: pl.DataFrame
    """case_id, event_id, activity, timestamp, pos (global order), resource, system; sorted.
    A case's id is its number (UInt32, in the order of the object ids), the same in every
    frame of the view."""
    outcome: pl.DataFrame | None
    """case_id, outcome (bool) for every case; None when the log has no outcome."""
    cost: pl.DataFrame | None
    """case_id, cost (float) for the cases whose cost is known; None when none is."""
    attributes: pl.DataFrame
    """case_id, name, value: what each case was at capture."""

    @property
    def case_count(self) -> int:
        return self.events.get_column("case_id").n_unique()

    def case_ids(self) -> pl.DataFrame:
        return self.events.select("case_id").unique()


def case_view(log: EventLog, object_type: str, options: Options) -> CaseView:
    """The cases of `object_type`; LogError when the log has no such type."""
    if object_type not in log.object_types():
        raise LogError(f"the log has no objects of type {object_type!r} (it has "
                       f"{', '.join(log.object_types()) or 'none'})")
    events = _case_events(log, object_type).collect()
    for role in EVENT_ROLES:
        events = events.join(_role(log, role), on="event_id", how="left",
                             maintain_order="left")
    events = events.with_row_index("pos")
    cases = events.select("case_id").unique()
    own = log.object_attributes.join(cases, left_on="object_id", right_on="case_id",
                                     how="semi").rename({"object_id": "case_id"})
    outcome, cost = _outcome(events, own, options), _cost(own, options)
    attributes = _attributes(log, events, own, options)
    # Cases numbered in their sorted order: every later join is on a number, not a text.
    numbered = events.with_columns(
        (pl.col("case_id") != pl.col("case_id").shift()).fill_null(True).cum_sum()
        .cast(pl.UInt32).alias("case_no"))
    codes = numbered.select("case_id", "case_no").unique("case_no", keep="first")
    return CaseView(object_type, _numbered(numbered.drop("case_id"), None),
                    _numbered(outcome, codes), _numbered(cost, codes),
                    _numbered(attributes, codes) if attributes is not None else attributes)


def _numbered(frame: pl.DataFrame | None, codes: pl.DataFrame | None) -> Any:
    """`frame` keyed by each case's number (`case_id` holds it from here on)."""
    if frame is None:
        return None
    if codes is not None:
        frame = frame.join(codes, on="case_id").drop("case_id")
    columns = ["case_no", *(c for c in frame.columns if c != "case_no")]
    return frame.select(columns).rename({"case_no": "case_id"})


def _case_events(log: EventLog, object_type: str) -> pl.LazyFrame:
    """What `EventLog.cases` answers, planned lazily and keeping the order of the links (a
    flat log's links come sorted, which makes the final sort cheap)."""
    links = log.links.lazy()
    if log.objects.get_column("object_type").n_unique() > 1:
        ids = log.objects.lazy().filter(pl.col("object_type") == object_type).select("object_id")
        links = links.join(ids, on="object_id", how="semi", maintain_order="left")
    linked = (links.select(pl.col("object_id").alias("case_id"), "event_id")
              .unique(maintain_order=True))
    return (linked.join(log.events.lazy(), on="event_id", maintain_order="left")
            .select("case_id", "event_id", "activity", "timestamp")
            .sort("case_id", "timestamp", "event_id"))


def _role(log: EventLog, role: str) -> pl.DataFrame:
    """event_id, `role`: the event's value of that attribute (the first, should it have two)."""
    values = log.event_attributes.filter(pl.col("name") == role)
    if values.get_column("event_id").n_unique() < values.height:
        values = values.unique("event_id", keep="first", maintain_order=True)
    return values.select("event_id", pl.col("value").alias(role))


def _outcome(events: pl.DataFrame, own: pl.DataFrame, options: Options) -> pl.DataFrame | None:
    rule = options.outcome
    cases = events.select("case_id").unique()
    if rule is not None and rule.activities:
        hit = events.filter(pl.col("activity").is_in(list(rule.activities)))
        flagged = hit.select("case_id").unique().with_columns(outcome=pl.lit(True))
    else:
        name, positive = ("outcome", ["true"])
        if rule is not None and rule.attribute:
            name, positive = rule.attribute, list(rule.positive)
        values = own.filter(pl.col("name") == name)
        if values.is_empty():
            return None
        flagged = (values.group_by("case_id").agg(outcome=pl.col("value").is_in(positive).any())
                   .filter("outcome"))
    return (cases.join(flagged, on="case_id", how="left")
            .with_columns(pl.col("outcome").fill_null(False)))


def _cost(own: pl.DataFrame, options: Options) -> pl.DataFrame | None:
    rule = options.cost
    name = rule.attribute if rule is not None and rule.attribute else "cost"
    per_case = rule.per_case if rule is not None and rule.attribute else "first"
    values = (own.filter(pl.col("name") == name).sort("timestamp")
              .with_columns(number=pl.col("value").cast(pl.Float64, strict=False))
              .drop_nulls("number"))
    if values.is_empty():
        return None
    aggregate = {"sum": pl.col("number").sum(), "max": pl.col("number").max(),
                 "first": pl.col("number").last()}[per_case]
    return values.group_by("case_id").agg(cost=aggregate)


def _attributes(log: EventLog, events: pl.DataFrame, own: pl.DataFrame, options: Options
                ) -> pl.DataFrame:
    """Each case's first event's attributes and its own earliest attribute values."""
    first = events.group_by("case_id").agg(pl.col("event_id").first())
    skip = [*EVENT_ROLES, *CASE_FACTS, *(rule_names(options))]
    at_first = (first.join(log.event_attributes, on="event_id")
                .filter(~pl.col("name").is_in(skip)).select("case_id", "name", "value"))
    earliest = (own.filter(~pl.col("name").is_in(skip)).sort("timestamp")
                .group_by("case_id", "name").agg(pl.col("value").first()))
    return pl.concat([at_first, earliest]).unique(["case_id", "name"], keep="first")


def rule_names(options: Options) -> list[str]:
    """Attributes that define the outcome or the cost: never a predictor of either."""
    outcome, cost = options.outcome, options.cost
    named = [outcome and outcome.attribute, outcome and outcome.column,
             cost and cost.attribute, cost and cost.column]
    return [name for name in named if name]
