"""SLA clocks in business hours: a team's business calendar and the clock of a case.

A `BusinessCalendar` (an IANA time zone, business spans per weekday in local time, holidays)
counts the business seconds between two instants and adds business seconds to an instant. It
keeps, for a range of local years, every business span as a pair of instants and the business
seconds before it (a cumulative count from the range's first instant), so each count is two
binary searches and each addition one: O(log spans), whatever the distance. The spans are
turned into instants through the time zone one by one, so a day that changes to or from
daylight-saving time counts the hours that really pass. The range grows by whole years when an
instant outside it is asked for.

`clock_of` is a case's clock at a moment: business seconds consumed (without the time the case
was paused), the budget, what remains, the share consumed, the jeopardy (`on_track`, `at_risk`
from `at_risk_share` on, `breached` when nothing remains) and the projected due time (a pause
moves it out). A case without a budget (opened before the desk) keeps its `sla_due_at`, and its
jeopardy is measured in wall time.
"""

from __future__ import annotations

import itertools
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Literal, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shipshape.domain.cases import CaseStatus, ExceptionCase

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_S = 86_400
AT_RISK_SHARE = 0.75
MAX_YEARS_AHEAD = 30
"""How far `add` looks for business hours before it gives up (a calendar of holidays only)."""

Jeopardy = Literal["on_track", "at_risk", "breached"]
State = Literal["on_track", "at_risk", "breached", "paused", "closed"]
OPEN_STATUSES = frozenset({CaseStatus.OPEN.value, CaseStatus.ASSIGNED.value})


def parse_span(text: str) -> tuple[int, int]:
    """`"08:00-18:00"` -> (28800, 64800): seconds of the local day; `24:00` ends the day."""
    try:
        start, end = (_seconds_of(part.strip()) for part in text.split("-"))
    except ValueError:
        raise ValueError(f"business hours {text!r} are not HH:MM-HH:MM") from None
    if not 0 <= start < end <= DAY_S:
        raise ValueError(f"business hours {text!r} must start before they end, within a day")
    return start, end


def _seconds_of(text: str) -> int:
    hours, minutes = text.split(":")
    if len(minutes) != 2 or not hours.isdigit() or not minutes.isdigit():
        raise ValueError(text)
    h, m = int(hours), int(minutes)
    if m >= 60 or h > 24 or (h == 24 and m):
        raise ValueError(text)
    return h * 3600 + m * 60


def week_of(hours: Mapping[str, Sequence[str]]) -> tuple[tuple[tuple[int, int], ...], ...]:
    """The spans of each weekday, Monday first, sorted; overlapping spans are refused."""
    unknown = sorted(set(hours) - set(WEEKDAYS))
    if unknown:
        raise ValueError(f"unknown weekday(s) {', '.join(unknown)}; use {', '.join(WEEKDAYS)}")
    week = []
    for day in WEEKDAYS:
        spans = sorted(parse_span(text) for text in hours.get(day, ()))
        for (_, end), (start, _) in itertools.pairwise(spans):
            if start < end:
                raise ValueError(f"business hours of {day} overlap")
        week.append(tuple(spans))
    if not any(week):
        raise ValueError("a business calendar needs business hours on at least one weekday")
    return tuple(week)


def zone_of(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}") from None


@dataclass(frozen=True, slots=True)
class _Spans:
    """Business spans of local years `first`..`last` as instants (POSIX seconds)."""

    first: int
    last: int
    lo: float
    hi: float
    starts: list[float]
    ends: list[float]
    before: list[float]
    """Business seconds from `lo` to each span's start."""
    through: list[float]
    """Business seconds from `lo` to each span's end."""
    total: float
    """Business seconds from `lo` to `hi`."""

    def count(self, ts: float) -> float:
        """Business seconds from `lo` to `ts` (`lo <= ts < hi`)."""
        i = bisect_right(self.starts, ts) - 1
        if i < 0:
            return 0.0
        end = self.ends[i]
        return self.before[i] + ((ts if ts < end else end) - self.starts[i])

    def instant(self, count: float) -> float:
        """The first instant at which `count` business seconds (from `lo`) have passed."""
        j = bisect_left(self.through, count)
        return self.starts[j] + (count - self.before[j])


