"""Background job records in the store (table `jobs`): what was asked, how far it got, what it produced.

The queue (huey, SQLite or Redis) only carries job ids; everything a person looks at lives here, so the API, the
dashboard and the CLI list jobs from one place whatever queue runs them. State changes that two processes may race
for (a worker claiming a queued job, a cancel arriving while it starts) are single conditional UPDATEs, so exactly
one of them wins on SQLite and PostgreSQL alike.

Times are naive UTC (`utcnow()`): the column type has no zone, and a heartbeat is compared across processes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, cast

from sqlalchemy import and_, or_, select, update
from sqlalchemy.engine import CursorResult

from koubei.errors import NotFoundError
from koubei.results import Result, to_jsonable
from koubei.store.db import Store
from koubei.store.models import Job

STATUSES = ("queued", "running", "succeeded", "failed", "cancelled")
TERMINAL = frozenset({"succeeded", "failed", "cancelled"})
KEEP_LINES = 200  # log lines kept per job: the tail a person reads, not a full log


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def iso(value: datetime | None) -> str | None:
    """ISO 8601 with a `Z`: the stored times are UTC."""
    return None if value is None else value.isoformat(timespec="milliseconds") + "Z"


@dataclass
class JobRecord(Result):
    """One job as stored; `worker` names the process that runs (or last ran) it, `log` is the tail of its log."""

    id: str
    kind: str
    status: str
    params: dict[str, Any]
    progress: dict[str, Any]
    log: list[str]
    result: dict[str, Any] | None
    error: str | None
    created_by: str | None
    cancel_requested: bool
    attempts: int
    created_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    heartbeat_at: datetime | None
    worker: str | None = None

    @property
    def done(self) -> bool:
        return self.status in TERMINAL

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            out[name] = iso(value) if isinstance(value, datetime) else to_jsonable(value)
        return out


@dataclass
class JobPage:
    items: list[JobRecord] = field(default_factory=list)
    has_more: bool = False


def _record(row: Job) -> JobRecord:
    log = dict(row.log or {})
    return JobRecord(
        id=row.id,
        kind=row.kind,
        status=row.status,
        params=dict(row.params or {}),
        progress=dict(row.progress or {}),
        log=list(log.get("lines", [])),
        result=None if row.result is None else dict(row.result),
        error=row.error,
        created_by=row.created_by,
        cancel_requested=bool(row.cancel_requested),
        attempts=int(row.attempts or 0),
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        heartbeat_at=row.heartbeat_at,
        worker=log.get("worker"),
    )


def _changed(result: Any) -> int:
    """Rows an UPDATE changed (what makes a conditional UPDATE a compare-and-set)."""
    return int(cast(CursorResult[Any], result).rowcount)


def _line(text: str, now: datetime) -> str:
    return f"{now.strftime('%H:%M:%S')} {text}"


def _append(row: Job, lines: list[str], now: datetime, worker: str | None = None) -> None:
    log = dict(row.log or {})
    kept = [*log.get("lines", []), *(_line(t, now) for t in lines)][-KEEP_LINES:]
    log["lines"] = kept
    if worker is not None:
        log["worker"] = worker
    row.log = log  # a new object: SQLAlchemy's JSON type only sees assignments


def create_job(store: Store, kind: str, params: dict[str, Any], created_by: str | None = None) -> JobRecord:
    """A new queued job (its id is a fresh uuid4)."""
    now = utcnow()
    row = Job(
        id=str(uuid.uuid4()),
        kind=kind,
        status="queued",
        params=params,
        progress={},
        log={"lines": [_line(f"queued by {created_by or 'an unnamed caller'}", now)]},
        created_by=created_by,
        cancel_requested=0,
        attempts=0,
        created_at=now,
    )
    with store.session() as s:
        s.add(row)
        s.flush()
        return _record(row)


def get_job(store: Store, job_id: str) -> JobRecord:
    with store.session() as s:
        row = s.get(Job, job_id)
        if row is None:
            raise NotFoundError(f"job {job_id!r} does not exist")
        return _record(row)


def list_jobs(
    store: Store,
    *,
    status: str | None = None,
    kind: str | None = None,
    limit: int = 50,
    after: tuple[datetime, str] | None = None,
) -> JobPage:
    """Newest first (created_at, then id); `after` is the (created_at, id) of the last job of the previous page."""
    query = select(Job)
    if status is not None:
        query = query.where(Job.status == status)
    if kind is not None:
        query = query.where(Job.kind == kind)
    if after is not None:
        at, last_id = after
        query = query.where(or_(Job.created_at < at, and_(Job.created_at == at, Job.id < last_id)))
    query = query.order_by(Job.created_at.desc(), Job.id.desc()).limit(limit + 1)
    with store.session() as s:
        rows = list(s.scalars(query))
    return JobPage([_record(r) for r in rows[:limit]], len(rows) > limit)


def claim_job(store: Store, job_id: str, worker: str) -> JobRecord | None:
    """queued -> running for `worker`, unless another worker claimed it first or it was cancelled (then None)."""
    now = utcnow()
    with store.session() as s:
        claimed = _changed(
            s.execute(
                update(Job)
                .where(Job.id == job_id, Job.status == "queued", Job.cancel_requested == 0)
                .values(
                    status="running",
                    started_at=now,
                    heartbeat_at=now,
                    finished_at=None,
                    attempts=Job.attempts + 1,
                )
            )
        )
        if not claimed:
            return None
        row = s.get(Job, job_id)
        assert row is not None
        _append(row, [f"started (attempt {row.attempts}) on {worker}"], now, worker=worker)
        s.flush()
        return _record(row)


def record_progress(store: Store, job_id: str, progress: dict[str, Any] | None, lines: list[str]) -> bool:
    """Write a running job's progress and new log lines and beat its heart; returns whether a cancel was asked."""
    now = utcnow()
    with store.session() as s:
        row = s.get(Job, job_id)
        if row is None or row.status != "running":
            return False
        if progress is not None:
            row.progress = progress
        if lines:
            _append(row, lines, now)
        row.heartbeat_at = now
        return bool(row.cancel_requested)


