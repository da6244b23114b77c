"""Running one job: claim it, beat its heart, call its kind's pipeline, store the outcome.

Whatever happens inside the work, the job's row ends in a terminal state with a reason a person can read:
succeeded with the pipeline's `Result.to_dict()`, cancelled (the work met a `JobCancelled` at a progress report),
or failed with the error's own sentence (a `KoubeiError`) or one plain line for anything else (its type and
first line: a traceback can quote review text). Only the death of the process itself leaves a job `running`;
the worker's recovery (koubei.jobs.recovery) finds those by their heartbeat.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from typing import TYPE_CHECKING, Any

from koubei.errors import KoubeiError
from koubei.jobs.kinds import JobContext, get_kind, validate_params
from koubei.jobs.progress import JobCancelled, JobInterrupted, JobProgress
from koubei.results import to_jsonable
from koubei.store import Store
from koubei.store.jobs import JobRecord, claim_job, finish_job, get_job, heartbeat, iso, requeue_job, utcnow

if TYPE_CHECKING:
    from koubei.jobs.queue import JobQueue

logger = logging.getLogger("koubei.jobs")

HEARTBEAT_EVERY = (
    5.0  # seconds between heartbeats of a running job (also how soon a cancel is seen without progress)
)

_PROCESS_TOKEN = uuid.uuid4().hex[:8]


def worker_id() -> str:
    """This process as a job's `worker`: host, pid and a token (a later process may reuse the pid)."""
    return f"{socket.gethostname()}:{os.getpid()}:{_PROCESS_TOKEN}"


class Heartbeat:
    """A thread that marks a running job alive every `every` seconds and passes a cancel on to its progress."""

    def __init__(
        self, store: Store, job_id: str, progress: JobProgress, every: float = HEARTBEAT_EVERY
    ) -> None:
        self.store, self.job_id, self.progress, self.every = store, job_id, progress, every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"koubei-heartbeat-{job_id[:8]}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=self.every + 5)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                if heartbeat(self.store, self.job_id):
                    self.progress.cancel_event.set()
            except KoubeiError as error:  # a busy store: the next beat tries again
                logger.warning("heartbeat of job %s failed: %s", self.job_id, error)


def _plain(error: BaseException) -> str:
    if isinstance(error, KoubeiError):
        return str(error)
    lines = str(error).strip().splitlines()
    first = lines[0][:200] if lines else ""
    return f"unexpected {type(error).__name__}{': ' + first if first else ''} (a bug in koubei: please report it)"


def execute_job(
    store: Store,
    job_id: str,
    *,
    queue: JobQueue | None = None,
    worker: str | None = None,
) -> JobRecord | None:
    """Run the queued job `job_id` to its end; None when it was not queued (cancelled meanwhile, or another
    worker has it), so a queue message of a dropped job is simply consumed.

    With a `queue`, the job's progress is listed in `queue.active` while it runs (a stopping worker interrupts
    what is listed there) and the queue's heartbeat and progress intervals apply.
    """
    record = claim_job(store, job_id, worker or worker_id())
    if record is None:
        logger.info("job %s is not queued any more; its queue message is dropped", job_id)
        return None
    every = queue.progress_every if queue is not None else 1.0
    beat = queue.heartbeat_every if queue is not None else HEARTBEAT_EVERY
    progress = JobProgress(store, job_id, every=every)
    if queue is not None:
        with queue.active_lock:
            queue.active[job_id] = progress
    try:
        return _run(store, record, progress, beat)
    finally:
        if queue is not None:
            with queue.active_lock:
                queue.active.pop(job_id, None)


def _run(store: Store, record: JobRecord, progress: JobProgress, beat: float) -> JobRecord:
    job_id = record.id
    kind = None
    try:
        kind = get_kind(record.kind)
        params = validate_params(record.kind, record.params)
        if record.attempts > 1:
            progress.log(f"resuming after an interruption (attempt {record.attempts})")
        with Heartbeat(store, job_id, progress, beat):
            result = kind.run(JobContext(store, params, progress, attempt=record.attempts))
    except JobCancelled:
        state = _flushed(progress)
        amount = f" after {state['done']:,} of {state['total']:,} {state['unit']}" if state["total"] else ""
        return finish_job(
            store,
            job_id,
            "cancelled",
            line=f"cancelled{amount}; what was written so far is kept",
            progress=state,
        )
    except JobInterrupted:
        return _interrupted(store, record, kind is not None and kind.resumable, _flushed(progress))
    except Exception as error:
        if not isinstance(error, KoubeiError):
            logger.error("job %s (%s) failed: %s", job_id, record.kind, _plain(error))
        state = _flushed(progress)
        return finish_job(
            store, job_id, "failed", error=_plain(error), line=f"failed: {_plain(error)}", progress=state
        )
    state = _flushed(progress)
    payload: dict[str, Any] = to_jsonable(result.to_dict())
    late = " (a cancel came after the work had finished)" if progress.cancel_event.is_set() else ""
    return finish_job(store, job_id, "succeeded", result=payload, line=f"succeeded{late}", progress=state)


def _flushed(progress: JobProgress) -> dict[str, Any]:
    """The final progress state, after writing the log lines still pending (best effort: the outcome matters more)."""
    try:
        progress.flush()
    except KoubeiError as error:
        logger.warning("could not write the last progress of job %s: %s", progress.job_id, error)
    return progress.snapshot()


def _interrupted(store: Store, record: JobRecord, resumable: bool, state: dict[str, Any]) -> JobRecord:
    """The worker is stopping: a resumable job goes back to `queued` (the next worker start queues its message
    again), any other fails with the reason."""
    at = iso(utcnow())
    if resumable and requeue_job(
        store, record.id, f"interrupted by a shutdown at {at}; it resumes when a worker starts again"
    ):
        return get_job(store, record.id)
    reason = f"interrupted by a shutdown at {at}; its work is lost, submit it again"
    return finish_job(store, record.id, "failed", error=reason, line=reason, progress=state)
