"""The job queue and worker of `koubei serve`: attached to the FastAPI app by `create_app`.

`attach(app)` puts the queue on `app.state.job_queue` (the jobs routes submit through it) and, unless
KOUBEI_JOB_WORKERS=0 or the queue is in immediate mode, adds a `JobWorker` with that many threads to the app's
startup and shutdown hooks, so the server runs jobs in its own process with nothing else to start.
"""

from __future__ import annotations

from typing import Any

from koubei.config import Settings
from koubei.jobs.queue import JobQueue
from koubei.jobs.worker import JobWorker


def attach(app: Any, settings: Settings) -> JobQueue:
    queue = JobQueue.open(app.state.store, settings)
    app.state.job_queue = queue
    app.state.job_worker = None
    if settings.job_workers > 0 and not queue.immediate:
        worker = JobWorker(queue, settings.job_workers)
        app.state.job_worker = worker
        app.state.on_startup.append(worker.start)
        app.state.on_shutdown.append(worker.stop)
    app.state.on_shutdown.append(queue.close)
    return queue
