"""Sentiment of posted texts: `POST /api/v1/sentiment/score` and `/explain` (read scope).

The model is the store's trained one, else the default fast model trained once on the bundled corpus on the
first request (see `koubei.pipelines.scoring`).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from koubei.api.deps import ReadPrincipal
from koubei.api.schemas import ExplainRequest, ScoreRequest
from koubei.pipelines import scoring

router = APIRouter(prefix="/api/v1/sentiment", tags=["sentiment"])


@router.post("/score", summary="Label and calibrated score of each text, in order")
def score(body: ScoreRequest, _principal: ReadPrincipal) -> dict[str, Any]:
    return scoring.score_texts(body.texts, body.categories).to_dict()


@router.post("/explain", summary="Which words pushed each text's label")
def explain(body: ExplainRequest, _principal: ReadPrincipal) -> dict[str, Any]:
    return scoring.explain_texts(body.texts, body.category).to_dict()
