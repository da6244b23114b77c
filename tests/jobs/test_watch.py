"""`watch_job` and its async twin (the SSE route's source): a yield per visible change, keep-alives when quiet,
the end at a terminal state."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

from koubei.pipelines import jobs
from koubei.store import jobs as js


def _script(store: Any, job_id: str) -> threading.Thread:
    """In the background: progress 1, a quiet spell, progress 2, then success."""

    def run() -> None:
        js.claim_job(store, job_id, "w")
        js.record_progress(store, job_id, {"done": 1}, [])
        time.sleep(0.6)  # quiet: keep-alives
        js.record_progress(store, job_id, {"done": 2}, [])
        time.sleep(0.1)
        js.finish_job(store, job_id, "succeeded", result={"ok": True})

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _shape(seen: list[Any]) -> list[Any]:
    """Consecutive duplicates collapsed: how many polls land in a state depends on timing, the order does not."""
    out: list[Any] = []
    for item in seen:
        value = None if item is None else (item.status, item.progress.get("done"))
        if not out or out[-1] != value:
            out.append(value)
    return out


def test_watch_yields_changes_keepalives_and_the_end(store: Any) -> None:
    job = js.create_job(store, "aspects", {})
    thread = _script(store, job.id)
    seen = list(jobs.watch_job(store, job.id, interval=0.02, keepalive=0.2, timeout=30))
    thread.join()
    shape = _shape(seen)
    assert shape[-1] == ("succeeded", 2)
    assert ("running", 1) in shape and ("running", 2) in shape
    assert shape.index(("running", 1)) < shape.index(None) < shape.index(("running", 2))
    assert seen[-1] is not None and seen[-1].done


def test_async_watch_matches(store: Any) -> None:
    job = js.create_job(store, "aspects", {})
    thread = _script(store, job.id)

    async def collect() -> list[Any]:
        return [
            j async for j in jobs.watch_job_async(store, job.id, interval=0.02, keepalive=0.2, timeout=30)
        ]

    seen = asyncio.run(collect())
    thread.join()
    shape = _shape(seen)
    assert shape.index(("running", 1)) < shape.index(None) < shape.index(("running", 2))
    assert seen[-1] is not None and seen[-1].status == "succeeded" and seen[-1].result == {"ok": True}


def test_watch_stops_at_its_timeout(store: Any) -> None:
    job = js.create_job(store, "aspects", {})
    started = time.monotonic()
    seen = list(jobs.watch_job(store, job.id, interval=0.05, timeout=0.3))
    assert 0.3 <= time.monotonic() - started < 5
    assert [j.status for j in seen] == ["queued"]
