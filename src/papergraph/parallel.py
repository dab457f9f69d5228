"""Worker processes: the one way papergraph hands work to other cores.

``Workers(task, shared, jobs)`` forks up to ``jobs`` workers, which inherit
``shared`` (the graph, say) from this process instead of receiving it
pickled. ``start(arguments)`` queues ``task(shared, argument)`` for each
argument and returns a function that waits for the results, in order; only
the arguments and the small results go through a pipe. Tasks are picked up
in the order they were queued, so work that needs something computed here
first (the exports that show the layout) is queued as a second batch, and
runs as soon as a worker is free, while the first batch is already running.
Without ``fork`` (or with one job) each task runs here, when it is queued,
with the same results.

Workers never outlive the build: they ignore SIGINT (Ctrl-C reaches the
whole process group; the build process alone reports it and stops them), a
build that fails or is interrupted terminates them, and each worker exits
by itself within a fraction of a second once the build process is gone,
even after ``kill -9`` (it watches its parent).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

__all__ = ["Workers", "fork_available"]

S = TypeVar("S")
A = TypeVar("A")
R = TypeVar("R")

# What the workers inherit by fork: (task, shared). Set only while workers run.
_INHERITED: tuple[Callable[[Any, Any], Any], Any] | None = None
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


def _run_inherited(argument: Any) -> Any:
    assert _INHERITED is not None, "a worker runs only inside Workers"
    task, shared = _INHERITED
    return task(shared, argument)


class Workers(Generic[S, A, R]):
    """Up to ``jobs`` forked workers running ``task(shared, argument)``; a context manager.

    ``task`` must be a module-level function; arguments and results must
    pickle. Exceptions raised by a task are raised by the wait function.
    """

    def __init__(self, task: Callable[[S, A], R], shared: S, jobs: int):
        self.task, self.shared = task, shared
        self.jobs = jobs if fork_available() else 1
        self._pool: Any = None
        self._froze = False

    def __enter__(self) -> Workers[S, A, R]:
        global _INHERITED
        if self.jobs > 1:
            _INHERITED = (self.task, self.shared)
            # Everything alive now is the workers' read-only inheritance: frozen,
            # the collector never walks it again, here or in a worker, so its
            # pages stay shared instead of being copied (the gc.freeze docs).
            # A heap that the calling program froze itself is left as it is.
            self._froze = gc.get_freeze_count() == 0
            if self._froze:
                gc.freeze()
            try:
                self._pool = multiprocessing.get_context("fork").Pool(
                    self.jobs, initializer=_start_worker, initargs=(os.getpid(),)
                )
            except BaseException:
                self.__exit__()
                raise
        return self

    def start(self, arguments: Sequence[A]) -> Callable[[], list[R]]:
        """Queue ``task(shared, argument)`` per argument; the returned function waits for their results."""
        if self._pool is None:
            results = [self.task(self.shared, argument) for argument in arguments]
            return lambda: results
        pending = self._pool.map_async(_run_inherited, arguments, chunksize=1)
        return pending.get

    def __exit__(self, *exc: object) -> None:
        global _INHERITED
        if self._pool is not None:
            self._pool.close()
            self._pool.terminate()  # on any exit, Ctrl-C included: no worker keeps running
            self._pool.join()
            self._pool = None
        if self._froze:
            gc.unfreeze()
            self._froze = False
        _INHERITED = None
