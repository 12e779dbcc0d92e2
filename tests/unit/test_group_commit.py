"""Group commit: callers that arrive together are served in one batch, each with its own answer,
and no caller is left waiting whatever the batch does."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import pytest

from shipshape.services.group_commit import GroupCommit


class Doubling:
    """A batch function that takes its time, so that callers pile up behind the leader."""

    def __init__(self, pause_s: float = 0.02) -> None:
        self.batches: list[list[int]] = []
        self.pause_s = pause_s
        self.lock = threading.Lock()

    def __call__(self, requests: Sequence[int]) -> list[int | BaseException]:
        with self.lock:
            self.batches.append(list(requests))
        time.sleep(self.pause_s)
        return [ValueError(f"odd {n}") if n % 7 == 0 else n * 2 for n in requests]


def submit_many(group: GroupCommit[int, int], requests: Sequence[int]) -> list[object]:
    def one(n: int) -> object:
        try:
            return group.submit(n)
        except ValueError as error:
            return str(error)
    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(one, requests))


def test_each_caller_gets_its_own_answer_and_an_error_only_its_own() -> None:
    doubling = Doubling()
    answers = submit_many(GroupCommit(doubling), range(1, 41))
    assert answers == [f"odd {n}" if n % 7 == 0 else n * 2 for n in range(1, 41)]
    assert sorted(n for batch in doubling.batches for n in batch) == list(range(1, 41))


def test_callers_that_wait_together_share_a_batch() -> None:
    doubling = Doubling(pause_s=0.05)
    submit_many(GroupCommit(doubling), range(1, 41))
    assert len(doubling.batches) < 40 and max(map(len, doubling.batches)) > 1


def test_a_batch_never_exceeds_its_limit() -> None:
    doubling = Doubling(pause_s=0.05)
    submit_many(GroupCommit(doubling, max_batch=4), range(1, 41))
    assert max(map(len, doubling.batches)) <= 4


def test_a_lone_caller_is_served_at_once_in_a_batch_of_its_own() -> None:
    doubling = Doubling(pause_s=0)
    group = GroupCommit(doubling)
    assert [group.submit(n) for n in (1, 2, 3)] == [2, 4, 6]
    assert doubling.batches == [[1], [2], [3]]


def test_a_batch_that_fails_fails_its_callers_and_the_next_caller_is_served() -> None:
    calls: list[Sequence[int]] = []

    def broken_first(requests: Sequence[int]) -> list[int | BaseException]:
        calls.append(requests)
        if len(calls) == 1:
            raise RuntimeError("store went away")
        return [n for n in requests]

    group = GroupCommit(broken_first)
    with pytest.raises(RuntimeError, match="store went away"):
        group.submit(1)
    assert group.submit(2) == 2


def test_a_batch_that_answers_the_wrong_number_fails_its_callers_instead_of_hanging() -> None:
    group: GroupCommit[int, int] = GroupCommit(lambda requests: [])
    with pytest.raises(RuntimeError, match="a batch of 1 gave 0 answers"):
        group.submit(1)
