"""X12 inbound: tokenizer, envelope checks, 850 to canonical orders, 997 / TA1 / 855."""

from shipshape.adapters.channels.x12.acks import (
    SetResult,
    build_997,
    build_ta1,
    set_result,
    ta1_note,
)
from shipshape.adapters.channels.x12.envelope import validate
from shipshape.adapters.channels.x12.errors import (
    ElementError,
    EnvelopeError,
    SegmentError,
    X12SyntaxError,
)
from shipshape.adapters.channels.x12.model import (
    Envelope,
    FunctionalGroup,
    Interchange,
    Separators,
    TransactionSet,
)
from shipshape.adapters.channels.x12.parser import interchanges, parse
from shipshape.adapters.channels.x12.po850 import Line850, Order850, Party, orders_from_850
from shipshape.adapters.channels.x12.po855 import build_855

__all__ = [
    "ElementError",
    "Envelope",
    "EnvelopeError",
    "FunctionalGroup",
    "Interchange",
    "Line850",
    "Order850",
    "Party",
    "SegmentError",
    "Separators",
    "SetResult",
    "TransactionSet",
    "X12SyntaxError",
    "build_855",
    "build_997",
    "build_ta1",
    "interchanges",
    "orders_from_850",
    "parse",
    "set_result",
    "ta1_note",
    "validate",
]
