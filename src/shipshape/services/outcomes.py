"""What a use case did with a request, told apart without HTTP: `api/` alone turns an outcome into
a status code (`api.outcomes`)."""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    CREATED = "created"
    """Something new was written (an order, a stock movement)."""
    EXISTING = "existing"
    """Nothing new: the request repeats one already taken (a duplicate order)."""
    REJECTED = "rejected"
    """The input cannot be taken; nothing of it was written."""
    REFUSED = "refused"
    """Recorded, with a case, but not applied: it breaks who owns the state."""
    APPLIED = "applied"
    """Another system's event changed what Shipshape holds."""
    STALE = "stale"
    """Another system's event older than what Shipshape holds; recorded only."""
