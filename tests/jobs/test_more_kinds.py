"""The other job kinds run their real pipelines (immediate mode, SQLite store): aspects, the service index, and
LM training, including the restart path: a cut-off LM job resumes from its checkpoint."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from koubei.jobs.queue import JobQueue
from koubei.jobs.recovery import recover
from koubei.pipelines import jobs
from koubei.store import Store
from koubei.store import jobs as js
from tests.jobs.conftest import fill_reviews

LM = {"preset": "micro", "vocab_size": 300, "checkpoint_interval": 2, "limit": 200, "model": "lm-job"}


@pytest.fixture
def small_store(tmp_path: Path) -> Iterator[Any]:
    with Store.open(f"sqlite:///{tmp_path / 'small.db'}") as store:
        fill_reviews(store, per_label=50)
        yield store


def test_aspects_job_covers_every_review(small_store: Any) -> None:
    job = jobs.submit_job(
        small_store, JobQueue.open(small_store, immediate=True), "aspects", {"batch_size": 30}
    )
    assert job.status == "succeeded", job.error
    assert job.result is not None and job.result["reviews"] == 100
    assert job.progress["done"] == job.progress["total"] == 100


@pytest.mark.slow
def test_service_index_job_builds_the_index(small_store: Any, home: Path) -> None:
    job = jobs.submit_job(
        small_store, JobQueue.open(small_store, immediate=True), "service_index", {"review_limit": 40}
    )
    assert job.status == "succeeded", job.error
    assert job.result is not None and job.result["docs"] == job.result["added"] > 0  # a fresh index
    assert Path(job.result["path"]) == home / "indexes" / "service" and any(
        Path(job.result["path"]).iterdir()
    )
    refreshed = jobs.submit_job(
        small_store, JobQueue.open(small_store, immediate=True), "service_index", {"review_limit": 40}
    )
    assert refreshed.result is not None and refreshed.result["unchanged"] == job.result["docs"]  # incremental


@pytest.mark.slow
def test_lm_job_refuses_to_overwrite_then_resumes_from_its_checkpoint_after_a_restart(
    small_store: Any, home: Path
) -> None:
    queue = JobQueue.open(small_store, immediate=True)
    first = jobs.submit_job(small_store, queue, "lm_train", {**LM, "max_steps": 2})
    assert first.status == "succeeded", first.error
    assert (
        first.result is not None and first.result["steps"] == 2 and first.result["resumed_from_step"] is None
    )
    assert (home / "models" / "lm-job" / "config.json").is_file()

    again = jobs.submit_job(small_store, queue, "lm_train", {**LM, "max_steps": 4})
    assert again.status == "failed" and again.error is not None and "already holds checkpoints" in again.error

    # A 4-step run whose worker died after the 2-step checkpoint: recovery queues it again (immediate mode runs
    # it at once) and the second attempt continues from step 2 instead of starting over.
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    cut = js.create_job(small_store, "lm_train", {**LM, "max_steps": 4})
    js.claim_job(small_store, cut.id, f"{socket.gethostname()}:{gone.pid}:dead")
    found = recover(queue)
    assert found.resumed == [cut.id]
    resumed = js.get_job(small_store, cut.id)
    assert resumed.status == "succeeded", resumed.error
    assert resumed.attempts == 2
    assert (
        resumed.result is not None
        and resumed.result["resumed_from_step"] == 2
        and resumed.result["steps"] == 4
    )