class BusinessCalendar:
    """Business hours in a time zone: weekly spans (`{"mon": ["08:00-18:00"], ...}`, local
    time) and holidays (local dates without business hours)."""

    def __init__(self, time_zone: str = "UTC",
                 hours: Mapping[str, Sequence[str]] | None = None,
                 holidays: Iterable[date] = ()) -> None:
        self.time_zone = time_zone
        self._zone = zone_of(time_zone)
        self._week = week_of(hours if hours is not None else
                             {day: ["08:00-18:00"] for day in WEEKDAYS[:5]})
        self._holidays = frozenset(holidays)
        self._lock = threading.Lock()
        self._spans: _Spans | None = None

    def business_seconds(self, start: datetime, end: datetime) -> float:
        """Business seconds from `start` to `end` (negative when `end` is before `start`)."""
        a, b = _ts(start), _ts(end)
        spans = self._covering(a, b)
        return spans.count(b) - spans.count(a)

    def add(self, start: datetime, seconds: float) -> datetime:
        """The first instant by which `seconds` business seconds have passed since `start`
        (`start` itself for 0; the end of a span rather than the start of the next)."""
        if seconds <= 0:
            return start
        return datetime.fromtimestamp(self._add_ts(_ts(start), seconds), UTC)

    def is_open(self, at: datetime) -> bool:
        """Whether `at` lies in business hours."""
        ts = _ts(at)
        spans = self._covering(ts, ts)
        i = bisect_right(spans.starts, ts) - 1
        return i >= 0 and ts < spans.ends[i]

    def _add_ts(self, ts: float, seconds: float) -> float:
        spans = self._covering(ts, ts)
        for _ in range(MAX_YEARS_AHEAD + 1):
            target = spans.count(ts) + seconds
            if spans.through and target <= spans.total:
                return spans.instant(target)
            spans = self._grow(spans.first, spans.last + 1)
        raise ValueError(f"no {seconds:.0f} business seconds within {MAX_YEARS_AHEAD} years "
                         "of the calendar")

    def _covering(self, a: float, b: float) -> _Spans:
        spans = self._spans
        if spans is not None and spans.lo <= a < spans.hi and spans.lo <= b < spans.hi:
            return spans
        years = [self._year_of(ts) for ts in (a, b)]
        if spans is not None:
            years += [spans.first, spans.last]
        return self._grow(min(years), max(years))

    def _year_of(self, ts: float) -> int:
        return datetime.fromtimestamp(ts, self._zone).year

    def _grow(self, first: int, last: int) -> _Spans:
        with self._lock:
            spans = self._spans
            if spans is not None:
                first, last = min(first, spans.first), max(last, spans.last)
                if (first, last) == (spans.first, spans.last):
                    return spans
            built = self._build(first, last)
            self._spans = built
            return built

    def _build(self, first: int, last: int) -> _Spans:
        starts: list[float] = []
        ends: list[float] = []
        day = date(first, 1, 1)
        stop = date(last + 1, 1, 1)
        while day < stop:
            spans = self._week[day.weekday()]
            if spans and day not in self._holidays:
                midnight = datetime(day.year, day.month, day.day, tzinfo=self._zone)
                for start, end in spans:
                    # wall-clock arithmetic in the zone: the local time, then its instant
                    a = (midnight + timedelta(seconds=start)).timestamp()
                    b = (midnight + timedelta(seconds=end)).timestamp()
                    if starts and a <= ends[-1]:  # spans meeting at midnight are one
                        ends[-1] = max(ends[-1], b)
                    elif b > a:
                        starts.append(a)
                        ends.append(b)
            day += timedelta(days=1)
        before: list[float] = []
        through: list[float] = []
        total = 0.0
        for a, b in zip(starts, ends, strict=True):
            before.append(total)
            total += b - a
            through.append(total)
        lo = datetime(first, 1, 1, tzinfo=self._zone).timestamp()
        hi = datetime(last + 1, 1, 1, tzinfo=self._zone).timestamp()
        return _Spans(first, last, lo, hi, starts, ends, before, through, total)


def _ts(at: datetime) -> float:
    """POSIX seconds of `at`; a naive datetime is taken as UTC."""
    return (at if at.tzinfo is not None else at.replace(tzinfo=UTC)).timestamp()


