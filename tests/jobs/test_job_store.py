"""The job records in the store (koubei.store.jobs), on SQLite and PostgreSQL: claim, cancel, listing, log tail."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from koubei.errors import NotFoundError
from koubei.store import jobs as js
from koubei.store.models import Job


def test_create_and_get_round_trip(store: Any) -> None:
    made = js.create_job(store, "sentiment_score", {"batch_size": 7}, "alice")
    got = js.get_job(store, made.id)
    assert (got.kind, got.status, got.params, got.created_by, got.attempts) == (
        "sentiment_score",
        "queued",
        {"batch_size": 7},
        "alice",
        0,
    )
    assert got.log[-1].endswith("queued by alice")
    body = got.to_dict()
    assert body["created_at"].endswith("Z") and body["started_at"] is None
    with pytest.raises(NotFoundError, match="does not exist"):
        js.get_job(store, "00000000-0000-0000-0000-000000000000")


def test_claim_has_one_winner_and_skips_cancelled_jobs(store: Any) -> None:
    job = js.create_job(store, "aspects", {})
    first = js.claim_job(store, job.id, "host:1:a")
    assert (
        first is not None and first.status == "running" and first.attempts == 1 and first.worker == "host:1:a"
    )
    assert js.claim_job(store, job.id, "host:2:b") is None  # already running
    other = js.create_job(store, "aspects", {})
    assert js.request_cancel(store, other.id).status == "cancelled"
    assert js.claim_job(store, other.id, "host:1:a") is None  # a cancelled job's message is dropped
    assert js.get_job(store, other.id).started_at is None


def test_cancel_of_a_running_job_is_a_request_seen_by_progress_writes(store: Any) -> None:
    job = js.create_job(store, "aspects", {})
    js.claim_job(store, job.id, "w")
    assert js.record_progress(store, job.id, {"done": 1}, ["one"]) is False
    asked = js.request_cancel(store, job.id)
    assert asked.status == "running" and asked.cancel_requested
    assert js.record_progress(store, job.id, {"done": 2}, []) is True
    assert js.heartbeat(store, job.id) is True
    done = js.finish_job(store, job.id, "cancelled", line="stopped")
    assert done.status == "cancelled" and done.finished_at is not None
    # A finished job stays as it ended.
    assert js.finish_job(store, job.id, "succeeded").status == "cancelled"
    assert js.request_cancel(store, job.id).status == "cancelled"


def test_log_keeps_only_the_tail(store: Any) -> None:
    job = js.create_job(store, "aspects", {})
    js.claim_job(store, job.id, "w")
    js.record_progress(store, job.id, None, [f"line {i}" for i in range(js.KEEP_LINES + 50)])
    log = js.get_job(store, job.id).log
    assert len(log) == js.KEEP_LINES
    assert log[-1].endswith(f"line {js.KEEP_LINES + 49}")


def test_list_is_newest_first_with_keyset_pages_and_filters(store: Any) -> None:
    made = [js.create_job(store, "aspects" if i % 2 else "wom_seeds", {"i": i}) for i in range(7)]
    # Same created_at for two jobs: the id breaks the tie, so no job is skipped or repeated across pages.
    base = made[0].created_at
    assert base is not None
    with store.session() as s:
        for i, job in enumerate(made):
            at = base + timedelta(seconds=i // 2)
            s.execute(update(Job).where(Job.id == job.id).values(created_at=at))
    seen: list[str] = []
    after = None
    while True:
        page = js.list_jobs(store, limit=3, after=after)
        seen += [j.id for j in page.items]
        if not page.has_more:
            break
        last = page.items[-1]
        assert last.created_at is not None
        after = (last.created_at, last.id)
    expected = sorted(made, key=lambda j: (base + timedelta(seconds=made.index(j) // 2), j.id), reverse=True)
    assert seen == [j.id for j in expected]
    assert {j.params["i"] for j in js.list_jobs(store, kind="aspects").items} == {1, 3, 5}
    js.request_cancel(store, made[2].id)
    assert [j.id for j in js.list_jobs(store, status="cancelled").items] == [made[2].id]


def test_requeue_moves_only_running_jobs(store: Any) -> None:
    job = js.create_job(store, "sentiment_score", {})
    assert js.requeue_job(store, job.id, "x") is False
    js.claim_job(store, job.id, "w")
    assert js.requeue_job(store, job.id, "interrupted; queued again") is True
    again = js.get_job(store, job.id)
    assert again.status == "queued" and again.attempts == 1 and again.log[-1].endswith("queued again")
    assert js.claim_job(store, job.id, "w2") is not None
    assert js.get_job(store, job.id).attempts == 2
