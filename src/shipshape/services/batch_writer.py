"""Group commit for callers on an event loop: one writer thread takes every request waiting (up
to `max_batch`), runs them as one batch and answers each caller's future.

The async server's requests then cost no trip through a thread pool each: a request puts its
order in the queue and awaits; the writer wakes once for all the orders that came while it
worked. A lone request is served at once; the busier the server, the larger the batches. The
batch function decides what a failure of one request means for the others
(`intake_together.submit_together` answers the others and refuses only the request at fault).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import deque
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import Generic, TypeVar

C = TypeVar("C")
R = TypeVar("R")
log = logging.getLogger(__name__)
CLOSE_TIMEOUT_S = 30.0


@dataclass(frozen=True, slots=True)
class _Waiting(Generic[C, R]):
    request: C
    answer: asyncio.Future[R]
    loop: asyncio.AbstractEventLoop


class BatchWriter(Generic[C, R]):
    """`await submit(request)` runs `request` in a batch with whatever else is waiting."""

    def __init__(self, run_batch: Callable[[Sequence[C]], Sequence[R | BaseException]],
                 max_batch: int = 64, name: str = "batch-writer") -> None:
        self._run_batch = run_batch
        self._max_batch = max_batch
        self._name = name
        self._lock = threading.Lock()
        self._queue: deque[_Waiting[C, R]] = deque()
        self._work = threading.Event()
        self._thread: threading.Thread | None = None
        self._closed = False

    async def submit(self, request: C) -> R:
        """Its answer; an exception the batch gave for it is raised here."""
        loop = asyncio.get_running_loop()
        waiting: _Waiting[C, R] = _Waiting(request, loop.create_future(), loop)
        with self._lock:
            if self._closed:
                raise RuntimeError(f"{self._name} is closed")
            self._queue.append(waiting)
            if self._thread is None:
                self._thread = threading.Thread(target=self._write, name=self._name,
                                                daemon=True)
                self._thread.start()
        self._work.set()
        return await waiting.answer

    def close(self, timeout_s: float = CLOSE_TIMEOUT_S) -> None:
        """Stop the writer once the requests already queued are answered (waiting at most
        `timeout_s` for a batch that hangs in the store)."""
        with self._lock:
            self._closed = True
            thread = self._thread
        self._work.set()
        if thread is not None:
            thread.join(timeout_s)
            if thread.is_alive():
                log.warning("%s: a batch still runs after %.0f s; not waiting for it",
                            self._name, timeout_s)

    def _write(self) -> None:
        while True:
            self._work.wait()
            with self._lock:
                batch = [self._queue.popleft()
                         for _ in range(min(self._max_batch, len(self._queue)))]
                if not self._queue and not self._closed:
                    self._work.clear()
                finished = self._closed and not batch
            if finished:
                return
            if batch:
                self._answer(batch)

    def _answer(self, batch: list[_Waiting[C, R]]) -> None:
        try:
            answers = list(self._run_batch([waiting.request for waiting in batch]))
            if len(answers) != len(batch):
                raise RuntimeError(f"a batch of {len(batch)} gave {len(answers)} answers")
        except BaseException as error:  # every caller of the batch hears of it, none hangs
            log.exception("%s: a batch of %d failed", self._name, len(batch))
            answers = [error] * len(batch)
        for waiting, answer in zip(batch, answers, strict=True):
            with suppress(RuntimeError):  # its loop is closed: nobody awaits the answer
                waiting.loop.call_soon_threadsafe(_settle, waiting.answer, answer)


def _settle(future: asyncio.Future[R], answer: R | BaseException) -> None:
    if future.done():  # the caller went away (cancelled); its order was taken all the same
        return
    if isinstance(answer, BaseException):
        future.set_exception(answer)
    else:
        future.set_result(answer)
