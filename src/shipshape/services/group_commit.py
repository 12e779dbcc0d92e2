"""Group commit: concurrent callers share one transaction and one commit (one fsync).

Whoever arrives while nobody is writing becomes the leader: it takes every request waiting (up to
`max_batch`), runs them as one batch and hands each caller its own answer. Callers that arrive
meanwhile wait; when the leader is done, the first of them leads the next batch. No thread of
its own, no timer: a lone caller is served at once, and the busier the store, the larger the
batches. The batch function decides what a failure of one request means for the others
(`intake.submit_orders` answers the others and refuses only the request at fault).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

C = TypeVar("C")
R = TypeVar("R")


@dataclass(eq=False)
class _Waiting(Generic[C, R]):
    """One caller: woken when its answer is in (`done`) or when it is to lead (`leads`)."""

    request: C
    wake: threading.Event = field(default_factory=threading.Event)
    leads: bool = False
    done: bool = False
    answer: R | None = None
    error: BaseException | None = None


class GroupCommit(Generic[C, R]):
    """`submit(request)` runs `request` in a batch with whatever else is waiting."""

    def __init__(self, run_batch: Callable[[Sequence[C]], Sequence[R | BaseException]],
                 max_batch: int = 64) -> None:
        self._run_batch = run_batch
        self._max_batch = max_batch
        self._lock = threading.Lock()
        self._queue: list[_Waiting[C, R]] = []
        self._leading = False

    def submit(self, request: C) -> R:
        """Its answer; an exception the batch gave for it is raised here."""
        me: _Waiting[C, R] = _Waiting(request)
        with self._lock:
            self._queue.append(me)
            me.leads = not self._leading
            self._leading = True
        while True:
            if me.leads:
                me.leads = False
                self._lead()
            if me.done:
                break
            me.wake.wait()
            me.wake.clear()
        if me.error is not None:
            raise me.error
        return me.answer  # type: ignore[return-value]

    def _lead(self) -> None:
        with self._lock:
            batch, self._queue = self._queue[:self._max_batch], self._queue[self._max_batch:]
        try:
            answers = list(self._run_batch([w.request for w in batch]))
            if len(answers) != len(batch):
                raise RuntimeError(f"a batch of {len(batch)} gave {len(answers)} answers")
        except BaseException as error:  # every caller of the batch hears of it, none hangs
            answers = [error] * len(batch)
        for waiting, answer in zip(batch, answers, strict=True):
            self._settle(waiting, answer)
        self._hand_over()

    @staticmethod
    def _settle(waiting: _Waiting[C, R], answer: R | BaseException) -> None:
        if isinstance(answer, BaseException):
            waiting.error = answer
        else:
            waiting.answer = answer
        waiting.done = True
        waiting.wake.set()

    def _hand_over(self) -> None:
        """The first caller still waiting leads the next batch; with none, nobody leads."""
        with self._lock:
            if not self._queue:
                self._leading = False
                return
            successor = self._queue[0]
            successor.leads = True
        successor.wake.set()
