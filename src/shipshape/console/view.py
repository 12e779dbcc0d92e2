"""What the console shows, as pure functions of what the API answered: no NiceGUI, no I/O, so
that each rule of the pages is tested on its own."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from shipshape.domain import desk

JEOPARDY_COLOURS = {
    "on_track": "green", "at_risk": "amber", "breached": "red", "paused": "grey",
    "closed": "blue-grey"}
"""The chip colour (a Quasar colour name) of each SLA state."""
JEOPARDY_LABELS = {
    "on_track": "On track", "at_risk": "At risk", "breached": "Overdue", "paused": "Paused",
    "closed": "Closed"}
CLOSED_STATUSES = frozenset({"resolved", "auto_resolved", "rejected", "cancelled"})

QUEUE_FILTERS = (
    ("status", "Status"), ("code", "Code"), ("kind", "Kind"), ("stage", "Stage"),
    ("owner_team", "Owner team"), ("queue", "Queue"), ("assignee", "Assignee"),
    ("site_id", "Site"), ("segment", "Segment"), ("customer_id", "Customer"),
    ("sla_state", "SLA state"), ("order_id", "Order"))
"""The queue's filters: the list endpoint's query parameter and its plain label."""
FILTER_CHOICES: dict[str, list[str]] = {
    "status": ["open", "assigned", "resolved", "auto_resolved", "rejected", "cancelled"],
    "kind": ["data_quality", "business", "operational", "integration"],
    "sla_state": ["on_track", "at_risk", "breached", "paused"],
}
QUEUE_PAGE = 200

ACTION_LABELS = {
    "assign": "Assign", "approve_split": "Approve split shipment",
    "substitute": "Substitute item", "delay_release": "Delay release",
    "cancel_line": "Cancel line", "release_hold": "Release hold", "resource": "Ship from site",
    "retry": "Retry", "resolve": "Mark resolved", "reject": "Reject (not an exception)",
    "pause": "Pause SLA clock", "resume": "Resume SLA clock",
    "redeliver": "Deliver again", "reship": "Re-ship and credit", "credit": "Credit",
    "retender": "Tender to another carrier"}
DESTRUCTIVE = frozenset(action.value for action in desk.DESTRUCTIVE)
"""Actions asked for a second time, in a confirmation dialog, before they are sent."""
ACTION_FIELDS: dict[str, tuple[str, ...]] = {
    "substitute": ("line_no", "substitute_sku"), "delay_release": ("release_on",),
    "cancel_line": ("line_no",), "resource": ("site_id",), "pause": ("waiting_on",),
    "retender": ("carrier_service",)}
"""The fields an action needs besides its reason code, root cause and note."""
FIELD_LABELS = {
    "line_no": "Line number", "substitute_sku": "Substitute SKU",
    "release_on": "Release on (YYYY-MM-DD)", "site_id": "Site", "waiting_on":
    "Waiting on (customer, system:erp, ...)", "carrier_service": "Carrier service (UPS:GND)"}
REASON_CODES = (
    "CUSTOMER_CONSENT", "CUSTOMER_REQUEST", "STOCK_SHORTAGE", "DATA_CORRECTED",
    "DUPLICATE", "FALSE_ALARM", "CREDIT_APPROVED", "OTHER")


def jeopardy(case: Mapping[str, Any], now: datetime | None = None) -> str:
    """The case's SLA state as the API says it (`sla.state`); from its status and due time
    when the API sent no `sla`."""
    sla = case.get("sla")
    if isinstance(sla, Mapping) and sla.get("state") in JEOPARDY_COLOURS:
        return str(sla["state"])
    if case.get("status") in CLOSED_STATUSES:
        return "closed"
    due = parse_time(case.get("sla_due_at"))
    if due is None:
        return "on_track"
    return "breached" if due <= (now or datetime.now(UTC)) else "on_track"


def jeopardy_colour(state: str) -> str:
    return JEOPARDY_COLOURS.get(state, "grey")


def parse_time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def duration(seconds: float) -> str:
    """`2 d 03 h`, `3 h 05 m`, `4 m 09 s`: the two largest units."""
    total = int(abs(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours:02d} h"
    if hours:
        return f"{hours} h {minutes:02d} m"
    return f"{minutes} m {secs:02d} s"


def countdown(case: Mapping[str, Any], now: datetime) -> str:
    """What the queue's SLA column says now: the time left, how long overdue, or why no clock
    runs."""
    state = jeopardy(case, now)
    if state == "closed":
        return "closed"
    if state == "paused":
        sla = case.get("sla")
        waiting = sla.get("waiting_on") if isinstance(sla, Mapping) else None
        return f"paused (waiting on {waiting})" if waiting else "paused"
    due = parse_time(_due_at(case))
    if due is None:
        return "no due time"
    left = (due - now).total_seconds()
    return f"{duration(left)} left" if left > 0 else f"overdue by {duration(left)}"


def _due_at(case: Mapping[str, Any]) -> object:
    sla = case.get("sla")
    if isinstance(sla, Mapping) and sla.get("due_at"):
        return sla["due_at"]
    return case.get("sla_due_at")


def queue_params(filters: Mapping[str, object]) -> dict[str, str]:
    """The list endpoint's query: the filters given (blank ones left out), soonest due first."""
    known = {name for name, _ in QUEUE_FILTERS}
    params = {name: str(value).strip() for name, value in filters.items()
              if name in known and value is not None and str(value).strip()}
    return {**params, "sort": "sla_due_at", "limit": str(QUEUE_PAGE)}


