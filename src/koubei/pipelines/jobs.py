"""Background-job use cases: submit, look up, list, cancel, watch and recover jobs. The API routes, the dashboard
and `koubei worker` call these; the queue and the workers live in `koubei.jobs`.

A submission is checked completely before anything is stored or queued (the kind, then its params against the
kind's model), so a bad parameter is an error naming the field and no job exists for it. Listing is newest first
with an opaque keyset cursor; `watch` yields a job each time something visible about it changed, until it ends.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from koubei.errors import BadInputError, KoubeiError
from koubei.jobs.kinds import KINDS, JobParamsError, get_kind, validate_params
from koubei.jobs.queue import JobQueue
from koubei.jobs.recovery import Recovery, recover
from koubei.results import Result
from koubei.store import Store
from koubei.store import jobs as job_store
from koubei.store.jobs import STATUSES, JobRecord

MAX_LIMIT = 200

__all__ = [
    "JobList",
    "JobParamsError",
    "JobRecord",
    "JobStateError",
    "KindInfo",
    "KindList",
    "cancel_job",
    "get_job",
    "job_kinds",
    "list_jobs",
    "recover_jobs",
    "submit_job",
    "watch_job",
    "watch_job_async",
]


class JobStateError(BadInputError):
    """The job is not in a state that allows this (e.g. cancelling a finished job). HTTP 409."""

    http_status = 409


@dataclass
class JobList(Result):
    items: list[JobRecord] = field(default_factory=list)
    next_cursor: str | None = None


@dataclass
class KindInfo(Result):
    kind: str
    description: str
    resumable: bool
    params: dict[str, Any]  # the params' JSON schema


@dataclass
class KindList(Result):
    kinds: list[KindInfo]


def job_kinds() -> KindList:
    """Every job kind with its description, whether a restart resumes it, and its params' JSON schema."""
    return KindList(
        [
            KindInfo(k.name, k.description, k.resumable, k.params.model_json_schema())
            for k in sorted(KINDS.values(), key=lambda k: k.name)
        ]
    )


def submit_job(
    store: Store, queue: JobQueue, kind: str, params: dict[str, Any] | None, created_by: str | None = None
) -> JobRecord:
    """Validate, store as `queued`, send to the queue; returns the job (in immediate mode: already finished)."""
    if not isinstance(params, dict) and params is not None:
        raise JobParamsError(
            "params must be a JSON object", [{"field": "params", "message": "expected a JSON object"}]
        )
    checked = validate_params(kind, params)
    record = job_store.create_job(store, kind, checked.model_dump(mode="json"), created_by)
    try:
        queue.enqueue(record.id)
    except KoubeiError as error:
        reason = f"the job queue did not take it: {error}"
        job_store.finish_job(store, record.id, "failed", error=reason, line=reason)
        raise
    return job_store.get_job(store, record.id)


def get_job(store: Store, job_id: str) -> JobRecord:
    return job_store.get_job(store, job_id)


def _encode_cursor(job: JobRecord) -> str:
    assert job.created_at is not None
    raw = f"{job.created_at.isoformat()}|{job.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, job_id = raw.split("|", 1)
        return datetime.fromisoformat(at), job_id
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadInputError(
            f"cursor {cursor[:40]!r} is not a cursor of this list; pass the next_cursor of the previous page"
        ) from None


def list_jobs(
    store: Store,
    *,
    status: str | None = None,
    kind: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> JobList:
    """Jobs newest first, optionally of one status and/or kind; `cursor` is the previous page's `next_cursor`."""
    if status is not None and status not in STATUSES:
        raise BadInputError(f"status {status!r} is not a job status; choose one of {', '.join(STATUSES)}")
    if kind is not None:
        get_kind(kind)
    if not 1 <= limit <= MAX_LIMIT:
        raise BadInputError(f"limit must be between 1 and {MAX_LIMIT}, got {limit}")
    after = _decode_cursor(cursor) if cursor else None
    page = job_store.list_jobs(store, status=status, kind=kind, limit=limit, after=after)
    next_cursor = _encode_cursor(page.items[-1]) if page.has_more and page.items else None
    return JobList(page.items, next_cursor)


def cancel_job(store: Store, job_id: str) -> JobRecord:
    """Cancel a queued job now, or ask a running one to stop at its next progress report; a finished job is a
    `JobStateError` (409)."""
    job = job_store.get_job(store, job_id)
    if job.done:
        raise JobStateError(f"job {job_id} has already {job.status}; there is nothing to cancel")
    return job_store.request_cancel(store, job_id)


def _visible(job: JobRecord) -> tuple[Any, ...]:
    return (job.status, job.progress.get("done"), job.progress.get("note"), job.progress.get("phases"), len(job.log),
            job.log[-1:] if job.log else None)  # fmt: skip


def watch_job(
    store: Store,
    job_id: str,
    *,
    interval: float = 0.5,
    timeout: float | None = None,
    keepalive: float | None = None,
) -> Iterator[JobRecord | None]:
    """The job now, then again each time its status, progress or log changed (polled every `interval` s), until it
    ends (the last one yielded is terminal) or `timeout` seconds pass. With `keepalive`, None is yielded after that
    many seconds without a change (a stream writes a comment so proxies keep it open)."""
    job = job_store.get_job(store, job_id)
    yield job
    seen = _visible(job)
    deadline = None if timeout is None else time.monotonic() + timeout
    quiet_since = time.monotonic()
    while not job.done and (deadline is None or time.monotonic() < deadline):
        time.sleep(interval)
        job = job_store.get_job(store, job_id)
        if _visible(job) != seen:
            seen = _visible(job)
            quiet_since = time.monotonic()
            yield job
        elif keepalive is not None and time.monotonic() - quiet_since >= keepalive:
            quiet_since = time.monotonic()
            yield None


async def watch_job_async(
    store: Store,
    job_id: str,
    *,
    interval: float = 0.5,
    timeout: float | None = None,
    keepalive: float | None = None,
) -> AsyncIterator[JobRecord | None]:
    """`watch_job` for an event loop: sleeps without holding a thread, reads the store in a worker thread. A
    server-sent events stream uses this, so open streams cost no thread each while they wait."""
    job = await asyncio.to_thread(job_store.get_job, store, job_id)
    yield job
    seen = _visible(job)
    deadline = None if timeout is None else time.monotonic() + timeout
    quiet_since = time.monotonic()
    while not job.done and (deadline is None or time.monotonic() < deadline):
        await asyncio.sleep(interval)
        job = await asyncio.to_thread(job_store.get_job, store, job_id)
        if _visible(job) != seen:
            seen = _visible(job)
            quiet_since = time.monotonic()
            yield job
        elif keepalive is not None and time.monotonic() - quiet_since >= keepalive:
            quiet_since = time.monotonic()
            yield None


def recover_jobs(queue: JobQueue) -> Recovery:
    """One recovery pass now (what every worker start does): cut-off jobs resumed or failed with the reason."""
    return recover(queue)
