"""A job's `koubei.progress.Progress`: the same reports the CLI bar draws, written to the job's row, and the one
place a cooperative cancel takes effect.

Pipelines call `start / advance / note` every batch or step; writing the row each time would contend with the
API for the store's write lock, so the state goes to the store at most every `every` seconds (and at every phase
start, where the totals change). Notes and phase starts also become the job's log lines. A cancel is seen by the
heartbeat (koubei.jobs.runner) or by the write that returns the flag; the next call of the work then raises
`JobCancelled`, so the work stops between two batches, with what it already wrote kept. A stopping worker sets
`interrupt_event` instead, and the work stops the same way with `JobInterrupted`.
"""

from __future__ import annotations

import threading
import time

from koubei.errors import KoubeiError
from koubei.progress import RecordingProgress
from koubei.store import Store
from koubei.store.jobs import record_progress


class JobCancelled(KoubeiError):
    """Raised inside a job's work at its next progress report after someone asked to cancel it."""


class JobInterrupted(KoubeiError):
    """Raised inside a job's work at its next progress report when its worker is stopping (a server shutdown)."""


class JobProgress(RecordingProgress):
    """Records like `RecordingProgress` and mirrors it to the job's row (throttled); raises `JobCancelled`."""

    def __init__(self, store: Store, job_id: str, every: float = 1.0) -> None:
        super().__init__()
        self.store = store
        self.job_id = job_id
        self.every = every
        self.cancel_event = threading.Event()
        self.interrupt_event = threading.Event()
        self._pending: list[str] = []
        self._last_write = 0.0

    # -- protocol
    def start(self, total: int | None, unit: str = "items", desc: str = "") -> None:
        self._check()
        super().start(total, unit, desc)
        amount = f" ({total:,} {unit})" if total is not None else ""
        self._pending.append(f"{desc or 'working'}{amount}")
        self.flush()

    def advance(self, n: int = 1) -> None:
        super().advance(n)  # counted first: the work reporting it is done (and written) even when we stop now
        self._maybe_flush()
        self._check()

    def note(self, text: str) -> None:
        self._check()
        super().note(text)
        self._pending.append(text)
        self._maybe_flush()

    # -- writing
    def log(self, text: str) -> None:
        """A log line of the runner's own (not a progress note): written with the next flush."""
        self._pending.append(text)

    def flush(self) -> None:
        """Write the state and pending lines now; a cancel asked meanwhile is remembered for the next call."""
        lines, self._pending = self._pending, []
        self._last_write = time.monotonic()
        if record_progress(self.store, self.job_id, self.snapshot(), lines):
            self.cancel_event.set()

    def _maybe_flush(self) -> None:
        if time.monotonic() - self._last_write >= self.every:
            self.flush()

    def _check(self) -> None:
        if self.interrupt_event.is_set():
            raise JobInterrupted(f"job {self.job_id} was interrupted: its worker is stopping")
        if self.cancel_event.is_set():
            raise JobCancelled(f"job {self.job_id} was cancelled")
