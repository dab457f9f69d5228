"""parallel.Workers: batches of tasks in forked workers, the same results in one process."""

from __future__ import annotations

import gc
import os

import pytest

from papergraph.parallel import Workers, fork_available


def _scaled(shared: dict, argument: tuple[int, int]) -> tuple[int, int, int]:
    index, factor = argument
    return index, shared["values"][index] * factor, os.getpid()


def _fails(shared: dict, argument: int) -> int:
    if argument == 2:
        raise ValueError(f"task {argument} failed on {shared['name']}")
    return argument


SHARED = {"values": [10, 20, 30, 40], "name": "the sample"}


@pytest.mark.parametrize("jobs", [1, 2])
def test_two_batches_give_every_result_in_order(jobs):
    with Workers(_scaled, SHARED, jobs) as workers:
        first = workers.start([(0, 1), (3, 1)])
        # something computed here between the batches, as the build computes the layout
        factor = sum(SHARED["values"]) // 50
        second = workers.start([(1, factor), (2, factor)])
        results = [*first(), *second()]
    assert [(index, value) for index, value, _ in results] == [(0, 10), (3, 40), (1, 40), (2, 60)]
    pids = {pid for _, _, pid in results}
    if jobs == 1 or not fork_available():
        assert pids == {os.getpid()}
    else:
        assert os.getpid() not in pids and 1 <= len(pids) <= 2


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_failing_task_raises_its_own_exception(jobs):
    with pytest.raises(ValueError, match="task 2 failed on the sample"), Workers(_fails, SHARED, jobs) as workers:
        workers.start([1, 2, 3])()


@pytest.mark.skipif(not fork_available(), reason="the heap is frozen only when workers are forked")
def test_the_heap_is_frozen_only_while_workers_run():
    assert gc.get_freeze_count() == 0
    with Workers(_scaled, SHARED, 2) as workers:
        assert gc.get_freeze_count() > 0
        assert [index for index, _, _ in workers.start([(2, 1)])()] == [2]
    assert gc.get_freeze_count() == 0


@pytest.mark.skipif(not fork_available(), reason="the heap is frozen only when workers are forked")
def test_a_heap_the_caller_froze_stays_frozen():
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with Workers(_scaled, SHARED, 2) as workers:
            assert [value for _, value, _ in workers.start([(1, 2)])()] == [40]
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
