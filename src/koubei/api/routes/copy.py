"""Marketing content (`koubei copy ...` over HTTP): generate, check, reply, summarize, list, approve, reject.

Generated copy and replies carry the machine-generated label and are stored as drafts until a person approves or
rejects them (admin keys only). A request for fake reviews is refused as the CLI refuses it: a 422 problem with
the same message, which offers a summary of the product's real reviews instead (`POST /api/v1/copy/summarize`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from koubei.api.deps import AdminPrincipal, ReadPrincipal, StoreDep
from koubei.api.errors import problem_response

router = APIRouter(prefix="/api/v1/copy", tags=["copy"])

MAX_TEXT_CHARS = 5000  # the ingest limit of a review text; copy and replies are far shorter
ProductId = Annotated[str, Field(min_length=1, max_length=200)]
AttributeText = Annotated[str, Field(max_length=MAX_TEXT_CHARS)]
Attributes = AttributeText | dict[Annotated[str, Field(max_length=200)], AttributeText]
ContentId = Annotated[int, Path(ge=1, le=2**63 - 1, description="Id from GET /api/v1/copy.")]
FAKE_REVIEW_TYPE = "https://koubei.dev/problems/fake-review-refused"
_ATTRIBUTES_HELP = "'key#value*key#value' or a {key: value} object."
_REFUSED: dict[int | str, dict[str, Any]] = {
    422: {"description": "Bad input, or a request for fake reviews (refused; `refused: fake_review`)."}
}


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GenerateBody(Body):
    attributes: Attributes | None = Field(default=None, description=_ATTRIBUTES_HELP)
    product_id: ProductId | None = Field(
        default=None, description="A stored product: title, attributes, praise."
    )
    persona: str | None = Field(
        default=None, max_length=200, description="Audience, e.g. 'students on a budget'."
    )
    tone: Literal["plain", "lively", "concise"] = "plain"
    length: Literal["short", "medium", "long"] = "medium"
    n: int = Field(default=5, ge=1, le=20, description="Candidates to write (the best is returned first).")
    seed: int = Field(default=0, ge=0, le=2**32 - 1)
    save: bool = Field(default=True, description="Store the best candidate as a draft.")


class CheckBody(Body):
    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARS, description="Text to check.")
    attributes: Attributes | None = Field(default=None, description=_ATTRIBUTES_HELP)
    product_id: ProductId | None = Field(default=None, description="Its attributes and praise as evidence.")


class ReplyPolicyBody(Body):
    allow_refund: bool = False
    allow_replacement: bool = False
    allow_compensation: bool = False
    channel_zh: str = Field(default="店铺客服", min_length=1, max_length=100)
    channel_en: str = Field(default="our customer service", min_length=1, max_length=100)


class ReplyBody(Body):
    review_id: str | None = Field(default=None, min_length=1, max_length=200, description="A stored review.")
    text: str | None = Field(
        default=None, min_length=1, max_length=MAX_TEXT_CHARS, description="Or its text."
    )
    policy: ReplyPolicyBody | None = Field(default=None, description="What the reply may promise.")
    seed: int = Field(default=0, ge=0, le=2**32 - 1)
    save: bool = Field(default=True, description="Store the reply as a draft.")


class SummarizeBody(Body):
    product_id: ProductId


class ReviewBody(Body):
    by: str | None = Field(default=None, max_length=128, description="Who decided (default: the key's name).")


def _refusal(error: Exception) -> JSONResponse:
    return problem_response(
        422,
        "Refused: koubei does not write fake reviews",
        str(error),
        type_=FAKE_REVIEW_TYPE,
        refused="fake_review",
        instead="POST /api/v1/copy/summarize",
    )


@router.post(
    "/generate", summary="Write copy candidates, check them, keep the best as a draft", responses=_REFUSED
)
def generate(body: GenerateBody, _principal: ReadPrincipal, store: StoreDep) -> Any:
    from koubei.generation.fake_review import FakeReviewRequest
    from koubei.pipelines.copy import generate_with_model

    try:
        result = generate_with_model(
            body.attributes,
            product_id=body.product_id,
            store=store,
            persona=body.persona,
            tone=body.tone,
            length=body.length,
            n=body.n,
            seed=body.seed,
            save=body.save,
        )
    except FakeReviewRequest as error:
        return _refusal(error)
    return result.to_dict()


@router.post("/check", summary="Ad law, bias, PII, fake-review voice, contradictions, unsupported claims")
def check(body: CheckBody, _principal: ReadPrincipal, store: StoreDep) -> dict[str, Any]:
    from koubei.pipelines.copy import check_text

    return check_text(body.text, body.attributes, body.product_id, store if body.product_id else None)


@router.post("/reply", summary="Draft a merchant reply that promises only what the policy allows")
def reply(body: ReplyBody, _principal: ReadPrincipal, store: StoreDep) -> dict[str, Any]:
    from koubei.pipelines.copy import reply_to_review

    policy = body.policy.model_dump() if body.policy is not None else None
    return reply_to_review(body.text, body.review_id, store, policy, seed=body.seed, save=body.save).to_dict()


@router.post("/summarize", summary="What buyers say, per aspect, quoted from real reviews with their ids")
def summarize(body: SummarizeBody, _principal: ReadPrincipal, store: StoreDep) -> dict[str, Any]:
    from koubei.pipelines.copy import summarize_product

    data: dict[str, Any] = summarize_product(store, body.product_id).to_dict()
    return data


@router.get("", summary="Generated texts awaiting (or past) human review, newest first")
def list_content(
    _principal: ReadPrincipal,
    store: StoreDep,
    status: Annotated[Literal["draft", "approved", "rejected"] | None, Query()] = None,
    kind: Annotated[Literal["copy", "reply", "summary"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    from koubei.pipelines.copy import list_drafts

    return list_drafts(store, status, kind, limit).to_dict()


@router.get("/{content_id}", summary="One generated text with its input, provenance and guard flags")
def get_content(content_id: ContentId, _principal: ReadPrincipal, store: StoreDep) -> dict[str, Any]:
    from koubei.pipelines.copy import get_draft
    from koubei.results import to_jsonable

    data: dict[str, Any] = to_jsonable(get_draft(store, content_id))
    return data


@router.post("/{content_id}/approve", summary="Approve a draft for publishing (admin)")
def approve(
    content_id: ContentId, principal: AdminPrincipal, store: StoreDep, body: ReviewBody | None = None
) -> dict[str, Any]:
    return _decide(store, content_id, "approved", (body.by if body else None) or principal.name)


@router.post("/{content_id}/reject", summary="Reject a draft (admin)")
def reject(
    content_id: ContentId, principal: AdminPrincipal, store: StoreDep, body: ReviewBody | None = None
) -> dict[str, Any]:
    return _decide(store, content_id, "rejected", (body.by if body else None) or principal.name)


def _decide(store: Any, content_id: int, status: str, reviewer: str) -> dict[str, Any]:
    from koubei.pipelines.copy import review_draft
    from koubei.results import to_jsonable

    data: dict[str, Any] = to_jsonable(review_draft(store, content_id, status, reviewer))
    return data
