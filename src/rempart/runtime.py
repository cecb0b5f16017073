"""Process tuning of a long-running server, and the executors of its background work.

One :class:`Runtime`, made by the server (``app.build_server``) and handed to what needs it,
owns both:

- memory: glibc's malloc settings (``tune``), memory given back after loading (``settle``) and
  after bursts of work (``release_memory``);
- the garbage-collector and switch-interval policy while background work runs beside requests
  (``background``, ``collector_paused``);
- the executors, their sizes in one place: ``writes`` (bulk writes, in order, on one
  low-priority thread), ``tasks`` (named tasks in idle-priority child processes, see
  :class:`ChildProcessTasks`), ``digests`` (upload digests beside decoding), ``queries``
  (``core.index.pdq_index`` splits a video's frames across them).

Example::

    >>> runtime = Runtime()
    >>> with runtime.background():      # a bulk write beside the requests
    ...     pass
    >>> runtime.tasks.submit("operator:add", 2, 3).result()
    5
    >>> runtime.close()
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import importlib
import multiprocessing
import os
import pickle
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import AbstractContextManager, contextmanager, suppress
from functools import cache
from typing import Any, Protocol

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8
# Arrays of 4 MiB and more (index segments and their build temporaries) are mmapped and go
# back to the system when freed; smaller ones (an image being hashed) stay on the heap, which
# keeps up to 32 MiB free for reuse: at 256 KiB, every upload's buffers were fresh pages
# (page faults: hashing an image took 9.7 ms of CPU instead of 5.0).
MMAP_THRESHOLD = 4 * 1024 * 1024
TRIM_THRESHOLD = 32 * 1024 * 1024
ARENA_MAX = 2
SWITCH_INTERVAL = 0.001
# While bulk work runs beside requests: a request thread that released the GIL (a socket
# write, waiting for the next request) waits up to one interval to get it back.
BACKGROUND_SWITCH_INTERVAL = 0.0002
TRIM_AFTER = 1000  # changes applied at once before freed memory is given back
BACKGROUND_NICE = 10  # scheduling priority of bulk writes and feed following (Linux threads)


@cache
def _libc() -> Any | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt  # noqa: B018 - glibc only (musl has no mallopt/malloc_trim)
        libc.malloc_trim  # noqa: B018
    except (OSError, AttributeError):
        return None
    return libc


def tune_process() -> bool:
    """Fix glibc's mmap threshold, cap its arenas (False when not on glibc), and shorten the
    thread switch interval."""
    sys.setswitchinterval(SWITCH_INTERVAL)
    libc = _libc()
    if libc is None:
        return False
    libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
    libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    libc.mallopt(_M_ARENA_MAX, ARENA_MAX)
    return True


def trim() -> None:
    """Give freed heap pages back to the system (glibc only)."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


def lower_thread_priority(nice: int = BACKGROUND_NICE) -> bool:
    """Make the calling thread yield the CPU to the others (Linux schedules threads one by
    one); False where that is not possible. Lookups then keep their latency while a bulk write
    or the change feed works on a busy machine. Raising it back needs privileges, so use it
    only on threads that stay in the background."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)
    except (OSError, AttributeError):
        return False
    return True


def lower_process_priority() -> None:
    """Run the calling process at idle priority: Linux ``SCHED_IDLE`` (CPU time only when
    nothing else wants it), elsewhere the lowest nice level."""
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):
        with suppress(AttributeError, OSError):
            os.nice(19)


class Tasks(Protocol):
    """Where named background tasks run: ``submit("module:function", *args)`` gives a future of
    its result. Arguments and results are picklable (and plain data where a task queue will
    carry them); the task's exception, when it fails, is the future's."""

    def submit(self, task: str, /, *args: Any) -> Future[Any]: ...

    def close(self) -> None: ...


class TaskFailed(Exception):
    """A task failed with an exception that cannot travel back to the caller (not picklable):
    its type and message."""


class _ProcessSwitches:
    """The counted pauses of the collector and short switch intervals (one per process)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._paused = 0  # stretches running that pause the collector
        self._collecting = False  # whether it ran before the first of them
        self._background = 0  # of which background work
        self._interval = SWITCH_INTERVAL  # the switch interval before the first of those

    @contextmanager
    def paused(self, *, background: bool) -> Iterator[None]:
        with self._lock:
            if self._paused == 0:
                self._collecting = gc.isenabled()
            self._paused += 1
            gc.disable()
            if background:
                if self._background == 0:
                    self._interval = sys.getswitchinterval()
                self._background += 1
                sys.setswitchinterval(min(BACKGROUND_SWITCH_INTERVAL, self._interval))
        try:
            yield
        finally:
            with self._lock:
                if background:
                    self._background -= 1
                    if self._background == 0:
                        sys.setswitchinterval(self._interval)
                self._paused -= 1
                if self._paused == 0 and self._collecting:
                    gc.enable()


_SWITCHES = _ProcessSwitches()


