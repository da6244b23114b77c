"""Who is looking at a page: the login session (or an `Authorization: Bearer` key, so scripts can read pages).

A page without a valid principal sends a browser to /login (303, or `HX-Redirect` for an htmx request, which
would otherwise swap the login page into a fragment); a bad Bearer key gets the API's 401. The session holds the
key's id only and `koubei.api.deps.current_principal` re-checks it on every request, so a revoked key's session
ends at its next click. Logging in clears the old session first (no session fixation) and makes a new CSRF token.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from koubei.api.auth import Principal, verify_key
from koubei.api.deps import SESSION_KEY_ID, StoreDep, current_principal
from koubei.store import Store

_bearer = HTTPBearer(auto_error=False)


def safe_next(value: str | None) -> str:
    """A local path to go back to after login (never another site: no scheme, no `//host`, no backslash)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


def login_redirect(request: Request) -> HTTPException:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    target = "/login" if here == "/" else f"/login?next={quote(here, safe='')}"
    if request.headers.get("hx-request") == "true":
        return HTTPException(status_code=401, detail="log in again", headers={"HX-Redirect": target})
    return HTTPException(status_code=303, detail="log in first", headers={"Location": target})


def page_principal(
    request: Request,
    store: StoreDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    try:
        return current_principal(request, store, credentials)
    except HTTPException as error:
        if error.status_code != 401 or credentials is not None:
            raise
        raise login_redirect(request) from None


PagePrincipal = Annotated[Principal, Depends(page_principal)]


def log_in(request: Request, store: Store, key: str) -> Principal | None:
    principal = verify_key(store, key.strip())
    if principal is None:
        return None
    request.session.clear()
    request.session[SESSION_KEY_ID] = principal.key_id
    request.state.principal = principal
    return principal


def log_out(request: Request) -> None:
    request.session.clear()
