"""Login with an API key (-> session cookie), logout, and the language switch."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from koubei.api.deps import StoreDep
from koubei.web.csrf import check_csrf
from koubei.web.i18n import COOKIE, LANGUAGES, translate
from koubei.web.render import language, render
from koubei.web.session import log_in, log_out, safe_next

router = APIRouter()
LANG_COOKIE_SECONDS = 365 * 24 * 3600


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", next=safe_next(next), error=None, active="login")


@router.post("/login", response_class=HTMLResponse, dependencies=[Depends(check_csrf)])
def login(
    request: Request,
    store: StoreDep,
    key: Annotated[str, Form(max_length=256)] = "",
    next: Annotated[str, Form(max_length=2048)] = "/",
) -> Response:
    if not key.strip():
        error = translate(language(request), "login.empty")
        return render(
            request, "login.html", status_code=422, next=safe_next(next), error=error, active="login"
        )
    if log_in(request, store, key) is None:
        error = translate(language(request), "login.invalid")
        return render(
            request, "login.html", status_code=401, next=safe_next(next), error=error, active="login"
        )
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout", dependencies=[Depends(check_csrf)])
def logout(request: Request) -> Response:
    log_out(request)
    return RedirectResponse("/login", status_code=303)


@router.get("/lang/{code}")
def switch_language(request: Request, code: str, next: str | None = None) -> Response:
    """Remember the chosen language in a cookie and go back (a preference, not state: a GET is fine)."""
    response = RedirectResponse(safe_next(next), status_code=303)
    if code in LANGUAGES:
        response.set_cookie(COOKIE, code, max_age=LANG_COOKIE_SECONDS, samesite="strict", httponly=True)
    return response
