"""The job queue and worker of `koubei serve`: attached to the FastAPI app by `create_app`.

`attach(app)` puts the queue on `app.state.job_queue` (the jobs routes submit through it) and, unless
KOUBEI_JOB_WORKERS=0 or the queue is in immediate mode, adds a `JobWorker` with that many threads to the app's
startup and shutdown hooks (started in a thread, so /health answers without waiting for it), so the server runs
jobs in its own process with nothing else to start.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from koubei.config import Settings
from koubei.jobs.queue import JobQueue
from koubei.jobs.worker import JobWorker

logger = logging.getLogger("koubei.jobs")


def _start(worker: JobWorker) -> None:
    try:
        worker.start()
    except (
        Exception
    ) as error:  # e.g. the store unreachable: the API still answers, the log says why no jobs run
        logger.error("the job worker did not start: %s: %s", type(error).__name__, str(error)[:200])


def attach(app: Any, settings: Settings) -> JobQueue:
    queue = JobQueue.open(app.state.store, settings)
    app.state.job_queue = queue
    app.state.job_worker = None
    if settings.job_workers > 0 and not queue.immediate:
        worker = JobWorker(queue, settings.job_workers)
        app.state.job_worker = worker
        starting: list[threading.Thread] = []

        def start() -> None:
            # In a thread: the recovery pass and the consumer's start must not delay the server's first answer.
            thread = threading.Thread(target=_start, args=(worker,), name="koubei-jobs-start", daemon=True)
            thread.start()
            starting.append(thread)

        def stop() -> None:
            for thread in starting:
                thread.join(
                    timeout=60
                )  # a stop right after the start waits for it, so no thread is left behind
            worker.stop()

        app.state.on_startup.append(start)
        app.state.on_shutdown.append(stop)
    app.state.on_shutdown.append(queue.close)
    return queue
