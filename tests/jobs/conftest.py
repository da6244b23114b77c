"""Fixtures of the job tests: the API fixtures (tests/api/conftest.py), a store with a few hundred bundled
reviews on SQLite and PostgreSQL, and the three queues: immediate, SQLite with real consumer threads, and Redis
against the real server (a unique queue name per test, its keys deleted afterwards).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import admin_key, api_store, client, make_api_store, read_key

__all__ = ["admin_key", "api_store", "client", "make_api_store", "read_key"]

REDIS_URL = "redis://127.0.0.1:6379/15"
CORPUS_PER_LABEL = 150  # 300 labelled reviews: enough for a real sentiment model, trained in a few seconds


def fill_reviews(store: Any, per_label: int = CORPUS_PER_LABEL) -> None:
    from koubei.ingest.bundled import load_corpus
    from koubei.pipelines.ingest import store_loaded

    store_loaded(store, load_corpus(limit_per_label=per_label), None, time.perf_counter())


@pytest.fixture
def review_store(store: Any) -> Any:
    """The `store` fixture (SQLite, and PostgreSQL when reachable) with 300 bundled reviews."""
    fill_reviews(store)
    return store


def _redis_problem() -> str | None:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as error:
        return f"no Redis server at {REDIS_URL}: {error}".splitlines()[0]
    return None


def redis_settings(**overrides: Any) -> Any:
    from koubei.config import get_settings

    return get_settings().model_copy(
        update={"redis_url": REDIS_URL, "jobs_queue": f"koubei-test-{uuid.uuid4().hex[:12]}", **overrides}
    )


@pytest.fixture
def redis_queues() -> Iterator[Callable[[Any], Any]]:
    """Opens Redis queues on a store (skips without a server); flushes their keys at the end."""
    problem = _redis_problem()
    if problem:
        pytest.skip(problem)
    from koubei.jobs.queue import JobQueue

    opened: list[Any] = []

    def make(store: Any, settings: Any = None) -> Any:
        queue = JobQueue.open(store, settings or redis_settings())
        opened.append(queue)
        return queue

    yield make
    for queue in opened:
        queue.huey.flush()
        queue.close()


def wait_for(predicate: Callable[[], Any], timeout: float = 60.0, every: float = 0.05) -> Any:
    """Poll until `predicate()` is truthy (returns it) or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"condition not met within {timeout} s")


@pytest.fixture
def home(isolated_home: Path) -> Path:
    return isolated_home
