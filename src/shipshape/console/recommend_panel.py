"""The case page's Recommendations panel: what the desk recommends on a PARTIAL_AVAILABILITY,
SHORT_PICK or CARRIER_TENDER_FAILED case, with the reasons, each with Accept (the governed
action runs; a destructive one is confirmed first) and Reject (asks why); what the policy left
out and the outcomes so far."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import quote

from nicegui import ui

from shipshape.console.client import ApiClient
from shipshape.console.view import ACTION_LABELS
from shipshape.domain.recommend import CODES

Confirm = Callable[[str, Callable[[], Awaitable[None]]], Awaitable[None]]
SERVICE_LABELS = {3: "on time, complete", 2: "on time", 1: "complete, late", 0: "late"}


def title(recommendation: Mapping[str, Any]) -> str:
    """`1. Approve split shipment`, `2. Ship from site: site_id ATL`..."""
    action = str(recommendation.get("action"))
    label = ACTION_LABELS.get(action, action.replace("_", " ").capitalize())
    parameters = recommendation.get("parameters") or {}
    shown = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in parameters.items()
                      if k != "note")
    return f"{recommendation.get('rank')}. {label}" + (f": {shown}" if shown else "")


def outcome_text(outcome: Mapping[str, Any]) -> str:
    return (f"{outcome.get('occurred_at', '')[:16]} {outcome.get('actor')} "
            f"{outcome.get('outcome')} {outcome.get('recommendation')}: {outcome.get('reason')}")


async def recommendations_view(api: Callable[[], ApiClient], case: dict[str, Any],
                               confirm: Confirm) -> None:
    if case.get("code") not in CODES:
        return
    case_id = str(case["case_id"])
    answer = await api().get(f"/exceptions/{quote(case_id)}/recommendations")
    if not answer.ok:
        return
    data = answer.data
    may_act = "assign" in (case.get("actions") or [])
    with ui.card().classes("w-full").props('data-testid="recommendations"'):
        ui.label("Recommendations").classes("text-subtitle1")
        if not data.get("recommendations"):
            ui.label("No recommendation for this case now.")
        for shown in data.get("recommendations") or []:
            _recommendation(api, case_id, shown, may_act, confirm)
        _left_out(data.get("filtered_out") or [])
        for outcome in data.get("outcomes") or []:
            ui.label(outcome_text(outcome)).classes("text-caption") \
                .props('data-testid="recommendation-outcome"')


def _recommendation(api: Callable[[], ApiClient], case_id: str, shown: Mapping[str, Any],
                    may_act: bool, confirm: Confirm) -> None:
    rank = shown.get("rank")
    with ui.row().classes("w-full items-start gap-4 no-wrap") \
            .props(f'data-testid="recommendation-{rank}"'):
        with ui.column().classes("gap-0 grow"):
            with ui.row().classes("items-center gap-2"):
                ui.label(title(shown)).classes("text-body1")
                ui.badge(SERVICE_LABELS.get(int(shown.get("service") or 0), ""),
                         color="green" if shown.get("service") == 3 else "amber")
                ui.label(f"margin {shown.get('margin')}").classes("text-caption")
            for reason in shown.get("reasons") or []:
                ui.label(f"• {reason}").classes("text-caption")
        if may_act:
            ui.button("Accept", on_click=lambda: _accept(api, case_id, shown, confirm)) \
                .props(f'data-testid="accept-{rank}"' + (
                    " color=negative" if shown.get("destructive") else ""))
            ui.button("Reject", on_click=lambda: _reject_form(api, case_id, shown)) \
                .props(f'flat data-testid="reject-{rank}"')


def _left_out(dropped: list[Mapping[str, Any]]) -> None:
    if not dropped:
        return
    with ui.expansion("Left out by policy").classes("w-full"):
        for entry in dropped:
            ui.label(f"{entry.get('recommendation')}: {entry.get('why')}").classes("text-caption")


async def _accept(api: Callable[[], ApiClient], case_id: str, shown: Mapping[str, Any],
                  confirm: Confirm) -> None:
    async def send() -> None:
        answer = await api().post(
            f"/exceptions/{quote(case_id)}/recommendations/{shown.get('rank')}/accept",
            {"recommendation": shown.get("recommendation")})
        if not answer.ok:
            ui.notify(answer.error or "refused", type="negative")
            return
        ui.notify(f"{title(shown)}: done", type="positive")
        ui.navigate.reload()

    if shown.get("destructive"):
        await confirm(f"{title(shown)} on case {case_id}? This cannot be undone.", send)
    else:
        await send()


def _reject_form(api: Callable[[], ApiClient], case_id: str, shown: Mapping[str, Any]) -> None:
    with ui.dialog() as dialog, ui.card().classes("min-w-[26rem]"):
        ui.label(f"Reject {title(shown)}").classes("text-h6")
        reason = ui.input("Why not (required)").props('autofocus data-testid="reject-reason"')
        problem = ui.label().classes("text-negative").props('data-testid="reject-error"')

        async def send() -> None:
            if not (reason.value or "").strip():
                problem.text = "Say why the recommendation is not taken."
                return
            answer = await api().post(
                f"/exceptions/{quote(case_id)}/recommendations/{shown.get('rank')}/reject",
                {"reason": reason.value.strip(), "recommendation": shown.get("recommendation")})
            if not answer.ok:
                problem.text = answer.error or ""
                return
            dialog.close()
            ui.notify("Rejected: recorded", type="positive")
            ui.navigate.reload()

        with ui.row():
            ui.button("Reject", on_click=send).props('data-testid="submit-reject"')
            ui.button("Back", on_click=dialog.close).props("flat")
    dialog.open()
