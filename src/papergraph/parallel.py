"""Worker processes: the one way papergraph hands work to other cores.

``run_forked(task, shared, count, jobs)`` runs ``task(shared, i)`` for every
``i`` in ``range(count)`` and returns the results in order. With ``jobs > 1``
it forks that many workers, which inherit ``shared`` (the graph, say) from
this process instead of receiving it pickled; only the small results come
back through a pipe. Without ``fork`` (or with one job) it runs the tasks
here, one after the other, with the same results.

Workers never outlive the build: they ignore SIGINT (Ctrl-C reaches the
whole process group; the build process alone reports it and stops them), a
build that fails or is interrupted terminates them, and each worker exits
by itself within a fraction of a second once the build process is gone,
even after ``kill -9`` (it watches its parent).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["fork_available", "run_forked"]

S = TypeVar("S")
R = TypeVar("R")

# What the workers inherit by fork: (task, shared). Set only while a pool runs.
_INHERITED: tuple[Callable[[Any, int], Any], Any] | None = None
_PARENT_POLL_SECONDS = 0.2


def fork_available() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(_PARENT_POLL_SECONDS)
    os._exit(1)  # the build process is gone: nobody wants this worker's result


def _start_worker(parent: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def _run_inherited(index: int) -> Any:
    assert _INHERITED is not None, "a worker runs only inside run_forked"
    task, shared = _INHERITED
    return task(shared, index)


def run_forked(task: Callable[[S, int], R], shared: S, count: int, jobs: int) -> list[R]:
    """``[task(shared, i) for i in range(count)]``, in up to ``jobs`` forked workers.

    ``task`` must be a module-level function; its results must pickle.
    Exceptions raised by a task are raised here.
    """
    global _INHERITED
    workers = min(jobs, count)
    if workers <= 1 or not fork_available():
        return [task(shared, index) for index in range(count)]
    _INHERITED = (task, shared)
    try:
        pool = multiprocessing.get_context("fork").Pool(workers, initializer=_start_worker, initargs=(os.getpid(),))
        try:
            results = pool.map(_run_inherited, range(count), chunksize=1)
            pool.close()
        finally:
            pool.terminate()  # on any exit, Ctrl-C included: no worker keeps running
            pool.join()
    finally:
        _INHERITED = None
    return results
