"""Group commit for async callers: callers that arrive together are served in one batch by one
writer thread, each with its own answer, and no caller is left waiting whatever the batch does."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence

import pytest

from shipshape.services.batch_writer import BatchWriter


class Doubling:
    """A batch function that takes its time, so that callers pile up behind the writer."""

    def __init__(self, pause_s: float = 0.02) -> None:
        self.batches: list[list[int]] = []
        self.threads: set[str] = set()
        self.pause_s = pause_s

    def __call__(self, requests: Sequence[int]) -> list[int | BaseException]:
        self.batches.append(list(requests))
        self.threads.add(threading.current_thread().name)
        time.sleep(self.pause_s)
        return [ValueError(f"odd {n}") if n % 7 == 0 else n * 2 for n in requests]


def submit_many(writer: BatchWriter[int, int], requests: Sequence[int]) -> list[object]:
    async def one(n: int) -> object:
        try:
            return await writer.submit(n)
        except ValueError as error:
            return str(error)

    async def every() -> list[object]:
        return list(await asyncio.gather(*(one(n) for n in requests)))

    try:
        return asyncio.run(every())
    finally:
        writer.close()


def test_each_caller_gets_its_own_answer_and_an_error_only_its_own() -> None:
    doubling = Doubling()
    answers = submit_many(BatchWriter(doubling), range(1, 41))
    assert answers == [f"odd {n}" if n % 7 == 0 else n * 2 for n in range(1, 41)]
    assert sorted(n for batch in doubling.batches for n in batch) == list(range(1, 41))
    assert doubling.threads == {"batch-writer"}


def test_callers_that_wait_together_share_a_batch() -> None:
    doubling = Doubling(pause_s=0.05)
    submit_many(BatchWriter(doubling), range(1, 41))
    assert len(doubling.batches) < 40 and max(map(len, doubling.batches)) > 1


def test_a_batch_never_exceeds_its_limit() -> None:
    doubling = Doubling(pause_s=0.05)
    submit_many(BatchWriter(doubling, max_batch=4), range(1, 41))
    assert max(map(len, doubling.batches)) <= 4


def test_a_lone_caller_is_served_at_once_in_a_batch_of_its_own() -> None:
    doubling = Doubling(pause_s=0)
    writer: BatchWriter[int, int] = BatchWriter(doubling)

    async def one_after_another() -> list[int]:
        return [await writer.submit(n) for n in (1, 2, 3)]

    assert asyncio.run(one_after_another()) == [2, 4, 6]
    writer.close()
    assert doubling.batches == [[1], [2], [3]]


def test_a_batch_that_fails_fails_its_callers_and_the_next_caller_is_served() -> None:
    calls: list[Sequence[int]] = []

    def broken_first(requests: Sequence[int]) -> list[int | BaseException]:
        calls.append(requests)
        if len(calls) == 1:
            raise RuntimeError("store went away")
        return list(requests)

    writer: BatchWriter[int, int] = BatchWriter(broken_first)

    async def two() -> int:
        with pytest.raises(RuntimeError, match="store went away"):
            await writer.submit(1)
        return await writer.submit(2)

    assert asyncio.run(two()) == 2
    writer.close()


def test_a_batch_that_answers_the_wrong_number_fails_its_callers_instead_of_hanging() -> None:
    writer: BatchWriter[int, int] = BatchWriter(lambda requests: [])
    with pytest.raises(RuntimeError, match="a batch of 1 gave 0 answers"):
        asyncio.run(writer.submit(1))
    writer.close()


def test_a_caller_that_goes_away_leaves_its_request_done_and_the_others_answered() -> None:
    doubling = Doubling(pause_s=0.1)
    writer: BatchWriter[int, int] = BatchWriter(doubling)

    async def one_gives_up() -> list[object]:
        impatient = asyncio.ensure_future(writer.submit(3))
        patient = asyncio.ensure_future(writer.submit(4))
        await asyncio.sleep(0.02)
        impatient.cancel()
        return list(await asyncio.gather(impatient, patient, return_exceptions=True))

    answers = asyncio.run(one_gives_up())
    writer.close()
    assert isinstance(answers[0], asyncio.CancelledError) and answers[1] == 8
    assert sorted(n for batch in doubling.batches for n in batch) == [3, 4]


def test_a_closed_writer_answers_what_was_queued_and_refuses_more() -> None:
    doubling = Doubling(pause_s=0.05)
    writer: BatchWriter[int, int] = BatchWriter(doubling)

    async def queued_then_closed() -> list[int]:
        answers = asyncio.gather(*(writer.submit(n) for n in (1, 2, 3)))
        await asyncio.sleep(0.01)
        closing = asyncio.get_running_loop().run_in_executor(None, writer.close)
        done = list(await answers)
        await closing
        return done

    assert asyncio.run(queued_then_closed()) == [2, 4, 6]
    with pytest.raises(RuntimeError, match="closed"):
        asyncio.run(writer.submit(5))


def test_closing_does_not_wait_forever_for_a_batch_that_hangs(
        caplog: pytest.LogCaptureFixture) -> None:
    release = threading.Event()

    def hanging(requests: Sequence[int]) -> list[int | BaseException]:
        release.wait(5)
        return list(requests)

    writer: BatchWriter[int, int] = BatchWriter(hanging)

    async def submit_then_close() -> None:
        pending = asyncio.ensure_future(writer.submit(1))
        await asyncio.sleep(0.05)
        started = time.monotonic()
        writer.close(timeout_s=0.2)
        assert time.monotonic() - started < 2
        pending.cancel()

    asyncio.run(submit_then_close())
    release.set()
    assert "still runs" in caplog.text
