"""A restart for real: `koubei worker` runs in a subprocess, is killed (SIGKILL) mid-job, and a new one starts.
The resumable scoring job continues where it stopped; the simulation is failed with the reason; the new worker
stops cleanly on SIGTERM. On SQLite (store and queue files) and PostgreSQL (store)."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from koubei.jobs.queue import JobQueue
from koubei.pipelines import jobs
from koubei.store import jobs as js
from tests.jobs.conftest import CORPUS_PER_LABEL, wait_for

TOTAL = 2 * CORPUS_PER_LABEL


def _start_worker(url: str, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "koubei.cli.main", "worker", "--workers", "2", "--db", url],
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def _unscored(store: Any) -> int:
    from koubei.pipelines.sentiment import default_sentiment_dir, model_name
    from koubei.store.analysis import count_reviews

    return count_reviews(store, model_name(default_sentiment_dir()), unscored_only=True)


@pytest.mark.slow
def test_kill_the_worker_mid_job_then_start_again(review_store: Any, tmp_path: Path) -> None:
    from koubei.pipelines import sentiment

    sentiment.train_rows(sentiment.rows_from_store(review_store), holdout=0.2)
    url = review_store.engine.url.render_as_string(hide_password=False)
    edges = tmp_path / "pair.tsv"
    edges.write_text("src\tdst\na\tb\n", encoding="utf-8")
    queue = JobQueue.open(review_store)
    scoring = jobs.submit_job(review_store, queue, "sentiment_score", {"batch_size": 1})
    simulation = jobs.submit_job(
        review_store,
        queue,
        "wom_simulate",
        {"seeds": ["a"], "graph": str(edges), "directed": True, "runs": 10**8},
    )
    log = tmp_path / "worker.log"

    first = _start_worker(url, log)
    try:
        wait_for(lambda: js.get_job(review_store, scoring.id).progress.get("done", 0) >= 30, timeout=120)
        wait_for(lambda: js.get_job(review_store, simulation.id).status == "running", timeout=60)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    cut = js.get_job(review_store, scoring.id)
    assert cut.status == "running"  # nobody had the chance to say otherwise
    left = _unscored(review_store)
    assert 0 < left < TOTAL

    second = _start_worker(url, log)
    try:
        done = wait_for(lambda: (j := js.get_job(review_store, scoring.id)).done and j, timeout=180)
        lost = js.get_job(review_store, simulation.id)
    finally:
        second.send_signal(signal.SIGTERM)
        code = second.wait(timeout=60)
    assert code == 0
    assert done.status == "succeeded", done.error
    assert done.attempts == 2
    assert done.result is not None and done.result["scored"] == left  # resumed, not redone
    assert _unscored(review_store) == 0
    assert any(
        f"(its worker process {first.pid} has stopped); queued again to resume" in ln for ln in done.log
    )
    assert lost.status == "failed" and lost.error is not None
    assert lost.error.startswith("interrupted by a restart at ")
    assert lost.error.endswith(
        f"(its worker process {first.pid} has stopped); its work cannot be resumed; submit it again"
    )
    printed = log.read_text(encoding="utf-8")
    assert "after the restart: 1 resumed, 1 failed, 0 cancelled" in printed
    assert printed.rstrip().endswith("koubei worker stopped")
