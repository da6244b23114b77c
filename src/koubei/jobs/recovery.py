"""Finding the jobs a restart cut off, so none silently vanishes.

A job is orphaned when it is `running` but its worker is gone:
- its worker was a process on this host that no longer exists (or this very pid, with another process token: a
  restarted container often gets the same pid), which a worker sees the moment it starts; or
- its heartbeat is older than `stale_after` (a worker on another host, or one that hangs).
An orphan with a cancel asked is cancelled; a resumable one (koubei.jobs.kinds) is queued again, up to
`MAX_ATTEMPTS` runs in all; any other is marked failed with the reason ("interrupted by a restart at ...").

A `queued` job whose queue message is missing (the process died between storing and queueing it, or the queue
was flushed) gets its message again: a duplicate costs nothing, the claim lets only one run.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from koubei.jobs.kinds import KINDS
from koubei.jobs.queue import JobQueue
from koubei.jobs.runner import HEARTBEAT_EVERY, worker_id
from koubei.results import Result
from koubei.store.jobs import JobRecord, finish_job, iso, queued_jobs, requeue_job, running_jobs, utcnow

logger = logging.getLogger("koubei.jobs")

STALE_AFTER = 6 * HEARTBEAT_EVERY  # seconds without a heartbeat before a running job counts as cut off
MAX_ATTEMPTS = 3  # runs of one job in all (a job that kills its worker each time must not loop forever)


@dataclass
class Recovery(Result):
    """What one recovery pass did, by job id."""

    resumed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    requeued_messages: list[str] = field(default_factory=list)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def orphan_reason(job: JobRecord, stale_after: float, now: datetime, me: str | None = None) -> str | None:
    """Why `job` (running) has no live worker, or None while it may still have one."""
    me = me or worker_id()
    if job.worker and job.worker != me:
        host, _, rest = job.worker.partition(":")
        pid_text, _, _token = rest.partition(":")
        my_host, my_pid = socket.gethostname(), os.getpid()
        if host == my_host and pid_text.isdigit():
            pid = int(pid_text)
            if pid == my_pid:
                return f"its worker (an earlier process with pid {pid}) has stopped"
            if not _process_alive(pid):
                return f"its worker process {pid} has stopped"
    beat = job.heartbeat_at or job.started_at
    if beat is None or now - beat > timedelta(seconds=stale_after):
        return f"no heartbeat since {iso(beat) or 'it started'}"
    return None


def recover(queue: JobQueue, *, stale_after: float = STALE_AFTER, now: datetime | None = None) -> Recovery:
    """One pass over the store's running and queued jobs (see the module docstring)."""
    store = queue.store
    now = now or utcnow()
    at = iso(now)
    out = Recovery()
    for job in running_jobs(store):
        reason = orphan_reason(job, stale_after, now)
        if reason is None:
            continue
        kind = KINDS.get(job.kind)
        if job.cancel_requested:
            finish_job(store, job.id, "cancelled", line=f"cancelled: {reason} (a cancel had been asked)")
            out.cancelled.append(job.id)
        elif kind is not None and kind.resumable and job.attempts < MAX_ATTEMPTS:
            line = f"interrupted by a restart at {at} ({reason}); queued again to resume"
            if requeue_job(store, job.id, line):
                queue.enqueue(job.id)
                out.resumed.append(job.id)
        else:
            why = (
                f"it was interrupted {job.attempts} times"
                if kind is not None and kind.resumable
                else "its work cannot be resumed; submit it again"
            )
            error = f"interrupted by a restart at {at} ({reason}); {why}"
            finish_job(store, job.id, "failed", error=error, line=error)
            out.failed.append(job.id)
    waiting = queue.pending_ids()
    for job in queued_jobs(store):
        if job.id not in waiting and job.id not in out.resumed:
            queue.enqueue(job.id)
            out.requeued_messages.append(job.id)
    if out.resumed or out.failed or out.cancelled or out.requeued_messages:
        logger.warning(
            "job recovery: %d resumed, %d failed, %d cancelled, %d queue messages restored",
            len(out.resumed),
            len(out.failed),
            len(out.cancelled),
            len(out.requeued_messages),
        )
    return out
