"""What every handler is given: the store, the rules, the clock and the id factory."""

from __future__ import annotations

from dataclasses import dataclass

from shipshape.services.ports import Clock, IdFactory, PolicyRules, UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class Deps:
    uow: UnitOfWorkFactory
    rules: PolicyRules
    clock: Clock
    new_id: IdFactory
    max_attempts: int = 5
