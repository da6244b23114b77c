"""One mapping from errors to HTTP answers: RFC 9457 problem bodies (application/problem+json), never a trace.

- `KoubeiError`: its `http_status` (422 bad input, 404 not found, 409 not fitted, 503 store, 500 otherwise), with
  the error's own message (written for a person: it names the field and what was expected);
- request validation (pydantic): 422, naming each field in `errors: [{"field", "message"}]`;
- `HTTPException` (401/403/404/405/413/429 ...): its status and detail, its headers kept (WWW-Authenticate,
  Retry-After);
- anything else (`LastResort`): 500 with a generic detail; logged server-side by type and route only (an
  exception's message can quote review text or a key).
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from koubei.errors import KoubeiError

PROBLEM_MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("koubei.api")


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem_response(
    status: int,
    title: str | None = None,
    detail: str | None = None,
    *,
    type_: str = "about:blank",
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """An RFC 9457 problem: type, title, status, detail, plus any extension members (e.g. `errors`)."""
    body: dict[str, Any] = {"type": type_, "title": title or _title(status), "status": status}
    if detail is not None:
        body["detail"] = detail
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    """`("body", "texts", 3)` -> `texts[3]`; the location part (body/query/path/header) is named when alone."""
    parts = list(loc)
    if len(parts) > 1 and parts[0] in ("body", "query", "path", "header", "cookie", "form"):
        parts = parts[1:]
    name = ""
    for part in parts:
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            name += ("." if name else "") + str(part)
    return name or "body"


def validation_errors(error: RequestValidationError) -> list[dict[str, str]]:
    found = []
    for item in error.errors():
        message = str(item.get("msg", "invalid value"))
        if item.get("type") == "json_invalid":
            message = "the body is not valid JSON" + (
                f" ({item['ctx']['error']})"
                if isinstance(item.get("ctx"), dict) and "error" in item["ctx"]
                else ""
            )
        found.append({"field": _field(item.get("loc", ())), "message": message})
    return found


async def _koubei_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, KoubeiError)
    status = error.http_status
    if status >= 500:
        log.warning("koubei error %s (%s) answered %d", type(error).__name__, _request.url.path, status)
    return problem_response(status, detail=str(error))


async def _validation_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    errors = validation_errors(error)
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
    return problem_response(422, detail=detail or "the request is not valid", errors=errors)


async def _http_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    detail = error.detail if isinstance(error.detail, str) else _title(error.status_code)
    return problem_response(error.status_code, detail=detail, headers=dict(error.headers or {}))


class LastResort:
    """The outermost layer: any exception nothing else answered becomes a generic 500 problem, logged by type and
    path only (its message and traceback may quote personal data: review text, a user id, a key).

    A middleware rather than an exception handler: Starlette re-raises after calling a handler for `Exception`,
    and uvicorn then logs the full traceback with the message; here the exception ends.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watching_send(message: Any) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watching_send)
        except Exception as error:
            log.error(
                "unexpected %s while answering %s %s", type(error).__name__, scope["method"], scope["path"]
            )
            if not started:
                response = problem_response(
                    500,
                    detail="an unexpected error occurred; it has been logged (the server's log names its type)",
                )
                await response(scope, receive, send)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(KoubeiError, _koubei_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    # Anything else: `LastResort`, added by create_app as the outermost middleware.
