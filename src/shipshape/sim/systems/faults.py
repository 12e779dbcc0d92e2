"""The deterministic faults of a simulated system (`reject_when`, `negative_ack_nth`,
`short_pick_nth`, `pays_invoices`): whether they fit the system, and which calls they refuse."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from shipshape.domain.integration import System
from shipshape.services.ports.connectors import Payload
from shipshape.sim.systems.reactions import NEGATIVE_ACKS
from shipshape.sim.systems.settings import SimulationSettings


def refusal(rules: Mapping[str, Mapping[str, Sequence[str]]], operation: str,
            payload: Payload) -> str | None:
    """The reason `reject_when` refuses the call, or None; values are compared as text."""
    for name, values in rules.get(operation, {}).items():
        value = payload.get(name)
        if value is not None and str(value) in values:
            return f"refused by rule reject_when.{operation}.{name} ({name} = {value})"
    return None


def check_faults(system: str, operations: Sequence[str], settings: SimulationSettings) -> None:
    """ValueError naming `simulation.<system>.<knob>` when a fault does not fit the system."""
    where = f"simulation.{system}"
    for operation in settings.reject_when:
        if operation not in operations:
            raise ValueError(f"{where}.reject_when: {system} has no operation {operation!r} "
                             f"(its operations: {', '.join(operations)})")
    for operation in settings.negative_ack_nth:
        if (system, operation) not in NEGATIVE_ACKS:
            known = ", ".join(" ".join(pair) for pair in sorted(NEGATIVE_ACKS))
            raise ValueError(f"{where}.negative_ack_nth: {system} sends no negative "
                             f"acknowledgement of {operation!r} (only: {known})")
    if settings.short_pick_nth and system != System.WMS:
        raise ValueError(f"{where}.short_pick_nth: only the wms picks, {system} does not")
    if settings.delivery_nth and system != System.TMS:
        raise ValueError(f"{where}.delivery_nth: only the tms delivers, {system} does not")
    if settings.pays_invoices and system != System.ERP:
        raise ValueError(f"{where}.pays_invoices: only the erp books payments, {system} does not")
