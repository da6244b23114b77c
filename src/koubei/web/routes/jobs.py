"""`/jobs`: data and jobs. Upload a file (ingested with the quarantine report shown), start a training or scoring
job on the app's queue, watch jobs' progress live (the list re-polls itself with htmx while any job is
unfinished), and read the model cards (data, metrics, config). Uploads and jobs write: admin keys only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from koubei.api.deps import StoreDep
from koubei.errors import KoubeiError
from koubei.ingest.loader import KINDS as UPLOAD_KINDS
from koubei.pipelines import jobs
from koubei.pipelines.model_cards import model_cards
from koubei.pipelines.uploads import ingest_upload
from koubei.web.csrf import check_csrf
from koubei.web.i18n import translate
from koubei.web.render import language, render, render_error
from koubei.web.session import PagePrincipal

router = APIRouter()
STARTABLE = ("sentiment_train", "sentiment_score", "aspects", "service_index", "lm_train")
LISTED = 15


def _job_list(store: StoreDep) -> list[jobs.JobRecord]:
    return jobs.list_jobs(store, limit=LISTED).items


@router.get("/jobs", response_class=HTMLResponse)
def jobs_page(request: Request, store: StoreDep, _principal: PagePrincipal) -> Response:
    return render(
        request,
        "jobs.html",
        jobs=_job_list(store),
        cards=model_cards(store).cards,
        upload_kinds=list(UPLOAD_KINDS),
        startable=[k for k in jobs.job_kinds().kinds if k.kind in STARTABLE],
        queue=getattr(request.app.state, "job_queue", None) is not None,
        active="jobs",
    )


@router.get("/jobs/list", response_class=HTMLResponse)
def jobs_list(request: Request, store: StoreDep, _principal: PagePrincipal) -> Response:
    return render(request, "partials/job_list.html", jobs=_job_list(store))


@router.post("/jobs/start", response_class=HTMLResponse, dependencies=[Depends(check_csrf)])
def jobs_start(
    request: Request,
    store: StoreDep,
    principal: PagePrincipal,
    kind: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    if not principal.is_admin:
        return render_error(request, 403, translate(language(request), "error.admin"), partial=True)
    queue = getattr(request.app.state, "job_queue", None)
    if queue is None:
        return render_error(request, 503, translate(language(request), "jobs.no_queue"), partial=True)
    if kind not in STARTABLE:
        return render_error(
            request, 422, f"kind={kind!r} is not valid; expected one of {', '.join(STARTABLE)}", partial=True
        )
    try:
        jobs.submit_job(store, queue, kind, {}, created_by=principal.name)
    except KoubeiError as error:
        return render_error(request, error.http_status, str(error), partial=True)
    return render(request, "partials/job_list.html", jobs=_job_list(store))


@router.post("/jobs/upload", response_class=HTMLResponse, dependencies=[Depends(check_csrf)])
def jobs_upload(
    request: Request,
    store: StoreDep,
    principal: PagePrincipal,
    kind: Annotated[str, Form(max_length=32)],
    file: Annotated[UploadFile, File()],
) -> Response:
    if not principal.is_admin:
        return render_error(request, 403, translate(language(request), "error.admin"), partial=True)
    try:
        report = ingest_upload(store, kind, file.filename, file.file)
    except KoubeiError as error:
        return render_error(request, error.http_status, str(error), partial=True)
    return render(request, "partials/upload_report.html", report=report)
