"""The Redis backend against the real server at 127.0.0.1:6379: chosen by KOUBEI_REDIS_URL, isolated by queue
name, its keys gone after a flush; an unreachable or malformed Redis is said plainly and leaves no job queued."""

from __future__ import annotations

from typing import Any

import pytest
import redis

from koubei.config import get_settings
from koubei.errors import BadInputError
from koubei.jobs.queue import JobQueue, QueueError
from koubei.pipelines import jobs
from koubei.store import jobs as js
from tests.jobs.conftest import REDIS_URL, redis_settings


def test_koubei_redis_url_selects_redis(
    store: Any, redis_queues: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KOUBEI_REDIS_URL", REDIS_URL)
    monkeypatch.setenv("KOUBEI_JOBS_QUEUE", "koubei-test-env-selects")
    get_settings.cache_clear()
    queue = redis_queues(store, get_settings())
    assert queue.backend == "redis"
    job = jobs.submit_job(store, queue, "aspects", {})
    assert queue.pending_ids() == {job.id}


def test_queues_of_different_names_are_apart_and_flush_leaves_no_keys(store: Any, redis_queues: Any) -> None:
    a, b = redis_queues(store, redis_settings()), redis_queues(store, redis_settings())
    job = jobs.submit_job(store, a, "aspects", {})
    assert a.pending_ids() == {job.id} and b.pending_ids() == set()
    client = redis.Redis.from_url(REDIS_URL)
    name = a.huey.storage.name  # huey's cleaned spelling of the queue name, inside every key of the queue
    assert client.exists(a.huey.storage.queue_key)
    a.huey.flush()
    assert not [key for key in client.keys("*") if name.encode() in key]


def test_an_unreachable_redis_fails_the_submission_plainly(store: Any) -> None:
    queue = JobQueue.open(store, redis_settings(redis_url="redis://127.0.0.1:1/0"))
    with pytest.raises(QueueError, match=r"the job queue \(redis\) refused job") as caught:
        jobs.submit_job(store, queue, "aspects", {})
    assert caught.value.http_status == 503
    failed = js.list_jobs(store).items
    assert [j.status for j in failed] == [
        "failed"
    ]  # stored, then failed with the reason: nothing left queued
    assert failed[0].error is not None and failed[0].error.startswith("the job queue did not take it")


def test_a_malformed_redis_url_names_the_setting(store: Any) -> None:
    with pytest.raises(BadInputError, match="KOUBEI_REDIS_URL='http://x' is not a Redis URL"):
        JobQueue.open(store, redis_settings(redis_url="http://x"))
