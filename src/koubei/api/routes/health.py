"""`GET /health`: no key needed. 200 when the store answers and its schema is current, else 503 (same body)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from koubei.api.deps import StoreDep
from koubei.pipelines.health import service_health

router = APIRouter(tags=["health"])


@router.get("/health", summary="Is the service up, and can it reach its store?")
def health(store: StoreDep) -> Any:
    result = service_health(store)
    return JSONResponse(result.to_dict(), status_code=200 if result.ok else 503)
