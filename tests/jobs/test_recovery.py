"""Recovery of jobs cut off by a restart (koubei.jobs.recovery), on SQLite and PostgreSQL stores: which running
jobs count as orphaned, and what happens to each kind of orphan. No job silently vanishes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from koubei.jobs.queue import JobQueue
from koubei.jobs.recovery import MAX_ATTEMPTS, orphan_reason, recover
from koubei.jobs.runner import worker_id
from koubei.store import jobs as js
from koubei.store.models import Job


@pytest.fixture
def dead_pid() -> int:
    """The pid of a process that has exited."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.fixture
def queue(store: Any) -> Any:
    q = JobQueue.open(store)  # the SQLite queue, no consumer: messages stay where recovery put them
    yield q
    q.close()


def _running(
    store: Any, kind: str, worker: str, *, attempts: int = 1, beat_age: float = 0.0, **params: Any
) -> str:
    job = js.create_job(store, kind, params)
    js.claim_job(store, job.id, worker)
    with store.session() as s:
        s.execute(
            update(Job)
            .where(Job.id == job.id)
            .values(attempts=attempts, heartbeat_at=js.utcnow() - timedelta(seconds=beat_age))
        )
    return job.id


def _record(job_id: str, store: Any) -> js.JobRecord:
    return js.get_job(store, job_id)


def test_orphan_rules(store: Any, dead_pid: int) -> None:
    host = socket.gethostname()
    now = js.utcnow()
    fresh = js.get_job(store, _running(store, "aspects", f"{host}:{dead_pid}:abcd"))
    assert orphan_reason(fresh, 30, now) == f"its worker process {dead_pid} has stopped"
    # This very pid with another token: an earlier process (a restarted container keeps its pid).
    same_pid = js.get_job(store, _running(store, "aspects", f"{host}:{os.getpid()}:other"))
    assert (
        orphan_reason(same_pid, 30, now)
        == f"its worker (an earlier process with pid {os.getpid()}) has stopped"
    )
    # A live process elsewhere (here: our parent) with a fresh heartbeat may still be working ...
    live = js.get_job(store, _running(store, "aspects", f"{host}:{os.getppid()}:abcd"))
    assert orphan_reason(live, 30, now) is None
    mine = js.get_job(store, _running(store, "aspects", worker_id()))
    assert orphan_reason(mine, 30, now) is None
    # ... until its heartbeat is stale; a worker on another host is judged by its heartbeat alone.
    stale = js.get_job(store, _running(store, "aspects", "elsewhere:1:abcd", beat_age=31))
    assert orphan_reason(stale, 30, now) is not None
    assert orphan_reason(stale, 30, now).startswith("no heartbeat since ")  # type: ignore[union-attr]
    assert (
        orphan_reason(js.get_job(store, _running(store, "aspects", "elsewhere:1:x", beat_age=5)), 30, now)
        is None
    )


def test_recover_resumes_fails_or_cancels_each_orphan(store: Any, queue: Any, dead_pid: int) -> None:
    gone = f"{socket.gethostname()}:{dead_pid}:abcd"
    resumable = _running(store, "sentiment_score", gone)
    lost = _running(store, "wom_simulate", gone, seeds=["a"])
    cancelled = _running(store, "sentiment_score", gone)
    js.request_cancel(store, cancelled)
    worn_out = _running(store, "lm_train", gone, attempts=MAX_ATTEMPTS, max_steps=5)
    alive = _running(store, "sentiment_score", f"{socket.gethostname()}:{os.getppid()}:abcd")

    found = recover(queue)

    assert found.resumed == [resumable]
    assert sorted(found.failed) == sorted([lost, worn_out])
    assert found.cancelled == [cancelled]
    back = _record(resumable, store)
    assert back.status == "queued" and back.attempts == 1
    assert "interrupted by a restart at " in back.log[-1] and back.log[-1].endswith("queued again to resume")
    assert queue.pending_ids() == {resumable}  # its message is in the queue again
    failed = _record(lost, store)
    assert failed.status == "failed" and failed.error is not None
    assert failed.error.startswith("interrupted by a restart at ")
    assert failed.error.endswith(
        f"(its worker process {dead_pid} has stopped); its work cannot be resumed; submit it again"
    )
    assert _record(worn_out, store).error.endswith(f"it was interrupted {MAX_ATTEMPTS} times")  # type: ignore[union-attr]
    assert _record(cancelled, store).status == "cancelled"
    assert _record(alive, store).status == "running"  # another live worker's job is left alone


def test_recover_restores_lost_queue_messages_once(store: Any, queue: Any) -> None:
    lost = js.create_job(store, "aspects", {})  # stored, but the process died before queueing it
    kept = js.create_job(store, "aspects", {})
    queue.enqueue(kept.id)
    found = recover(queue)
    assert found.requeued_messages == [lost.id]
    assert sorted(t.args[0] for t in queue.huey.pending()) == sorted([lost.id, kept.id])  # no duplicate
    assert recover(queue).requeued_messages == []
