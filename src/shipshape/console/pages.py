"""The console's pages. Each reads and acts through the API (`client.ApiClient`) with the signed-in
user's token; what the API refuses is shown as the API's own words."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from nicegui import run, ui
from starlette.requests import Request
from starlette.types import ASGIApp

from shipshape.console import session as sessions
from shipshape.console.client import Answer, ApiClient
from shipshape.console.kpi_charts import kpi_section
from shipshape.console.kpi_view import Period, period_of
from shipshape.console.partners_panel import partner_detail, partners_list
from shipshape.console.recommend_panel import recommendations_view
from shipshape.console.view import (
    ACTION_FIELDS,
    ACTION_LABELS,
    DESTRUCTIVE,
    FIELD_LABELS,
    FILTER_CHOICES,
    JEOPARDY_COLOURS,
    JEOPARDY_LABELS,
    QUEUE_FILTERS,
    REASON_CODES,
    action_body,
    by_due_time,
    countdown,
    counts,
    gist,
    jeopardy,
    jeopardy_colour,
    queue_params,
    queue_row,
    timeline_rows,
)

TIMEOUT_S = 30.0
"""How long a page may take to build (it waits for the API)."""
NAV = (("Queue", "/queue"), ("Orders", "/orders"), ("Audit", "/audit"),
       ("Dashboard", "/dashboard"), ("Partners", "/partners"))
EVERY_CUSTOMER = frozenset({"/partners"})
"""Pages of data about every customer, whose API refuses a customer's token: not offered to
one."""
SLA_SLOT = r"""
<q-td :props="props">
  <q-badge :color="props.row.colour" :label="props.row.sla_label" class="q-mr-sm"/>
  <span>{{ props.row.countdown }}</span>
</q-td>"""
CASE_SLOT = r"""
<q-td :props="props">
  <a :href="'/console/cases/' + encodeURIComponent(props.value)" class="text-primary">
    {{ props.value }}</a>
</q-td>"""
ORDER_SLOT = r"""
<q-td :props="props">
  <a :href="'/console/orders?order_id=' + encodeURIComponent(props.value)" class="text-primary">
    {{ props.value }}</a>
