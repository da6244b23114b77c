"""API keys, for admin keys: list, create (the key is in the answer, once), revoke."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from koubei.api.deps import AdminPrincipal, StoreDep
from koubei.pipelines import keys

router = APIRouter(prefix="/api/v1/keys", tags=["keys"])


class NewKey(BaseModel):
    name: str = Field(min_length=1, max_length=128, description="Who or what uses the key, e.g. 'dashboard'")
    scope: Literal["read", "admin"] = Field(
        description="read: read and score; admin: also write and manage keys"
    )


@router.get("", summary="List the API keys (never the keys themselves)")
def list_keys(store: StoreDep, _principal: AdminPrincipal, include_revoked: bool = True) -> dict[str, Any]:
    return keys.list_api_keys(store, include_revoked=include_revoked).to_dict()


@router.post("", status_code=201, summary="Create a key; the answer is the only time it is shown")
def create_key(body: NewKey, store: StoreDep, _principal: AdminPrincipal) -> dict[str, Any]:
    return keys.create_api_key(store, body.name, body.scope).to_dict()


@router.delete("/{key_id}", summary="Revoke a key (its dashboard sessions end too)")
def revoke_key(
    store: StoreDep, _principal: AdminPrincipal, key_id: int = Path(ge=1, le=2**31 - 1)
) -> dict[str, Any]:
    return keys.revoke_api_key(store, key_id).to_dict()
