"""Trading partners: who sends EDI, how, and what they want back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

CONTROL_COUNTER = "interchange"
"""The partner's counter that numbers everything we send it (documents and acknowledgements)."""
X12_ACKS = frozenset({"997", "TA1", "855", "865"})
EDIFACT_ACKS = frozenset({"CONTRL", "APERAK", "ORDRSP"})
"""ORDRSP (a per-line order response) is sent only to partners whose profile names it."""
DEFAULT_ITEM_ID_PREFERENCE = ("VN", "BP", "IN", "UP", "EN")


@dataclass(frozen=True, slots=True)
class TradingPartner:
    """A partner profile; `item_xref` maps "QUALIFIER:value" (e.g. "UP:012345678905") to a SKU."""

    id: str
    customer_id: str
    isa_qualifier: str = "ZZ"
    isa_id: str = ""
    gs_code: str = ""
    edifact_id: str = ""
    x12_version: str = "004010"
    acknowledgements: frozenset[str] = frozenset({"997", "855", "TA1", "CONTRL", "APERAK"})
    item_id_preference: tuple[str, ...] = DEFAULT_ITEM_ID_PREFERENCE
    item_xref: Mapping[str, str] = field(default_factory=dict)
    duplicate_window_days: int = 30
    element_separator: str = "*"
    segment_terminator: str = "~"
    component_separator: str = ">"
    ack_window_hours: float = 24
    """Hours within which it acknowledges what we send (997/999/CONTRL), 0.25 for a quarter
    of an hour; 0: it sends none."""
    as2_id: str = ""
    """The partner's AS2 name (the AS2-From of what it sends us); empty: no AS2."""
    as2_url: str = ""
    """Its AS2 endpoint: our outbound documents are POSTed there (empty: not sent by AS2)."""
    as2_certificate: str = ""
    """Its certificate (PEM): checks its signatures, encrypts what we send it."""
    as2_mdn: str = "sync"
    """How we ask it for receipts of what we send: "sync" (in the HTTP answer) or "async"."""
    as2_encrypt: bool = True
    """Encrypt what we send it, and require what it sends to be encrypted."""
    as2_sign: bool = True
    """Sign what we send it, and require what it sends to be signed."""
    as2_since: datetime | None = None
    """When it was given its `as2_url`: only documents stored from then on are sent by AS2
    (None: every document not yet sent)."""

    def sku_for(self, ids: Mapping[str, str]) -> str | None:
        """The SKU for a line's product ids ({qualifier: value}), in the partner's preference."""
        for qualifier in self.item_id_preference:
            value = ids.get(qualifier)
            if value is None:
                continue
            mapped = self.item_xref.get(f"{qualifier}:{value}")
            if mapped is not None:
                return mapped
            if qualifier in ("VN", "IN"):
                return value
        return None

    def wants(self, acknowledgement: str) -> bool:
        return acknowledgement in self.acknowledgements


def with_as2_start(partner: TradingPartner, stored: TradingPartner | None,
                   now: datetime) -> TradingPartner:
    """A profile about to be stored, with the time from which its documents go out by AS2: kept
    from the stored profile while it had an endpoint, now when the endpoint is new, none
    without one. So a partner newly given an endpoint is not sent its old documents."""
    if not partner.as2_url:
        return replace(partner, as2_since=None)
    if stored is not None and stored.as2_url:
        return replace(partner, as2_since=stored.as2_since)
    return replace(partner, as2_since=now)


@dataclass(frozen=True, slots=True)
class OurIdentity:
    """Shipshape's own ids in outbound envelopes."""

    isa_qualifier: str = "ZZ"
    isa_id: str = "SHIPSHAPE"
    gs_code: str = "SHIPSHAPE"
    edifact_id: str = "SHIPSHAPE"