def by_due_time(cases: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Soonest due first; cases without a due time last."""
    far = datetime.max.replace(tzinfo=UTC)
    return sorted(cases, key=lambda case: parse_time(_due_at(case)) or far)


def queue_row(case: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """One row of the queue's table."""
    state = jeopardy(case, now)
    return {
        "case_id": case.get("case_id"), "code": case.get("code"), "status": case.get("status"),
        "order_id": case.get("order_id") or "", "customer_id": case.get("customer_id") or "",
        "site_id": case.get("site_id") or "", "owner_team": case.get("owner_team") or "",
        "assignee": case.get("assignee") or "", "message": case.get("message") or "",
        "due_at": _due_at(case) or "", "sla_state": state,
        "sla_label": JEOPARDY_LABELS.get(state, state), "colour": jeopardy_colour(state),
        "countdown": countdown(case, now)}


def action_body(action: str, reason_code: str, fields: Mapping[str, object],
                root_cause: str = "", note: str = "") -> dict[str, Any]:
    """The body of `POST /exceptions/{id}/actions` from a form's values (blank ones left
    out; a line number as a number)."""
    body: dict[str, Any] = {"action": action, "reason_code": reason_code}
    for name in ACTION_FIELDS.get(action, ()):
        value = str(fields.get(name) or "").strip()
        if value:
            body[name] = int(value) if name == "line_no" and value.isdigit() else value
    if root_cause.strip():
        body["root_cause"] = root_cause.strip()
    if note.strip():
        body["note"] = note.strip()
    return body


def error_text(status: int, body: object) -> str:
    """A plain sentence of what the API refused and why, from its problem details."""
    if isinstance(body, Mapping):
        detail = str(body.get("detail") or body.get("title") or "")
        fields = [f"{e.get('field')}: {e.get('message')}" for e in body.get("errors") or []
                  if isinstance(e, Mapping)]
        text = "; ".join(part for part in [detail, *fields] if part)
        if text:
            return f"{status}: {text}"
    return f"{status}: the API answered without details"


def counts(cases: Iterable[Mapping[str, Any]], key: str) -> list[tuple[str, int]]:
    """How many cases have each value of `key`, most first."""
    tally = Counter(str(case.get(key) or "-") for case in cases)
    return sorted(tally.items(), key=lambda item: (-item[1], item[0]))


def timeline_rows(history: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    """The case page's timeline: when, what, and the payload's gist, oldest first."""
    rows = [{"when": str(event.get("occurred_at") or ""),
             "what": str(event.get("type") or event.get("event_type") or ""),
             "gist": gist(event.get("payload"))} for event in history]
    return sorted(rows, key=lambda row: row["when"])


def gist(payload: object) -> str:
    """A mapping's plain fields on one short line."""
    if not isinstance(payload, Mapping):
        return ""
    parts = [f"{key}={value}" for key, value in payload.items()
             if isinstance(value, str | int | float | bool) and value not in ("", None)]
    text = ", ".join(parts[:6])
    return text if len(text) <= 160 else text[:157] + "..."
