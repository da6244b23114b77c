"""Aspects of posted texts: `POST /api/v1/aspects` (read scope): quality, price, logistics ... with sentiment."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from koubei.api.deps import ReadPrincipal
from koubei.api.schemas import Texts
from koubei.pipelines import scoring

router = APIRouter(prefix="/api/v1/aspects", tags=["aspects"])


@router.post("", summary="Aspect mentions and per-aspect sentiment of each text, in order")
def aspects(body: Texts, _principal: ReadPrincipal) -> dict[str, Any]:
    return scoring.aspects_of_texts(body.texts).to_dict()
