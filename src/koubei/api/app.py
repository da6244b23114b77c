"""The FastAPI application of `koubei serve`: API routers, the dashboard, and the protective middleware.

`create_app(settings, store=...)` builds it. Every router module named in `koubei.api.routes.ROUTER_MODULES` is
included (each defines `router` with its own paths); the dashboard (`koubei.web.routes.router`, static files at
/static) is mounted when that package is installed. `app.state.on_startup` / `app.state.on_shutdown` are lists of
callables the lifespan runs (the job worker adds itself there); nothing heavy runs at start: models load lazily.

Middleware, outermost first: the access log, security headers, the last-resort 500, the body size limit, CORS
(only when KOUBEI_CORS_ORIGINS names origins), the dashboard session, the per-key rate limit.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.staticfiles import StaticFiles

from koubei import __version__
from koubei.api.docs import install_docs
from koubei.api.errors import LastResort, install_error_handlers
from koubei.api.routes import ROUTER_MODULES
from koubei.api.security import AccessLog, BodySizeLimit, RateLimit, SecurityHeaders, session_secret
from koubei.config import Settings, get_settings
from koubei.jobs.app import attach as attach_jobs
from koubei.store import Store

SESSION_COOKIE = "koubei_session"
SESSION_MAX_AGE = 8 * 3600  # a working day; the key behind a session is re-checked on every request anyway
log = logging.getLogger("koubei.api")

DESCRIPTION = (
    "koubei's HTTP API: reviews with sentiment and aspects, product aggregates, scoring, word of mouth, "
    "customer service and copy. Send an API key as `Authorization: Bearer KEY` "
    "(`koubei serve keys create --name N --scope read|admin`)."
)


async def _call_all(hooks: list[Callable[..., Any]], app: FastAPI) -> None:
    for hook in hooks:
        takes_app = len(inspect.signature(hook).parameters) > 0
        outcome = hook(app) if takes_app else hook()
        if inspect.isawaitable(outcome):
            await outcome


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    await _call_all(list(app.state.on_startup), app)
    try:
        yield
    finally:
        try:
            await _call_all(list(reversed(app.state.on_shutdown)), app)
        finally:
            if app.state.owns_store:
                app.state.store.close()


def _mount_web(app: FastAPI) -> None:
    """The dashboard's pages and static files, when the web package is there (it is optional for the API)."""
    spec = importlib.util.find_spec("koubei.web")
    if spec is None or not spec.submodule_search_locations:
        return
    try:
        web_routes = importlib.import_module("koubei.web.routes")
    except ModuleNotFoundError as error:
        if error.name != "koubei.web.routes":
            raise  # the dashboard is there but something it imports is not: a bug to see, not to hide
    else:
        app.include_router(web_routes.router)
    static = Path(next(iter(spec.submodule_search_locations))) / "static"
    if static.is_dir():
        app.mount("/static", StaticFiles(directory=static), name="static")


def create_app(settings: Settings | None = None, *, store: Store | None = None) -> FastAPI:
    """The app on `store` (default: opened once from `settings.database_url`, closed at shutdown)."""
    settings = settings or get_settings()
    app = FastAPI(
        title="koubei",
        version=__version__,
        description=DESCRIPTION,
        lifespan=_lifespan,
        openapi_url="/openapi.json",
        docs_url=None,  # koubei.api.docs serves /docs from the package (FastAPI's loads a CDN)
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.owns_store = store is None
    app.state.store = store if store is not None else Store.open(settings.database_url)
    app.state.on_startup = []
    app.state.on_shutdown = []
    # app.state.job_queue, and the in-process job worker unless KOUBEI_JOB_WORKERS=0
    attach_jobs(app, settings)

    install_error_handlers(app)
    install_docs(app)
    for name in ROUTER_MODULES:
        module = importlib.import_module(f"koubei.api.routes.{name}")
        app.include_router(module.router)
    _mount_web(app)

    # add_middleware puts each new one outside the previous: added innermost first.
    app.add_middleware(RateLimit, rate=settings.rate_limit)
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_secret(settings),
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE,
        same_site="strict",
        https_only=settings.https_only,
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
        )
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(LastResort)  # inside the headers layer, so a 500 carries them too
    app.add_middleware(SecurityHeaders)
    app.add_middleware(AccessLog)
    return app
