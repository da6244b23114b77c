"""The job worker: huey's consumer in threads, plus recovery and a clean stop.

One `JobWorker` runs in `koubei serve` (started and stopped by the app's lifespan hooks) and in each
`koubei worker` process; they all take jobs from the same queue. Starting runs one recovery pass
(koubei.jobs.recovery) before the first job is taken, then one every `recover_every` seconds (jobs whose worker
died elsewhere are found by their stale heartbeat). Stopping interrupts the jobs running here at their next
progress report (a resumable one goes back to `queued` and resumes at the next start; another fails with the
reason), then waits up to `shutdown_timeout` seconds for the threads.

huey's consumer installs signal handlers when it starts; inside a web server that would take SIGINT/SIGTERM from
the server, so this worker starts the consumer without them and `run_forever` (the `koubei worker` command)
handles the signals itself.
"""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

from huey.consumer import Consumer

from koubei.errors import KoubeiError
from koubei.jobs.queue import JobQueue, QueueError
from koubei.jobs.recovery import STALE_AFTER, Recovery, recover
from koubei.jobs.runner import HEARTBEAT_EVERY

logger = logging.getLogger("koubei.jobs")


class _Consumer(Consumer):  # type: ignore[misc]
    def _set_signal_handlers(self) -> None:
        pass  # the host (web server, or JobWorker.run_forever) owns the signals


class JobWorker:
    """`threads` worker threads on `queue`; `start()` / `stop()` (or `run_forever()` until SIGINT/SIGTERM)."""

    def __init__(
        self,
        queue: JobQueue,
        threads: int = 1,
        *,
        recover_every: float = 2 * HEARTBEAT_EVERY,
        stale_after: float = STALE_AFTER,
        shutdown_timeout: float = 30.0,
        poll_max_delay: float = 1.0,
    ) -> None:
        if queue.immediate:
            raise KoubeiError(
                "a worker cannot consume an immediate-mode queue (its jobs run where they are submitted)"
            )
        if threads < 1:
            raise KoubeiError(f"a worker needs at least 1 thread, got {threads}")
        self.queue = queue
        self.threads = threads
        self.recover_every = recover_every
        self.stale_after = stale_after
        self.shutdown_timeout = shutdown_timeout
        self.poll_max_delay = poll_max_delay
        self.first_recovery: Recovery | None = None
        self._consumer: Any = None
        self._stop = threading.Event()
        self._maintenance: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._consumer is not None

    def start(self) -> None:
        if self._consumer is not None:
            return
        try:
            self.first_recovery = recover(self.queue, stale_after=self.stale_after)
        except QueueError as error:  # the server still serves; the recovery pass every few seconds retries
            logger.warning("job recovery at start failed: %s", error)
        self._stop.clear()
        self._consumer = _Consumer(
            self.queue.huey,
            workers=self.threads,
            worker_type="thread",
            periodic=False,
            initial_delay=0.05,
            max_delay=self.poll_max_delay,
            shutdown_timeout=self.shutdown_timeout,
        )
        self._consumer.start()
        self._maintenance = threading.Thread(target=self._maintain, name="koubei-jobs-recovery", daemon=True)
        self._maintenance.start()
        logger.info("job worker started: %d thread(s) on the %s queue", self.threads, self.queue.backend)

    def _maintain(self) -> None:
        while not self._stop.wait(self.recover_every):
            try:
                recover(self.queue, stale_after=self.stale_after)
                self._consumer.check_worker_health()
            except Exception as error:  # a busy store or an unreachable Redis: the next pass tries again
                logger.warning("job recovery pass failed: %s: %s", type(error).__name__, str(error)[:200])

    def interrupt_running(self) -> int:
        """Ask the jobs running in this process to stop at their next progress report; how many there were."""
        with self.queue.active_lock:
            active = list(self.queue.active.values())
        for progress in active:
            progress.interrupt_event.set()
        return len(active)

    def stop(self) -> None:
        if self._consumer is None:
            return
        self._stop.set()
        interrupted = self.interrupt_running()
        if interrupted:
            logger.info("stopping: interrupting %d running job(s)", interrupted)
        self._consumer.stop(graceful=True)
        if self._maintenance is not None:
            self._maintenance.join(timeout=self.recover_every + 5)
        self._consumer = None

    def run_forever(self, ready: Any = None) -> None:
        """Start, then block until SIGINT or SIGTERM, then stop (the `koubei worker` command)."""
        done = threading.Event()

        def _signal(_signum: int, _frame: Any) -> None:
            done.set()

        previous = {s: signal.signal(s, _signal) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            self.start()
            if ready is not None:
                ready(self)
            while not done.wait(0.5):
                pass
        finally:
            self.stop()
            for s, handler in previous.items():
                signal.signal(s, handler)
