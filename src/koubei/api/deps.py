"""Dependencies of the routes: the store, and who is calling (a key from the header or the dashboard session).

`ReadPrincipal` admits read and admin keys; `AdminPrincipal` admin keys only. A missing, unknown or revoked key is
401 (with `WWW-Authenticate: Bearer`); a read key on an admin route is 403. A dashboard session carries only the
key's id and is re-checked against the store on every request, so revoking a key ends its sessions too.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from koubei.api.auth import Principal, principal_of_key_id, verify_key
from koubei.store import Store

__all__ = [
    "AdminPrincipal",
    "Principal",
    "ReadPrincipal",
    "StoreDep",
    "current_principal",
    "get_store",
    "require_admin",
    "require_read",
]

SESSION_KEY_ID = "key_id"
_bearer = HTTPBearer(
    auto_error=False, description="An API key: `koubei serve keys create --name N --scope read`"
)


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


StoreDep = Annotated[Store, Depends(get_store)]


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(status_code=401, detail=detail, headers={"WWW-Authenticate": "Bearer"})


def current_principal(
    request: Request, store: Store, credentials: HTTPAuthorizationCredentials | None
) -> Principal:
    """The caller's principal, from `Authorization: Bearer KEY`, else from the dashboard session."""
    if credentials is not None:
        principal = verify_key(store, credentials.credentials)
        if principal is None:
            raise _unauthorized(
                "the API key is not valid (unknown or revoked); send Authorization: Bearer KEY"
            )
        request.state.principal = principal
        return principal
    session = request.scope.get("session") or {}
    key_id = session.get(SESSION_KEY_ID)
    if isinstance(key_id, int):
        principal = principal_of_key_id(store, key_id)
        if principal is None:
            session.clear()  # the key was revoked since the login: the session is over
            raise _unauthorized("the session's key has been revoked; log in again with a valid key")
        request.state.principal = principal
        return principal
    if request.headers.get("authorization"):
        raise _unauthorized("the Authorization header must be 'Bearer KEY'")
    raise _unauthorized("an API key is required: send Authorization: Bearer KEY")


def require_read(
    request: Request,
    store: StoreDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    return current_principal(request, store, credentials)


def require_admin(
    request: Request,
    store: StoreDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    principal = current_principal(request, store, credentials)
    if not principal.is_admin:
        raise HTTPException(status_code=403, detail="this needs an admin key; the key sent has read scope")
    return principal


ReadPrincipal = Annotated[Principal, Depends(require_read)]
AdminPrincipal = Annotated[Principal, Depends(require_admin)]
