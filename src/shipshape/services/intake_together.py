"""Orders that arrive together are taken together: one transaction and one commit for all the
orders waiting (`batch_writer.BatchWriter`), each caller answered as if its order were alone.

An order refused on its own (values the store cannot keep, an idempotency key used for another
order) is answered with its error and the others go on. Anything else that fails rolls the whole
batch back, and each order is then taken alone, so one order at fault never loses or fails the
others.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

from shipshape.domain.errors import Conflict
from shipshape.services import correlation
from shipshape.services.batch_writer import BatchWriter
from shipshape.services.deps import Deps
from shipshape.services.intake import (
    IntakeResult,
    SubmitOrder,
    UnfitOrder,
    prefetch_masterdata,
    submit_order,
    take_order,
    with_retries,
)
from shipshape.services.ports import UnitOfWork

log = logging.getLogger(__name__)
Answer = IntakeResult | Exception


class OrderIntake:
    """`await submit(command)`: `intake.submit_order`'s answer, with concurrent callers
    committed together by one writer thread."""

    def __init__(self, deps: Deps, max_batch: int = 64) -> None:
        self._writer: BatchWriter[SubmitOrder, IntakeResult] = BatchWriter(
            lambda commands: submit_together(deps, commands), max_batch, "order-intake")

    async def submit(self, command: SubmitOrder) -> IntakeResult:
        if command.request_id is None and (request := correlation.request_id()) is not None:
            command = replace(command, request_id=request)
        return await self._writer.submit(command)

    def close(self) -> None:
        self._writer.close()


def submit_together(deps: Deps, commands: Sequence[SubmitOrder]) -> list[Answer]:
    """Every command's answer (a result, or the error `submit_order` would have raised)."""
    try:
        return with_retries(deps, lambda uow: _in_one_transaction(deps, uow, commands))
    except Exception as error:  # one order at fault: find it by taking them one by one
        if len(commands) == 1:
            return [error]
        log.warning("a group of %d orders failed (%s); taking them one by one", len(commands),
                    type(error).__name__)
    return [_alone(deps, command) for command in commands]


def _in_one_transaction(deps: Deps, uow: UnitOfWork,
                        commands: Sequence[SubmitOrder]) -> list[Answer]:
    answers: list[Answer] = []
    if len(commands) > 1:
        prefetch_masterdata(uow, commands)
    for command in commands:
        try:
            answers.append(take_order(deps, uow, command, commit=False))
        except (Conflict, UnfitOrder) as refused_before_writing:
            answers.append(refused_before_writing)
    uow.commit()
    return answers


def _alone(deps: Deps, command: SubmitOrder) -> Answer:
    try:
        return submit_order(deps, command)
    except Exception as error:  # its own answer: the caller raises it as submit_order would
        return error