@dataclass(frozen=True, slots=True)
class DeskCalendars:
    """Each team's calendar (`default` for teams not named) and the at-risk threshold."""

    calendars: Mapping[str, BusinessCalendar] = field(
        default_factory=lambda: {"default": BusinessCalendar()})
    at_risk_share: float = AT_RISK_SHARE

    def of(self, team: str) -> BusinessCalendar:
        found = self.calendars.get(team) or self.calendars.get("default")
        return found if found is not None else _DEFAULT

    def budget_and_due(self, team: str, opened_at: datetime, sla_hours: float,
                       promised: datetime | None) -> tuple[int, datetime]:
        """A new case's budget (business seconds) and due time: `sla_hours` business hours
        from `opened_at`, never beyond the promised time (the budget shrinks to the business
        seconds before it, at least one, so a promise outside business hours still leaves the
        clock to run out in business hours)."""
        calendar = self.of(team)
        budget = max(round(sla_hours * 3600), 1)
        due = calendar.add(opened_at, budget)
        if promised is not None and opened_at < promised < due:
            budget = max(int(calendar.business_seconds(opened_at, promised)), 1)
            due = promised
        return budget, due


_DEFAULT = BusinessCalendar()


class ClockState(NamedTuple):
    """A case's SLA clock at a moment, as the desk shows it (a named tuple: cheap to make by
    the ten thousand)."""

    state: State
    """`paused` while the clock is stopped, `closed` once the case is; else the jeopardy."""
    jeopardy: Jeopardy
    due_at: datetime
    """When the budget runs out if the clock runs from now on (a pause moves it out)."""
    remaining_s: int
    """Business seconds left (negative: overdue by that much); wall seconds for a case
    without a budget."""
    consumed_share: float
    paused: bool
    waiting_on: str | None
    consumed_s: int
    budget_s: int | None
    paused_s: int
    """Seconds not counted because the case was paused, the running pause included."""


def jeopardy_of(consumed: float, budget: float, at_risk_share: float) -> Jeopardy:
    if consumed >= budget:
        return "breached"
    if budget > 0 and consumed / budget >= at_risk_share:
        return "at_risk"
    return "on_track"


def clock_of(*, status: str, opened_at: datetime, sla_due_at: datetime,
             sla_budget_s: int | None, paused_at: datetime | None, paused_s: int,
             waiting_on: str | None, now: datetime, calendar: BusinessCalendar,
             at_risk_share: float = AT_RISK_SHARE,
             resolved_at: datetime | None = None) -> ClockState:
    """The clock of a case (its columns) at `now`, in business time on `calendar`; a closed
    case's clock as it stood when it closed (`resolved_at`, else `now`)."""
    closed = status not in OPEN_STATUSES
    at = resolved_at if closed and resolved_at is not None else now
    pausing = paused_at is not None and paused_at <= at and not closed
    if sla_budget_s is None:
        return _wall_clock(closed, opened_at, sla_due_at, paused_at if pausing else None,
                           paused_s, waiting_on, at, at_risk_share)
    now_ts = at.timestamp() if at.tzinfo is not None else _ts(at)
    opened_ts = opened_at.timestamp() if opened_at.tzinfo is not None else _ts(opened_at)
    paused_ts = _ts(paused_at) if pausing and paused_at is not None else now_ts
    spans = calendar._spans
    if (spans is None or not spans.lo <= opened_ts < spans.hi or not spans.lo <= now_ts < spans.hi
            or not spans.lo <= paused_ts < spans.hi):
        spans = calendar._covering(min(opened_ts, paused_ts), max(now_ts, paused_ts))
    count = spans.count
    now_count = count(now_ts)
    opened_count = count(opened_ts)
    not_counted = paused_s + (now_count - count(paused_ts)) if pausing else paused_s
    consumed = now_count - opened_count - not_counted
    if consumed < 0:
        consumed = 0.0
    remaining = sla_budget_s - consumed
    # the budget runs out once budget + the seconds not counted have passed since opening
    target = opened_count + sla_budget_s + not_counted
    due_ts = (opened_ts if target <= opened_count else spans.instant(target)
              if target <= spans.total else calendar._add_ts(opened_ts, target - opened_count))
    jeopardy = jeopardy_of(consumed, sla_budget_s, at_risk_share)
    state: State = "closed" if closed else "paused" if pausing else jeopardy
    return ClockState(state, jeopardy, datetime.fromtimestamp(due_ts, UTC), int(remaining),
                      consumed / sla_budget_s if sla_budget_s else 1.0, pausing,
                      waiting_on if pausing else None, int(consumed), sla_budget_s,
                      int(not_counted))


