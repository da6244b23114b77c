"""Real consumer threads on the SQLite queue file and on the real Redis server, against SQLite and PostgreSQL
stores: jobs run, cancel (queued and running), a stopping worker interrupts its jobs, the next start resumes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from koubei.jobs.queue import JobQueue
from koubei.jobs.worker import JobWorker
from koubei.pipelines import jobs
from koubei.store import jobs as js
from tests.jobs.conftest import CORPUS_PER_LABEL, wait_for

TOTAL = 2 * CORPUS_PER_LABEL


def _tune(queue: Any) -> Any:
    queue.progress_every = 0.05
    queue.heartbeat_every = 0.2
    return queue


@pytest.fixture(params=["sqlite", "redis"])
def open_queue(request: pytest.FixtureRequest, review_store: Any) -> Iterator[Any]:
    """A function returning a fresh JobQueue on the test's store (every call: the same queue, like a restart)."""
    if request.param == "redis":
        make_redis = request.getfixturevalue("redis_queues")
        from tests.jobs.conftest import redis_settings

        settings = redis_settings()
        yield lambda: _tune(make_redis(review_store, settings))
        return
    opened: list[Any] = []

    def make() -> Any:
        queue = _tune(JobQueue.open(review_store))
        opened.append(queue)
        return queue

    yield make
    for queue in opened:
        queue.close()


@pytest.fixture
def trained(review_store: Any) -> Any:
    """The store with a fast sentiment model in its default folder (scoring jobs need one)."""
    from koubei.pipelines import sentiment

    sentiment.train_rows(sentiment.rows_from_store(review_store), holdout=0.2)
    return review_store


def _worker(queue: Any) -> JobWorker:
    worker = JobWorker(queue, 1, recover_every=0.5, poll_max_delay=0.1)
    worker.start()
    return worker


def _unscored(store: Any) -> int:
    from koubei.pipelines.sentiment import default_sentiment_dir, model_name
    from koubei.store.analysis import count_reviews

    return count_reviews(store, model_name(default_sentiment_dir()), unscored_only=True)


def test_a_worker_runs_a_submitted_job(review_store: Any, open_queue: Any, home: Path) -> None:
    queue = open_queue()
    assert queue.backend in ("sqlite", "redis")
    if queue.backend == "sqlite":
        assert (home / "jobs" / "queue.db").is_file()
    worker = _worker(queue)
    try:
        job = jobs.submit_job(review_store, queue, "sentiment_train", {}, "tester")
        assert job.status == "queued"
        done = wait_for(lambda: (j := js.get_job(review_store, job.id)).done and j, timeout=120)
        assert done.status == "succeeded", done.error
        assert done.result["n_train"] + done.result["n_heldout"] == TOTAL
        assert done.worker is not None and done.heartbeat_at is not None
    finally:
        worker.stop()


def test_a_queued_job_cancelled_before_any_worker_never_runs(review_store: Any, open_queue: Any) -> None:
    queue = open_queue()
    job = jobs.submit_job(review_store, queue, "sentiment_train", {})
    assert job.id in queue.pending_ids()
    assert jobs.cancel_job(review_store, job.id).status == "cancelled"
    worker = _worker(queue)
    try:
        wait_for(lambda: job.id not in queue.pending_ids(), timeout=30)  # the message is consumed ...
    finally:
        worker.stop()
    after = js.get_job(review_store, job.id)
    assert (after.status, after.attempts, after.started_at, after.result) == ("cancelled", 0, None, None)
    with pytest.raises(jobs.JobStateError, match="already cancelled"):
        jobs.cancel_job(review_store, job.id)


def test_a_running_job_stops_at_its_next_report_when_cancelled(trained: Any, open_queue: Any) -> None:
    queue = open_queue()
    worker = _worker(queue)
    try:
        job = jobs.submit_job(trained, queue, "sentiment_score", {"batch_size": 1})
        wait_for(lambda: js.get_job(trained, job.id).progress.get("done", 0) >= 20, timeout=60)
        assert jobs.cancel_job(trained, job.id).cancel_requested
        done = wait_for(lambda: (j := js.get_job(trained, job.id)).done and j, timeout=30)
    finally:
        worker.stop()
    assert done.status == "cancelled"
    assert 20 <= done.progress["done"] < TOTAL
    assert done.log[-1].endswith(f"of {TOTAL:,} reviews; what was written so far is kept")
    assert _unscored(trained) == TOTAL - done.progress["done"]  # the batches done are kept


def test_stopping_requeues_a_resumable_job_and_the_next_start_resumes_it(
    trained: Any, open_queue: Any
) -> None:
    queue = open_queue()
    worker = _worker(queue)
    job = jobs.submit_job(trained, queue, "sentiment_score", {"batch_size": 1})
    wait_for(lambda: js.get_job(trained, job.id).progress.get("done", 0) >= 20, timeout=60)
    worker.stop()  # the server shuts down mid-job
    paused = js.get_job(trained, job.id)
    assert paused.status == "queued", paused.log
    assert "interrupted by a shutdown" in paused.log[-1]
    left = _unscored(trained)
    assert 0 < left < TOTAL

    restarted = open_queue()
    worker = _worker(restarted)  # its recovery pass queues the message again
    try:
        done = wait_for(lambda: (j := js.get_job(trained, job.id)).done and j, timeout=120)
    finally:
        worker.stop()
    assert done.status == "succeeded", done.error
    assert done.attempts == 2
    assert done.result["scored"] == left  # only what the first run had not scored
    assert _unscored(trained) == 0
    assert any("resuming after an interruption (attempt 2)" in line for line in done.log)


def test_stopping_fails_a_job_that_cannot_resume_with_the_reason(
    review_store: Any, open_queue: Any, tmp_path: Path
) -> None:
    edges = tmp_path / "pair.tsv"
    edges.write_text("src\tdst\na\tb\n", encoding="utf-8")
    queue = open_queue()
    worker = _worker(queue)
    params = {"seeds": ["a"], "graph": str(edges), "directed": True, "runs": 100_000_000}
    job = jobs.submit_job(review_store, queue, "wom_simulate", params)
    wait_for(lambda: js.get_job(review_store, job.id).progress.get("done", 0) > 0, timeout=60)
    worker.stop()
    failed = js.get_job(review_store, job.id)
    assert failed.status == "failed"
    assert failed.error is not None and failed.error.startswith("interrupted by a shutdown at ")
    assert failed.error.endswith("its work is lost, submit it again")
