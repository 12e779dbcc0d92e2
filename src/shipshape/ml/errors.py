"""What the governed models say when something is wrong: one error type per kind of trouble,
each with a message in plain words that names the file, column or field concerned."""

from __future__ import annotations


class MlError(ValueError):
    """Input or a model that cannot be used as asked; `str()` is the message to show."""


class ModelUnusable(MlError):
    """A model folder that cannot be used: a file missing, its hash not the recorded one,
    content that does not read. The rules then run without the model."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class MappingError(MlError):
    """A mapping file, or data read with it, that is wrong: names the field or the column."""


class LeakageRefused(MlError):
    """Training refused: some features know the outcome (near-perfect on their own) or were
    recorded after the moment the model scores at."""

    def __init__(self, message: str, features: list[str]) -> None:
        super().__init__(message)
        self.features = features
