"""EDIFACT inbound: interchange reader (UNA/UNB/UNG/UNH) and ORDERS to canonical order.

pydifact tokenizes (service characters, release character); envelope checks and the ORDERS mapping
are ours. Syntax errors carry UN/EDIFACT code list 0085 codes so that a CONTRL can report them.

Modules: `model` (segments, messages, interchanges, errors), `reader` (decoding, tokenizing),
`envelope` (UNB/UNG/UNH checks), `orders` (ORDERS to OrderDraft), `acks` (CONTRL, APERAK).
"""

from shipshape.adapters.channels.edifact.acks import build_aperak, build_contrl
from shipshape.adapters.channels.edifact.model import (
    DEFAULT_SERVICE_CHARACTERS as DEFAULT_SERVICE_CHARACTERS,
)
from shipshape.adapters.channels.edifact.model import (
    SYNTAX_ERRORS,
    EdifactError,
    EdifactGroup,
    EdifactInterchange,
    EdifactMessage,
    EdifactSegment,
    EdifactSyntaxError,
)
from shipshape.adapters.channels.edifact.orders import ORDERS as ORDERS
from shipshape.adapters.channels.edifact.orders import (
    delivery_party_id,
    is_orders,
    order_from_orders,
    unsupported_message_error,
)
from shipshape.adapters.channels.edifact.reader import (
    interchanges,
    parse_interchange,
    parse_interchanges,
)

__all__ = [
    "SYNTAX_ERRORS", "EdifactError", "EdifactGroup", "EdifactInterchange", "EdifactMessage",
    "EdifactSegment", "EdifactSyntaxError", "build_aperak", "build_contrl", "delivery_party_id",
    "interchanges", "is_orders", "order_from_orders", "parse_interchange", "parse_interchanges",
    "unsupported_message_error",
]
