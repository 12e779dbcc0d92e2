"""Outbound X12 (856, 810): kept importable here; the builders live in `x12.outbound`."""

from shipshape.adapters.channels.x12.outbound import (
    ControlNumbers,
    build_810,
    build_856,
    gtin_id,
    item_ids,
    separators_for,
)

__all__ = ["ControlNumbers", "build_810", "build_856", "gtin_id", "item_ids", "separators_for"]
