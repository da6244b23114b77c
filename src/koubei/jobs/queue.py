"""The job queue on huey: an SQLite file under KOUBEI_HOME by default, Redis when KOUBEI_REDIS_URL is set, and
huey's immediate mode (a job runs inside the call that submits it) for tests.

The queue carries only job ids: a message says "run job X" and the job's row in the store says what X is. So a
lost message loses nothing (recovery queues it again), a duplicate runs nothing twice (the claim is one
conditional UPDATE), and a cancelled job's message is simply dropped when a worker meets it.

Every worker of the same queue (the in-process one of `koubei serve`, extra `koubei worker` processes) opens the
same SQLite file or the same Redis keys, named by `KOUBEI_JOBS_QUEUE` (default "koubei").
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from koubei.config import Settings, get_settings
from koubei.errors import BadInputError, KoubeiError
from koubei.jobs.progress import JobProgress
from koubei.store import Store

QUEUE_FILE = "queue.db"


def queue_file(settings: Settings) -> Path:
    """Where the SQLite queue lives: KOUBEI_HOME/jobs/queue.db."""
    return settings.home / "jobs" / QUEUE_FILE


def make_huey(
    settings: Settings | None = None, *, immediate: bool | None = None, name: str | None = None
) -> Any:
    """A huey instance for `settings`: Redis when `redis_url` is set, else the SQLite queue file."""
    import huey

    settings = settings or get_settings()
    name = name or settings.jobs_queue
    immediate = settings.jobs_immediate if immediate is None else immediate
    if settings.redis_url:
        if not settings.redis_url.startswith(("redis://", "rediss://", "unix://")):
            raise BadInputError(
                f"KOUBEI_REDIS_URL={settings.redis_url!r} is not a Redis URL; expected e.g. redis://127.0.0.1:6379/0"
            )
        return huey.RedisHuey(name, url=settings.redis_url, results=False, immediate=immediate)
    path = queue_file(settings)
    if not immediate:
        path.parent.mkdir(parents=True, exist_ok=True)
    return huey.SqliteHuey(name, filename=str(path), results=False, immediate=immediate, timeout=30)


class JobQueue:
    """A store and the huey queue its jobs go through; `enqueue(job_id)` sends one job to the workers.

    The huey task runs `koubei.jobs.runner.execute_job` on this queue's store. `active` holds the progress of the
    jobs running in this process, so a stopping worker can interrupt them (see `JobWorker.stop`).
    """

    def __init__(self, store: Store, huey: Any) -> None:
        self.store = store
        self.huey = huey
        self.active: dict[str, JobProgress] = {}
        self.active_lock = threading.Lock()
        self.heartbeat_every = 5.0
        self.progress_every = 1.0
        self._task = huey.task(name="koubei.run_job")(self._run)

    @classmethod
    def open(
        cls,
        store: Store,
        settings: Settings | None = None,
        *,
        immediate: bool | None = None,
        name: str | None = None,
    ) -> JobQueue:
        return cls(store, make_huey(settings, immediate=immediate, name=name))

    @property
    def backend(self) -> str:
        """ "immediate", "redis" or "sqlite"."""
        if self.huey.immediate:
            return "immediate"
        return "redis" if "Redis" in type(self.huey.storage).__name__ else "sqlite"

    @property
    def immediate(self) -> bool:
        return bool(self.huey.immediate)

    def enqueue(self, job_id: str) -> None:
        """Send "run job `job_id`" to the workers (in immediate mode: run it now, in this thread)."""
        try:
            self.huey.enqueue(self._task.s(job_id, id=job_id))
        except KoubeiError:
            raise
        except (
            Exception
        ) as error:  # the queue's own failure (Redis down, queue file unwritable), said plainly
            raise QueueError(f"the job queue ({self.backend}) refused job {job_id}: {error}") from None

    def pending_ids(self) -> set[str]:
        """Ids of the jobs whose message waits in the queue (read by recovery to find lost messages)."""
        if self.huey.immediate:
            return set()
        try:
            return {str(task.args[0]) for task in self.huey.pending() if task.args}
        except Exception as error:
            raise QueueError(f"cannot read the job queue ({self.backend}): {error}") from None

    def _run(self, job_id: str) -> None:
        from koubei.jobs.runner import execute_job

        execute_job(self.store, job_id, queue=self)

    def close(self) -> None:
        storage = getattr(self.huey, "storage", None)
        close = getattr(storage, "close", None)
        if callable(close):
            close()


class QueueError(KoubeiError):
    """The queue could not take or give a job (Redis unreachable, queue file unwritable)."""

    http_status = 503
