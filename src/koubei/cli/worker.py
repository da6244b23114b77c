"""`koubei worker`: extra job workers for the queue `koubei serve` submits to (Redis, or the same SQLite queue
file under KOUBEI_HOME), on the same store. Thin shell over `koubei.jobs.worker`.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from koubei.cli.common import DatabaseOption, get_console, open_store


def worker_command(
    workers: Annotated[
        int,
        typer.Option("--workers", "-w", min=1, max=64, help="Worker threads (jobs run at the same time)."),
    ] = 1,
    db: DatabaseOption = None,
) -> None:
    """Run background jobs from the queue until Ctrl-C (or SIGTERM); jobs a restart cut off are resumed first.

    The queue is Redis when KOUBEI_REDIS_URL is set, else the SQLite file KOUBEI_HOME/jobs/queue.db.

    On stop, running jobs halt at their next progress report: a resumable one (scoring, LM training) continues at the next start, any other is marked failed with the reason.

    Example: KOUBEI_REDIS_URL=redis://127.0.0.1:6379/0 koubei worker --workers 2
    """
    from koubei.config import get_settings
    from koubei.jobs.queue import JobQueue
    from koubei.jobs.worker import JobWorker

    console = get_console(stderr=True)
    with open_store(db) as store:
        queue = JobQueue.open(store, get_settings(), immediate=False)
        queue.pending_ids()  # an unreachable queue is said now, in one line, not by every worker thread
        worker = JobWorker(queue, workers)

        def ready(w: JobWorker) -> None:
            found = w.first_recovery
            summary = ""
            if found is not None and (found.resumed or found.failed or found.cancelled):
                summary = (
                    f"; after the restart: {len(found.resumed)} resumed, {len(found.failed)} failed, "
                    f"{len(found.cancelled)} cancelled"
                )
            console.print(
                f"koubei worker: {workers} thread(s) on the {queue.backend} queue {get_settings().jobs_queue!r}, "
                f"store {store.url}{summary}; Ctrl-C to stop"
            )

        try:
            worker.run_forever(ready)
        finally:
            queue.close()
        console.print("koubei worker stopped")


def register(app: Any) -> None:
    app.command("worker")(worker_command)
