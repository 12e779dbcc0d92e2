"""The project's own error types; adapters translate driver errors into these."""

from __future__ import annotations


class ShipshapeError(Exception):
    """Base of every error Shipshape raises on purpose."""


class NotFound(ShipshapeError):
    """A named thing does not exist."""


class Conflict(ShipshapeError):
    """The request contradicts what is already stored."""


class IllegalTransition(ShipshapeError):
    """An order or an exception case was asked to move to a state its current state does not
    allow."""


class InvalidInput(ShipshapeError):
    """Input that a schema cannot catch, refused with a clear message."""


class ConcurrencyConflict(ShipshapeError):
    """A concurrent writer got there first; the command may be retried."""


class Unauthorized(ShipshapeError):
    """No valid credentials."""


class Forbidden(ShipshapeError):
    """Valid credentials, but the role may not do this."""
