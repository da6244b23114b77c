"""Background jobs: submit (admin), list, look up, cancel (admin), and follow one live by server-sent events.

A submission's params are checked against the kind's model before anything is queued: a bad one is a 422 naming
`params.<field>`. `GET /api/v1/jobs/kinds` lists the kinds with their params' JSON schema (for forms).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from koubei.api.deps import AdminPrincipal, ReadPrincipal, StoreDep
from koubei.api.errors import problem_response
from koubei.jobs.queue import JobQueue
from koubei.pipelines import jobs
from koubei.store import Store

router = APIRouter(prefix="/api/v1/jobs", tags=["jobs"])

STREAM_SECONDS = 3600.0  # one events stream at most; EventSource reconnects by itself after it ends
POLL_SECONDS = 0.5
KEEPALIVE_SECONDS = 15.0

JobId = Annotated[
    str,
    PathParam(
        pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
        description="the job's id (a uuid)",
    ),
]
Status = Literal["queued", "running", "succeeded", "failed", "cancelled"]


def get_job_queue(request: Request) -> JobQueue:
    queue: JobQueue | None = getattr(request.app.state, "job_queue", None)
    if queue is None:
        raise HTTPException(status_code=503, detail="this server has no job queue")
    return queue


QueueDep = Annotated[JobQueue, Depends(get_job_queue)]


class NewJob(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str = Field(min_length=1, max_length=64, description="a job kind (see GET /api/v1/jobs/kinds)")
    params: dict[str, Any] = Field(default_factory=dict, description="the kind's parameters")


@router.post("", status_code=202, summary="Submit a job; 202 with the job (queued)")
def submit(body: NewJob, store: StoreDep, queue: QueueDep, principal: AdminPrincipal) -> Any:
    try:
        job = jobs.submit_job(store, queue, body.kind, body.params, created_by=principal.name)
    except jobs.JobParamsError as error:
        return problem_response(422, detail=str(error), errors=error.errors)
    return JSONResponse(job.to_dict(), status_code=202)


@router.get("", summary="Jobs, newest first (keyset pagination: pass next_cursor back as cursor)")
def list_all(
    store: StoreDep,
    _principal: ReadPrincipal,
    status: Status | None = None,
    kind: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=jobs.MAX_LIMIT)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> dict[str, Any]:
    return jobs.list_jobs(store, status=status, kind=kind, limit=limit, cursor=cursor).to_dict()


@router.get("/kinds", summary="The job kinds, what a restart does to each, and their params' JSON schema")
def kinds(_principal: ReadPrincipal) -> dict[str, Any]:
    return jobs.job_kinds().to_dict()


@router.get("/{job_id}", summary="A job: status, progress, log tail, result or error")
def get(job_id: JobId, store: StoreDep, _principal: ReadPrincipal) -> dict[str, Any]:
    return jobs.get_job(store, job_id).to_dict()


@router.post(
    "/{job_id}/cancel", summary="Cancel a queued job, or ask a running one to stop at its next report"
)
def cancel(job_id: JobId, store: StoreDep, _principal: AdminPrincipal) -> dict[str, Any]:
    return jobs.cancel_job(store, job_id).to_dict()


async def _sse(store: Store, job_id: str) -> AsyncIterator[str]:
    yield f"retry: {int(POLL_SECONDS * 4000)}\n\n"
    async for job in jobs.watch_job_async(
        store, job_id, interval=POLL_SECONDS, timeout=STREAM_SECONDS, keepalive=KEEPALIVE_SECONDS
    ):
        if job is None:
            yield ": keep-alive\n\n"
            continue
        event = "done" if job.done else "progress"
        yield f"event: {event}\ndata: {json.dumps(job.to_dict(), ensure_ascii=False)}\n\n"


@router.get(
    "/{job_id}/events",
    summary="Server-sent events: `progress` each time the job changes, then one `done` with the final job",
    response_class=StreamingResponse,
)
def events(job_id: JobId, store: StoreDep, _principal: ReadPrincipal) -> StreamingResponse:
    jobs.get_job(store, job_id)  # an unknown id is a 404 before the stream starts
    return StreamingResponse(
        _sse(store, job_id),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