def heartbeat(store: Store, job_id: str) -> bool:
    """A running job is alive; returns whether a cancel was asked (one UPDATE and one read, no JSON rewrite)."""
    with store.session() as s:
        s.execute(update(Job).where(Job.id == job_id, Job.status == "running").values(heartbeat_at=utcnow()))
        flag = s.scalar(select(Job.cancel_requested).where(Job.id == job_id))
    return bool(flag)


def finish_job(
    store: Store,
    job_id: str,
    status: str,
    *,
    result: dict[str, Any] | None = None,
    error: str | None = None,
    line: str | None = None,
    progress: dict[str, Any] | None = None,
) -> JobRecord:
    """A running job ends as succeeded, failed or cancelled (a job already ended is left as it was)."""
    assert status in TERMINAL, status
    now = utcnow()
    with store.session() as s:
        row = s.get(Job, job_id)
        if row is None:
            raise NotFoundError(f"job {job_id!r} does not exist")
        if row.status not in TERMINAL:
            row.status = status
            row.result = result
            row.error = error
            row.finished_at = now
            row.heartbeat_at = now
            if progress is not None:
                row.progress = progress
            if line:
                _append(row, [line], now)
        s.flush()
        return _record(row)


def request_cancel(store: Store, job_id: str) -> JobRecord:
    """A queued job is cancelled at once (its queue message is dropped when a worker meets it); a running job gets
    `cancel_requested` and stops at its next progress report. A finished job is returned unchanged."""
    now = utcnow()
    with store.session() as s:
        dropped = _changed(
            s.execute(
                update(Job)
                .where(Job.id == job_id, Job.status == "queued")
                .values(status="cancelled", cancel_requested=1, finished_at=now)
            )
        )
        if not dropped:
            s.execute(update(Job).where(Job.id == job_id, Job.status == "running").values(cancel_requested=1))
        row = s.get(Job, job_id)
        if row is None:
            raise NotFoundError(f"job {job_id!r} does not exist")
        s.refresh(row)
        if dropped:
            _append(row, ["cancelled before it started"], now)
        elif row.status == "running":
            _append(row, ["cancel requested; the job stops at its next progress report"], now)
        s.flush()
        return _record(row)


def running_jobs(store: Store) -> list[JobRecord]:
    with store.session() as s:
        return [_record(r) for r in s.scalars(select(Job).where(Job.status == "running").order_by(Job.id))]


def queued_jobs(store: Store) -> list[JobRecord]:
    with store.session() as s:
        rows = s.scalars(select(Job).where(Job.status == "queued").order_by(Job.created_at, Job.id))
        return [_record(r) for r in rows]


def requeue_job(store: Store, job_id: str, line: str) -> bool:
    """running -> queued again (a resumable job whose worker died); False when it was no longer running."""
    now = utcnow()
    with store.session() as s:
        moved = _changed(
            s.execute(
                update(Job)
                .where(Job.id == job_id, Job.status == "running")
                .values(status="queued", heartbeat_at=None)
            )
        )
        if moved:
            row = s.get(Job, job_id)
            assert row is not None
            s.refresh(row)
            _append(row, [line], now)
        return bool(moved)