def _wall_clock(closed: bool, opened_at: datetime, sla_due_at: datetime,
                paused_at: datetime | None, paused_s: int, waiting_on: str | None,
                at: datetime, at_risk_share: float) -> ClockState:
    """A case without a budget: its due time stands (moved out by the wall seconds it was
    paused), its jeopardy is measured in wall time."""
    running_pause = (at - paused_at).total_seconds() if paused_at is not None else 0.0
    not_counted = paused_s + running_pause
    budget = (sla_due_at - opened_at).total_seconds()
    consumed = max((at - opened_at).total_seconds() - not_counted, 0.0)
    remaining = budget - consumed
    jeopardy = jeopardy_of(consumed, budget, at_risk_share)
    pausing = paused_at is not None
    state: State = "closed" if closed else "paused" if pausing else jeopardy
    return ClockState(state, jeopardy, sla_due_at + timedelta(seconds=not_counted),
                      int(remaining), consumed / budget if budget > 0 else 1.0, pausing,
                      waiting_on if pausing else None, int(consumed), None, int(not_counted))


def case_clock(case: ExceptionCase, now: datetime, desk: DeskCalendars) -> ClockState:
    """`clock_of` a whole case, on its owner team's calendar."""
    return clock_of(status=case.status.value, opened_at=case.opened_at,
                    sla_due_at=case.sla_due_at, sla_budget_s=case.sla_budget_s,
                    paused_at=case.paused_at, paused_s=case.paused_s,
                    waiting_on=case.waiting_on, now=now, calendar=desk.of(case.owner_team),
                    at_risk_share=desk.at_risk_share, resolved_at=case.resolved_at)


def pause_seconds(calendar: BusinessCalendar, budgeted: bool, paused_at: datetime,
                  now: datetime) -> int:
    """The seconds a pause from `paused_at` to `now` kept off the clock: business seconds on
    a budgeted case, wall seconds on one without a budget."""
    if now <= paused_at:
        return 0
    if budgeted:
        return round(calendar.business_seconds(paused_at, now))
    return round((now - paused_at).total_seconds())


PRIORITIES = ("low", "standard", "high", "urgent")


def raised(priority: str) -> str:
    """One step more urgent (`urgent` stays); an unknown priority becomes `high`."""
    if priority not in PRIORITIES:
        return "high"
    return PRIORITIES[min(PRIORITIES.index(priority) + 1, len(PRIORITIES) - 1)]


SUPERVISOR = "-supervisor"


def supervisor_queue(queue: str, owner_team: str) -> str:
    """The supervisors' queue of a case's queue (of its team when it has none)."""
    base = queue or owner_team
    return base if base.endswith(SUPERVISOR) else f"{base}{SUPERVISOR}"


@dataclass(frozen=True, slots=True)
class EscalationStep:
    level: int
    step: Literal["notify", "reassign", "raise_priority"]


def escalation_steps(level: int, jeopardy: Jeopardy) -> list[EscalationStep]:
    """The steps a case at escalation `level` is owed for its `jeopardy`: at risk, level 1
    (notify); breached, level 2 as well (reassign to the supervisors, raise the priority)."""
    target = {"on_track": 0, "at_risk": 1, "breached": 2}[jeopardy]
    steps: list[EscalationStep] = []
    if level < 1 <= target:
        steps.append(EscalationStep(1, "notify"))
    if level < 2 <= target:
        steps += [EscalationStep(2, "reassign"), EscalationStep(2, "raise_priority")]
    return steps


@dataclass(frozen=True, slots=True)
class CaseClock:
    """What the clock of a stored case is made of, and where escalation left it."""

    case_id: str
    order_id: str | None
    status: str
    owner_team: str
    queue: str
    priority: str
    escalation_level: int
    opened_at: datetime
    sla_due_at: datetime
    sla_budget_s: int | None
    paused_at: datetime | None
    paused_s: int
    waiting_on: str | None

    def at(self, now: datetime, desk: DeskCalendars) -> ClockState:
        """`clock_of` this case at `now`, on its owner team's calendar."""
        return clock_of(status=self.status, opened_at=self.opened_at,
                        sla_due_at=self.sla_due_at, sla_budget_s=self.sla_budget_s,
                        paused_at=self.paused_at, paused_s=self.paused_s,
                        waiting_on=self.waiting_on, now=now,
                        calendar=desk.of(self.owner_team), at_risk_share=desk.at_risk_share)
