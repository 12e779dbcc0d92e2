"""Events: frozen facts, past tense, one payload each."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Event:
    """`type` names the fact (`OrderAccepted`); `payload` carries plain JSON values."""

    type: str
    order_id: str
    occurred_at: datetime
    payload: dict[str, object] = field(default_factory=dict)


ORDER_RECEIVED = "OrderReceived"
CONTROLS_EVALUATED = "ControlsEvaluated"
STOCK_RESERVED = "StockReserved"
ORDER_ACCEPTED = "OrderAccepted"
ORDER_HELD = "OrderHeld"
EXCEPTION_OPENED = "ExceptionOpened"
DUPLICATE_RECEIVED = "DuplicateOrderReceived"
STATUS_CHANGED = "OrderStatusChanged"
