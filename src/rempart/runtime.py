"""Process-level memory tuning for long-running servers (glibc malloc, the garbage collector).

Loading a million hashes allocates and frees several hundred MB of temporary arrays. With
glibc's default dynamic mmap threshold, those land on the heap after the first large free and
stay resident; many threads each get a malloc arena of their own. ``tune_process`` fixes the
threshold (large arrays are mmapped and given back to the system when freed), caps the arenas,
and shortens the interpreter's thread switch interval (a background writer gives the GIL back
to the request loop within 1 ms); ``settle`` then returns what loading left behind and freezes
the start-up objects so that full garbage collections stop walking them (no pause on the
request path); ``trim`` gives back freed heap pages after a burst of writes; bulk writes and
the change feed run on low-priority threads (``background_executor``,
``lower_thread_priority``).

Example::

    >>> tune_process()         # before loading; malloc settings only where glibc is
    >>> settle()               # after loading
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import os
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import cache
from typing import Any

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


def release_memory() -> None:
    """After a burst of work (the collector paused meanwhile): collect the cyclic garbage it
    left, then give freed heap pages back."""
    gc.collect()
    trim()


def settle() -> None:
    """Collect garbage, give freed heap pages back, freeze the survivors."""
    gc.collect()
    trim()
    gc.freeze()


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


@cache
def background_executor() -> ThreadPoolExecutor:
    """One low-priority thread for bulk writes (big ingests and imports), in order."""
    return ThreadPoolExecutor(1, thread_name_prefix="rempart-bulk",
                              initializer=lower_thread_priority)


@contextmanager
def collector_paused() -> Iterator[None]:
    """No automatic garbage collection inside (restored after; reference counting still
    frees almost everything). Loading a million rows otherwise runs dozens of full
    collections of 50 ms each, walking objects that all survive.

    Example::

        >>> with collector_paused():
        ...     rows = [{"n": i} for i in range(3)]
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


_busy_lock = threading.Lock()
_busy: list[tuple[float, bool]] = []  # what to restore, once per background job running


@contextmanager
def background_work() -> Iterator[None]:
    """Mark a stretch of background work (a bulk write, applying the change feed). While any
    runs, the interpreter switches threads every ``BACKGROUND_SWITCH_INTERVAL`` so that
    requests get the GIL back quickly, and the cyclic garbage collector waits: the work's
    thousands of short-lived objects would otherwise trigger collections that walk them all
    (15–25 ms pauses for every thread). Both come back when the last job ends.

    Example::

        >>> with background_work():
        ...     pass
    """
    with _busy_lock:
        _busy.append((sys.getswitchinterval(), gc.isenabled()))
        sys.setswitchinterval(min(BACKGROUND_SWITCH_INTERVAL, _busy[0][0]))
        gc.disable()
    try:
        yield
    finally:
        with _busy_lock:
            interval, collecting = _busy.pop()
            if not _busy:
                sys.setswitchinterval(interval)
                if collecting:
                    gc.enable()


_CHILD = """
import os, sys
try:  # first of all, before any import of the work
    os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
except (AttributeError, OSError):
    os.nice(19)
import base64, importlib, json
with os.fdopen(3, "rb") as inp:
    call = json.loads(inp.read())
sys.path[:] = call["path"]
args = [base64.b64decode(a["bytes"]) if isinstance(a, dict) else a for a in call["args"]]
module, name = call["target"].split(":")
try:
    out = {"result": getattr(importlib.import_module(module), name)(*args)}
except Exception as error:  # handed back to the parent: type, args and attributes
    kind = type(error)
    out = {"error": {"module": kind.__module__, "type": kind.__qualname__,
                     "args": list(error.args), "state": dict(vars(error))}}
with os.fdopen(4, "w") as result:
    json.dump(out, result, default=str)
"""


def run_in_idle_child(target: str, *args: Any) -> Any:
    """``module:function`` called with ``args`` in a fresh Python process at idle priority;
    its result, or its exception raised again here.

    A bulk write parsing and inserting thousands of rows in the server's own process holds
    the GIL for as long as it computes, and lookups queue behind it; in a child it shares
    nothing with them but the database. The child drops to idle priority before anything else
    (Linux ``SCHED_IDLE``: it only gets CPU time the server leaves, its imports included;
    elsewhere the lowest nice level) and ends with the call, so it keeps no memory.
    Arguments and result travel as JSON over two private pipes (``bytes`` arguments as
    base64): no pickle. An exception comes back as its type, arguments and attributes.

    Example::

        >>> run_in_idle_child("operator:add", 2, 3)
        5
    """
    import base64
    import importlib
    import json

    if not hasattr(os, "posix_spawn"):  # Windows: no cheap child, the work stays here
        module, name = target.split(":")
        return getattr(importlib.import_module(module), name)(*args)
    call = {"path": list(sys.path), "target": target,
            "args": [{"bytes": base64.b64encode(a).decode()} if isinstance(a, bytes) else a
                     for a in args]}
    to_child, from_parent = os.pipe()
    from_child, to_parent = os.pipe()
    actions = [(os.POSIX_SPAWN_DUP2, to_child, 3), (os.POSIX_SPAWN_DUP2, to_parent, 4),
               (os.POSIX_SPAWN_CLOSE, from_parent), (os.POSIX_SPAWN_CLOSE, from_child)]
    try:
        pid = os.posix_spawn(sys.executable, [sys.executable, "-c", _CHILD], os.environ,
                             file_actions=actions)
    finally:
        os.close(to_child)
        os.close(to_parent)
    try:
        with os.fdopen(from_parent, "w") as out:
            json.dump(call, out)
        with os.fdopen(from_child, "rb") as inp:
            data = inp.read()
    finally:
        os.waitpid(pid, 0)
    if not data:
        raise ChildProcessError("the bulk child ended without an answer (see its error output)")
    answer = json.loads(data)
    if "error" in answer:
        raise _rebuilt(answer["error"])
    return answer["result"]


def _rebuilt(error: dict[str, Any]) -> Exception:
    """The child's exception, as the same type when it is one (else ChildProcessError)."""
    import importlib

    try:
        kind = importlib.import_module(error["module"])
        for part in error["type"].split("."):
            kind = getattr(kind, part)
    except (ImportError, AttributeError):
        kind = None
    if not (isinstance(kind, type) and issubclass(kind, Exception)):
        return ChildProcessError(f"{error['type']}: {' '.join(map(str, error['args']))}")
    rebuilt = kind.__new__(kind)
    rebuilt.args = tuple(error["args"])
    rebuilt.__dict__.update(error["state"])
    return rebuilt
