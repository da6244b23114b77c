"""A process pool whose workers die with the process that started them, however it ends (kill -9 included).

`ProcessPoolExecutor` cleans up on a normal exit only: after a SIGKILL of `koubei ingest` during validation, the
workers kept waiting on their task queue (they hold both ends of its pipe, so they never see end-of-file), the
forkserver kept waiting on them and the resource tracker on all three, for minutes. Each worker therefore
- asks the kernel for SIGKILL when its parent dies (Linux `prctl(PR_SET_PDEATHSIG)`; a forkserver worker's parent
  is the forkserver), and
- runs a watchdog thread that ends it within WATCH_SECONDS once the starting process is gone (a dead, zombie or
  reused pid; this covers the forkserver case and other systems).
With the workers gone, the forkserver and the resource tracker see their pipes close and exit by themselves.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

WATCH_SECONDS = 0.5
_PR_SET_PDEATHSIG = 1


def _started(pid: int) -> str | None:
    """The start time of `pid` (Linux /proc), to tell it from a later process that reuses the pid; None if gone.

    Elsewhere: "" while a signal 0 reaches the pid, else None.
    """
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return None
    except OSError:
        try:
            os.kill(pid, 0)
        except OSError:
            return None
        return ""
    if fields[0] in ("Z", "X"):  # zombie or dead: exited, not yet reaped by its own parent
        return None
    return fields[19]  # field 22 of stat: start time in clock ticks since boot


def _watch(pid: int, started: str | None) -> None:
    while True:
        time.sleep(WATCH_SECONDS)
        if _started(pid) != started:
            os._exit(1)


def _die_with(pid: int, started: str | None) -> None:
    """Worker initializer: end this worker when process `pid` (which started the pool) is gone."""
    if sys.platform.startswith("linux"):
        # Without prctl in this libc, the watchdog alone does it.
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if _started(pid) != started:  # gone before this worker got here
        os._exit(1)
    threading.Thread(target=_watch, args=(pid, started), name="koubei-parent-watch", daemon=True).start()


def worker_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of `workers` processes that end with this process.

    forkserver, not fork: the caller may hold threads (torch, a web server) that fork would copy half-way.
    """
    me = os.getpid()
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=get_context("forkserver"),
        initializer=_die_with,
        initargs=(me, _started(me)),
    )