class Runtime:
    """Process tuning and the executors of a server process (see the module).

    The collector and the switch interval are the process's, whichever ``Runtime`` asks: each
    ``background`` or ``collector_paused`` stretch, on any thread, is counted process-wide
    under a lock. The first to start records the state to restore (collector on or off, the
    switch interval) and the last to end restores it, so stretches may overlap and end in any
    order without one turning the collector back on under another, or leaving it off.
    """

    def __init__(self, *, writes: int = 1, tasks: int = 1, digests: int = 2,
                 queries: int | None = None) -> None:
        self.writes: Executor = ThreadPoolExecutor(
            writes, thread_name_prefix="rempart-bulk", initializer=lower_thread_priority)
        self.tasks: Tasks = ChildProcessTasks(tasks)
        self.digests: Executor = ThreadPoolExecutor(digests, thread_name_prefix="rempart-digests")
        self.queries: Executor = ThreadPoolExecutor(queries or os.cpu_count() or 1,
                                                    thread_name_prefix="rempart-query")
        self._given: Executor | None = None  # the index's query pool before ``tune``

    def tune(self) -> bool:
        """Before loading: fix glibc's mmap threshold and cap its arenas (False when not on
        glibc), shorten the thread switch interval, and give ``queries`` to the index."""
        from rempart.core.index import pdq_index

        self._given = pdq_index.use_query_pool(self.queries)
        return tune_process()

    def settle(self) -> None:
        """After loading: collect garbage, give freed heap pages back, freeze the survivors
        (full collections then stop walking the start-up objects: no pause on requests)."""
        self.release_memory()
        gc.freeze()

    def release_memory(self) -> None:
        """After a burst of work (the collector paused meanwhile): collect the cyclic garbage
        it left, then give freed heap pages back."""
        gc.collect()
        trim()

    def collector_paused(self) -> AbstractContextManager[None]:
        """No automatic garbage collection inside; reference counting still frees almost
        everything. Loading a million rows otherwise runs dozens of full collections of 50 ms
        each, walking objects that all survive.

        Example::

            >>> with Runtime().collector_paused():
            ...     rows = [{"n": i} for i in range(3)]
        """
        return _SWITCHES.paused(background=False)

    def background(self) -> AbstractContextManager[None]:
        """A stretch of background work (a bulk write, applying the change feed): meanwhile
        the interpreter switches threads every ``BACKGROUND_SWITCH_INTERVAL`` so that requests
        get the GIL back quickly, and the collector waits (the work's thousands of short-lived
        objects would trigger collections walking them all: 15–25 ms pauses for every
        thread)."""
        return _SWITCHES.paused(background=True)

    def close(self) -> None:
        """Stop the executors (running work finishes, queued work is dropped)."""
        if self._given is not None:
            from rempart.core.index import pdq_index

            pdq_index.use_query_pool(self._given)
        for pool in (self.writes, self.digests, self.queries):
            pool.shutdown(wait=True, cancel_futures=True)
        self.tasks.close()


class ChildProcessTasks:
    """:class:`Tasks` run by ``workers`` child processes at idle priority, one process per task.

    A bulk write parsing and inserting thousands of rows in the server's own process would hold
    the GIL while it computes, and lookups would queue behind it; in a child it shares nothing
    with them but the database, and only gets CPU time the server leaves. Each child ends with
    its task (``max_tasks_per_child=1``), so the memory a big task used goes back to the
    system. Children are started by a fork server (or spawned), never forked from the
    server's threads. A child that dies fails its task with ``BrokenProcessPool`` and the next
    task gets a fresh pool.

    Example::

        >>> tasks = ChildProcessTasks()
        >>> tasks.submit("builtins:divmod", 7, 2).result()
        (3, 1)
        >>> tasks.close()
    """

    def __init__(self, workers: int = 1) -> None:
        self.workers = workers
        methods = multiprocessing.get_all_start_methods()
        self._context = multiprocessing.get_context(
            "forkserver" if "forkserver" in methods else "spawn")
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None

    def submit(self, task: str, /, *args: Any) -> Future[Any]:
        """Run ``module:function`` with ``args`` in a child; its result or exception."""
        with self._lock:
            try:
                return self._executor().submit(run_task, task, *args)
            except BrokenProcessPool:  # a child died earlier: start afresh
                self._close()
                return self._executor().submit(run_task, task, *args)

    def close(self) -> None:
        """Stop the children (a running task is waited for)."""
        with self._lock:
            self._close()

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self.workers, mp_context=self._context, initializer=lower_process_priority,
                max_tasks_per_child=1)
        return self._pool

    def _close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def run_task(task: str, *args: Any) -> Any:
    """Call the function named ``module:function`` with ``args`` (in a task's process); an
    exception that could not travel back is raised as :class:`TaskFailed`."""
    module, name = task.split(":")
    function = getattr(importlib.import_module(module), name)
    try:
        return function(*args)
    except Exception as error:
        try:
            pickle.loads(pickle.dumps(error))
        except Exception:
            raise TaskFailed(f"{task}: {type(error).__qualname__}: {error}") from None
        raise