</q-td>"""
QUEUE_COLUMNS = [
    {"name": "sla", "label": "SLA", "field": "countdown", "align": "left"},
    {"name": "case_id", "label": "Case", "field": "case_id", "align": "left"},
    {"name": "code", "label": "Code", "field": "code", "align": "left"},
    {"name": "status", "label": "Status", "field": "status", "align": "left"},
    {"name": "order_id", "label": "Order", "field": "order_id", "align": "left"},
    {"name": "customer_id", "label": "Customer", "field": "customer_id", "align": "left"},
    {"name": "site_id", "label": "Site", "field": "site_id", "align": "left"},
    {"name": "owner_team", "label": "Team", "field": "owner_team", "align": "left"},
    {"name": "assignee", "label": "Assignee", "field": "assignee", "align": "left"},
    {"name": "message", "label": "What is wrong", "field": "message", "align": "left"},
]


class _Wiring:
    """What the pages need from the app that mounts them, set once by `register`."""

    app: ASGIApp | None = None
    identify: sessions.Identify | None = None


def register(app: ASGIApp, identify: sessions.Identify) -> None:
    """Declare every page (once a process: NiceGUI's pages are global)."""
    _Wiring.app, _Wiring.identify = app, identify
    for path, title, page in (
            ("/", "Shipshape console", sign_in_page), ("/queue", "Queue", queue_page),
            ("/cases/{case_id}", "Case", case_page), ("/orders", "Orders", orders_page),
            ("/audit", "Audit", audit_page), ("/dashboard", "Dashboard", dashboard_page),
            ("/partners", "Partners", partners_page),
            ("/partners/{partner_id}", "Partner", partner_page)):
        full_title = title if path == "/" else f"{title} · Shipshape"
        ui.page(path, title=full_title, response_timeout=TIMEOUT_S)(page)


def api() -> ApiClient:
    """The API, as the user signed in in this browser."""
    assert _Wiring.app is not None, "the console's pages are not registered"
    current = sessions.current()
    return ApiClient(_Wiring.app, current.token if current else None)


async def sign_in_page() -> None:
    frame("Sign in")
    current = sessions.current()
    with ui.card().classes("w-full max-w-xl"):
        if current is None:
            sign_in_form()
            return
        ui.label(f"Signed in as {current.name}").classes("text-lg")
        ui.label(f"Role: {current.role}").props('data-testid="role"')
        if current.team:
            ui.label(f"Team: {current.team}")
        if current.customer_id:
            ui.label(f"Customer: {current.customer_id}")
        with ui.row():
            ui.button("Open the queue", on_click=lambda: ui.navigate.to("/queue"))
            ui.button("Sign out", on_click=sign_out).props("outline")


def sign_in_form() -> None:
    ui.label("Paste the token you were given (shipshape tokens create).")
    token = ui.input("Token", password=True, password_toggle_button=True) \
        .classes("w-full").props('autofocus data-testid="token"')
    problem = ui.label().classes("text-negative")

    async def submit() -> None:
        value = (token.value or "").strip()
        if not value:
            problem.text = "Enter a token."
            return
        assert _Wiring.identify is not None
        try:
            principal = await run.io_bound(_Wiring.identify, value)
        except Exception as error:  # the API's refusal, in its words
            problem.text = f"Not signed in: {error}"
            return
        if principal is None:  # the server is shutting down
            problem.text = "Not signed in: the server is stopping"
            return
        sessions.sign_in(value, principal)
        ui.navigate.to("/")

    token.on("keydown.enter", submit)
    ui.button("Sign in", on_click=submit)


async def queue_page() -> None:
    current = signed_in("Queue")
    if current is None:
        return
    chosen: dict[str, Any] = {name: None for name, _ in QUEUE_FILTERS}
    if current.team:
        chosen["owner_team"] = current.team

    @ui.refreshable
    async def table_view() -> None:
        await queue_table(chosen, table_view.refresh)

    def clear() -> None:
        for key in chosen:
            chosen[key] = None
        table_view.refresh()

    with ui.row().classes("items-end gap-2 w-full"):
        for name, label in QUEUE_FILTERS:
            widget: Any = (
                ui.select(FILTER_CHOICES[name], label=label, clearable=True)
                if name in FILTER_CHOICES else
                ui.input(label).on("keydown.enter", table_view.refresh))
            widget.bind_value(chosen, name).classes("w-36").props(
                f'data-testid="filter-{name}" dense')
        ui.button("Apply filters", on_click=table_view.refresh)
        ui.button("Clear", on_click=clear).props("flat")
    with ui.row().classes("gap-2"):
        for state, colour in JEOPARDY_COLOURS.items():
            ui.badge(JEOPARDY_LABELS[state], color=colour)
    await table_view()


async def queue_table(chosen: dict[str, Any], refresh: Callable[[], object]) -> None:
    """The cases that match the filters, soonest due first, their countdowns ticking."""
    answer = await api().get("/exceptions", queue_params(chosen))
    if not answer.ok:
        show_error(answer)
        return
    cases = by_due_time(answer.data.get("exceptions", []))
    now = datetime.now(UTC)
    ui.label(f"{answer.data.get('total', len(cases))} cases match; "
             f"showing {len(cases)}, soonest due first").props('data-testid="total"')
    table = ui.table(rows=[queue_row(case, now) for case in cases],
                     columns=QUEUE_COLUMNS, row_key="case_id", selection="multiple",
                     pagination=50).classes("w-full").props('data-testid="queue"')
    table.add_slot("body-cell-sla", SLA_SLOT)
    table.add_slot("body-cell-case_id", CASE_SLOT)

    def tick() -> None:
        moment = datetime.now(UTC)
        for row, case in zip(table.rows, cases, strict=True):
            fresh = queue_row(case, moment)
            row.update({k: fresh[k] for k in ("countdown", "sla_state", "colour", "sla_label")})
        table.update()

    ui.timer(1.0, tick)
    bulk_assign(table, refresh)


def bulk_assign(table: ui.table, refresh: Callable[[], object]) -> None:
    with ui.row().classes("items-end gap-2"):
        assignee = ui.input("Assign selected to").props('data-testid="bulk-assignee"')

        async def assign_selected() -> None:
            picked = [row["case_id"] for row in table.selected]
            if not picked:
                ui.notify("Select cases first (tick their boxes).", type="warning")
                return
            who = (assignee.value or "").strip() or None
            failed = []
            for case_id in picked:
                done = await api().post(f"/exceptions/{quote(case_id)}/assign",
                                        {"assignee": who})
                if not done.ok:
                    failed.append(f"{case_id}: {done.error}")
            if failed:
                ui.notify("Not assigned: " + "; ".join(failed), type="negative",
                          multi_line=True, timeout=0, close_button="OK")
            else:
                ui.notify(f"Assigned {len(picked)} cases", type="positive")
            refresh()

        ui.button("Assign selected", on_click=assign_selected) \
            .props('data-testid="bulk-assign"')


async def case_page(case_id: str) -> None:
    if signed_in(f"Case {case_id}") is not None:
        await case_view(api, case_id)


async def orders_page(order_id: str = "", customer_id: str = "") -> None:
    if signed_in("Orders") is None:
        return
    query = {"order_id": order_id, "customer_id": customer_id}

    @ui.refreshable
    async def found() -> None:
        await orders_found(query)

    with ui.row().classes("items-end gap-2"):
        ui.input("Order id").bind_value(query, "order_id").props('data-testid="order-id"') \
            .on("keydown.enter", found.refresh)
        ui.input("Customer id").bind_value(query, "customer_id") \
            .on("keydown.enter", found.refresh)
        ui.button("Search", on_click=found.refresh)
    await found()


async def orders_found(query: dict[str, str]) -> None:
    if query["order_id"].strip():
        await order_view(api(), query["order_id"].strip())
        return
    if not query["customer_id"].strip():
        return
    answer = await api().get("/orders", {"customer_id": query["customer_id"].strip()})
    if not answer.ok:
        show_error(answer)
        return
    keys = ("order_id", "status", "customer_po", "created_at")
    rows = [{k: o.get(k) for k in keys} for o in answer.data.get("orders", [])]
    table = ui.table(rows=rows, row_key="order_id", columns=[
        {"name": k, "label": k.replace("_", " ").capitalize(), "field": k, "align": "left"}
        for k in keys]).classes("w-full")
    table.add_slot("body-cell-order_id", ORDER_SLOT)


async def audit_page(subject: str = "") -> None:
    if signed_in("Audit") is None:
        return
    query = {"subject": subject}

    @ui.refreshable
    async def found() -> None:
        if query["subject"].strip():
            await audit_view(api(), query["subject"].strip())

    with ui.row().classes("items-end gap-2"):
        ui.input("Case, order or wave id").bind_value(query, "subject") \
            .props('data-testid="audit-subject"').on("keydown.enter", found.refresh)
        ui.button("Show audit trail", on_click=found.refresh)
    await found()


async def dashboard_page(request: Request) -> None:
    """Cases by status, team and code; the KPIs of the days `from` to `to`, else of the last
    `days` days (default 30)."""
    if signed_in("Dashboard") is not None:
        asked = request.query_params
        await dashboard_view(api(), period_of(asked.get("days"), asked.get("from"),
                                              asked.get("to"), datetime.now(UTC).date()))


async def partners_page() -> None:
    """Every trading partner with its EDI figures and acknowledgement rate."""
    if signed_in("Partners") is not None:
        await partners_list(api())


async def partner_page(partner_id: str) -> None:
    if signed_in(f"Partner {partner_id}") is not None:
        await partner_detail(api(), partner_id)


def frame(title: str) -> None:
    """The header every page shares: where to go, who is signed in, signing out."""
    current = sessions.current()
    with ui.header(fixed=False).classes("items-center gap-4 bg-blue-grey-9"):
        # ui.link puts the mount path (/console) before a path of the console itself
        ui.link("Shipshape", "/").classes("text-white text-lg no-underline")
        if current is not None:
            for label, path in NAV:
                if not (current.customer_id and path in EVERY_CUSTOMER):
                    ui.link(label, path).classes("text-white")
            ui.space()
            ui.label(f"{current.name} · {current.role}").props('data-testid="who"')
            ui.button("Sign out", on_click=sign_out).props("flat color=white")
    ui.label(title).classes("text-h5")


def signed_in(title: str) -> sessions.Session | None:
    frame(title)
    current = sessions.current()
    if current is None:
        ui.label("You are not signed in.")
        ui.link("Sign in", "/")
        ui.navigate.to("/")
    return current


def sign_out() -> None:
    sessions.sign_out()
    ui.navigate.to("/")


def show_error(answer: Answer) -> None:
    ui.label(answer.error or "").classes("text-negative").props('data-testid="error"')


def key_values(data: dict[str, Any]) -> None:
    with ui.grid(columns=2).classes("gap-x-6 gap-y-1"):
        for key, value in data.items():
            ui.label(key.replace("_", " ")).classes("text-grey-8")
            shown = value if isinstance(value, str) else json.dumps(value, default=str)
            ui.label(shown).classes("break-all")


async def case_view(api: Callable[[], ApiClient], case_id: str) -> None:
    answer = await api().get(f"/exceptions/{quote(case_id)}")
    if not answer.ok:
        show_error(answer)
        return
    case = answer.data
    state = jeopardy(case)
    with ui.row().classes("items-center gap-3"):
        ui.label(f"{case.get('code')} · {case.get('status')}").classes("text-h6") \
            .props('data-testid="case-status"')
        chip = ui.badge(JEOPARDY_LABELS.get(state, state), color=jeopardy_colour(state))
        clock = ui.label(countdown(case, datetime.now(UTC))).props('data-testid="sla-clock"')

        def tick() -> None:
            moment = datetime.now(UTC)
            clock.text = countdown(case, moment)
            now_state = jeopardy(case, moment)
            chip.text = JEOPARDY_LABELS.get(now_state, now_state)
            chip.props(f"color={jeopardy_colour(now_state)}")

        ui.timer(1.0, tick)
    ui.label(case.get("message") or "").classes("text-body1")
    with ui.row().classes("w-full gap-6 items-start"):
        with ui.card().classes("min-w-[22rem]"):
            ui.label("Case").classes("text-subtitle1")
            key_values({k: case.get(k) for k in (
                "case_id", "order_id", "customer_id", "customer_segment", "site_id", "line_nos",
                "severity", "blocking", "owner_team", "queue", "assignee", "opened_at",
                "sla_due_at", "occurrences", "escalation_level", "resolution_action",
                "resolution_reason", "resolved_by") if case.get(k) not in (None, "", [])})
        with ui.card().classes("min-w-[22rem]"):
            ui.label("Findings").classes("text-subtitle1")
            key_values(case.get("details") or {})
        await actions_view(api, case)
    await recommendations_view(api, case, confirm)
    availability = case.get("availability") or []
    if availability:
        ui.label("Availability per site").classes("text-subtitle1")
        ui.table(rows=availability, columns=[
            {"name": k, "label": k.replace("_", " ").capitalize(), "field": k, "align": "left"}
            for k in ("sku", "site_id", "available")]).props('data-testid="availability"')
    order = case.get("order")
    if isinstance(order, dict):
        ui.label(f"Order {order.get('order_id')} · {order.get('status')}") \
            .classes("text-subtitle1").props('data-testid="order-status"')
        lines = order.get("lines") or []
        if lines:
            ui.table(rows=[{k: line.get(k) for k in ("line_no", "sku", "quantity", "status")}
                           for line in lines], columns=[
                {"name": k, "label": k.replace("_", " ").capitalize(), "field": k,
                 "align": "left"} for k in ("line_no", "sku", "quantity", "status")])
    ui.label("Timeline").classes("text-subtitle1")
    history = list(case.get("history") or [])
    if case.get("order_id"):
        events = await api().get(f"/orders/{quote(str(case['order_id']))}/events")
        if events.ok:
            history += events.data.get("events", [])
    unique = list({e.get("event_id") or id(e): e for e in history}.values())
    ui.table(rows=timeline_rows(unique), columns=[
        {"name": k, "label": label, "field": k, "align": "left"}
        for k, label in (("when", "When"), ("what", "What happened"), ("gist", "Details"))],
        pagination=25).classes("w-full").props('data-testid="timeline"')
    ui.label("Audit trail").classes("text-subtitle1")
    await audit_view(api(), str(case.get("case_id") or case_id))


async def actions_view(api: Callable[[], ApiClient], case: dict[str, Any]) -> None:
    """A button for each action the API lists for this caller now, each with its form."""
    allowed = [a for a in case.get("actions") or [] if isinstance(a, str)]
    with ui.card().classes("min-w-[18rem]").props('data-testid="actions"'):
        ui.label("Actions").classes("text-subtitle1")
        if not allowed:
            ui.label("Nothing you may do on this case now.")
            return
        for action in allowed:
            ui.button(ACTION_LABELS.get(action, action.replace("_", " ").capitalize()),
                      on_click=lambda _, a=action: action_form(api, case, a)) \
                .props(f'data-testid="action-{action}"' + (
                    " color=negative" if action in DESTRUCTIVE else "")).classes("w-full")


def action_form(api: Callable[[], ApiClient], case: dict[str, Any], action: str) -> None:
    label = ACTION_LABELS.get(action, action)
    case_id = str(case["case_id"])
    with ui.dialog() as dialog, ui.card().classes("min-w-[26rem]"):
        ui.label(f"{label} — case {case_id}").classes("text-h6")
        values: dict[str, Any] = {}
        if action == "assign":
            ui.input("Assign to (empty: unassign)").bind_value(values, "assignee") \
                .props("autofocus")
        else:
            ui.select(list(REASON_CODES), label="Reason", value=REASON_CODES[0]) \
                .bind_value(values, "reason_code").props('data-testid="reason"')
            for name in ACTION_FIELDS.get(action, ()):
                ui.input(FIELD_LABELS.get(name, name)).bind_value(values, name)
            ui.input("Root cause (optional)").bind_value(values, "root_cause")
            ui.input("Note (optional)").bind_value(values, "note")
        problem = ui.label().classes("text-negative").props('data-testid="action-error"')

        async def send() -> None:
            if action == "assign":
                answer = await api().post(f"/exceptions/{quote(case_id)}/assign",
                                          {"assignee": (values.get("assignee") or "").strip()
                                           or None})
            else:
                body = action_body(action, values.get("reason_code") or REASON_CODES[0], values,
                                   values.get("root_cause") or "", values.get("note") or "")
                answer = await api().post(f"/exceptions/{quote(case_id)}/actions", body)
            if not answer.ok:
                problem.text = answer.error or ""
                return
            dialog.close()
            ui.notify(f"{label}: done", type="positive")
            ui.navigate.reload()

        async def submit() -> None:
            if action in DESTRUCTIVE:
                await confirm(f"{label} on case {case_id}? This cannot be undone.", send)
            else:
                await send()

        with ui.row():
            ui.button(label, on_click=submit).props('data-testid="submit-action"')
            ui.button("Back", on_click=dialog.close).props("flat")
    dialog.open()


async def confirm(question: str, then: Callable[[], Awaitable[None]]) -> None:
    with ui.dialog() as dialog, ui.card():
        ui.label(question)
        with ui.row():
            ui.button("Yes, do it", on_click=lambda: dialog.submit(True)) \
                .props('color=negative data-testid="confirm"')
            ui.button("No, go back", on_click=lambda: dialog.submit(False)).props("autofocus")
    if await dialog:
        await then()


async def order_view(client: ApiClient, order_id: str) -> None:
    answer = await client.get(f"/orders/{quote(order_id)}")
    if not answer.ok:
        show_error(answer)
        return
    order = answer.data
    ui.label(f"Order {order.get('order_id')} · {order.get('status')}").classes("text-h6") \
        .props('data-testid="order-status"')
    key_values({k: v for k, v in order.items()
                if isinstance(v, str | int | float | bool) and v not in ("", None)})
    for name in ("lines", "cases"):
        rows = [r for r in order.get(name) or [] if isinstance(r, dict)]
        if rows:
            ui.label(name.capitalize()).classes("text-subtitle1")
            keys = [k for k, v in rows[0].items() if isinstance(v, str | int | float | bool)]
            table = ui.table(rows=rows, columns=[
                {"name": k, "label": k.replace("_", " "), "field": k, "align": "left"}
                for k in keys[:9]]).classes("w-full")
            if name == "cases" and "case_id" in keys:
                table.add_slot("body-cell-case_id", CASE_SLOT)
    events = await client.get(f"/orders/{quote(order_id)}/events")
    if events.ok:
        ui.label("Timeline").classes("text-subtitle1")
        ui.table(rows=timeline_rows(events.data.get("events", [])), columns=[
            {"name": k, "label": label, "field": k, "align": "left"}
            for k, label in (("when", "When"), ("what", "What happened"),
                             ("gist", "Details"))], pagination=25).classes("w-full")


async def audit_view(client: ApiClient, subject: str) -> None:
    answer = await client.get("/audit", {"subject": subject})
    if not answer.ok:
        show_error(answer)
        return
    entries = answer.data.get("entries", [])
    if not entries:
        ui.label(f"No audit entries about {subject}.")
        return
    rows = [{"at": e.get("at") or "", "actor": e.get("actor") or "",
             "action": e.get("action") or "", "cause": e.get("cause") or "",
             "change": gist(e.get("after"))} for e in entries]
    ui.table(rows=rows, columns=[
        {"name": k, "label": label, "field": k, "align": "left"}
        for k, label in (("at", "At"), ("actor", "Who"), ("action", "Decision"),
                         ("cause", "Why"), ("change", "Afterwards"))]).classes("w-full") \
        .props('data-testid="audit"')


async def dashboard_view(client: ApiClient, period: Period) -> None:
    statuses = FILTER_CHOICES["status"]
    with ui.row().classes("gap-4"):
        for status in statuses:
            answer = await client.get("/exceptions", {"status": status, "limit": "1"})
            with ui.card().classes("min-w-[9rem]"):
                ui.label(status.replace("_", " ").capitalize()).classes("text-grey-8")
                ui.label(str(answer.data.get("total")) if answer.ok else "?") \
                    .classes("text-h5").props(f'data-testid="count-{status}"')
    open_cases = []
    for status in ("open", "assigned"):
        answer = await client.get("/exceptions", {"status": status, "limit": "1000"})
        if not answer.ok:
            show_error(answer)
            return
        open_cases += answer.data.get("exceptions", [])
    with ui.row().classes("gap-6 items-start"):
        for key, label in (("owner_team", "Open cases by team"), ("code", "Open cases by code")):
            with ui.card():
                ui.label(label).classes("text-subtitle1")
                ui.table(rows=[{"value": v, "count": n} for v, n in counts(open_cases, key)],
                         columns=[{"name": "value", "label": label.split()[-1].capitalize(),
                                   "field": "value", "align": "left"},
                                  {"name": "count", "label": "Cases", "field": "count"}])
    await kpi_section(client, period)
