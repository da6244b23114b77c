"""CSRF protection of the dashboard's forms: a random token bound to the session, checked on every POST.

The token lives in the signed session cookie (SameSite strict already stops most cross-site posts; the token also
covers browsers and proxies that ignore SameSite). Forms carry it as the `csrf_token` field; htmx requests carry
it as the `X-CSRF-Token` header (set once on <body> with `hx-headers`). Requests authenticated with an
`Authorization: Bearer` key are not cookie-authenticated, so a forged cross-site request cannot carry them, and
they need no token.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import HTTPException, Request

SESSION_KEY = "csrf"
HEADER = "X-CSRF-Token"
FIELD = "csrf_token"


def csrf_token(request: Request) -> str:
    """This session's token (made on first use)."""
    token = request.session.get(SESSION_KEY)
    if not isinstance(token, str) or len(token) < 32:
        token = secrets.token_urlsafe(32)
        request.session[SESSION_KEY] = token
    return token


def uses_bearer(request: Request) -> bool:
    return request.headers.get("authorization", "").lower().startswith("bearer ")


async def check_csrf(request: Request) -> None:
    """Refuse (403) a cookie-authenticated POST whose token is missing or is not this session's."""
    if request.method in ("GET", "HEAD", "OPTIONS") or uses_bearer(request):
        return
    sent = request.headers.get(HEADER)
    if not sent:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(FIELD)
            sent = value if isinstance(value, str) else None
    expected = request.session.get(SESSION_KEY)
    if not sent or not isinstance(expected, str) or not hmac.compare_digest(sent, expected):
        raise HTTPException(
            status_code=403, detail="csrf_token: missing or not this session's; reload the page and try again"
        )
