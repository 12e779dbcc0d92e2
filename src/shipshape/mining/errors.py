"""What reading or writing an event log says when the input is wrong: one error type with a
message in plain words (which file, what is wrong, how many rows and which), never a
traceback."""

from __future__ import annotations


class LogError(ValueError):
    """An event log that cannot be read or written as asked; `str()` is the message to show."""
