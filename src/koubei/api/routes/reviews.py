"""Reviews with sentiment and aspects (read scope): the filtered listing, a CSV export, one review.

`GET /api/v1/reviews?limit=&cursor=` -> `{"items": [...], "next_cursor"}`: newest first, keyset-paginated, masked
text only. The same filters select what `GET /api/v1/reviews/export.csv` writes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import StreamingResponse

from koubei.api.deps import ReadPrincipal, StoreDep
from koubei.pipelines import reviews
from koubei.store.reviews import ReviewFilter

router = APIRouter(prefix="/api/v1/reviews", tags=["reviews"])


def filters(
    product: Annotated[str | None, Query(max_length=128, description="Reviews of this product id")] = None,
    category: Annotated[
        str | None, Query(max_length=128, description="The review's (else product's) category")
    ] = None,
    brand: Annotated[str | None, Query(max_length=128, description="The product's brand")] = None,
    label: Annotated[str | None, Query(description="positive, negative or neutral")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Text the (masked) review contains")] = None,
    since: Annotated[datetime | None, Query(description="Written at or after (ISO 8601)")] = None,
    until: Annotated[datetime | None, Query(description="Written before (ISO 8601)")] = None,
) -> ReviewFilter:
    return reviews.review_filter(product, category, brand, label, q, since, until)


FilterDep = Annotated[ReviewFilter, Depends(filters)]


@router.get("", summary="Reviews, newest first, with sentiment and aspects (keyset pagination)")
def list_reviews(
    store: StoreDep,
    _principal: ReadPrincipal,
    selected: FilterDep,
    limit: Annotated[int, Query(ge=1, le=reviews.MAX_LIMIT)] = reviews.DEFAULT_LIMIT,
    cursor: Annotated[
        str | None, Query(max_length=1000, description="next_cursor of the previous page")
    ] = None,
) -> dict[str, Any]:
    return reviews.list_reviews(store, selected, limit, cursor).to_dict()


@router.get(
    "/export.csv",
    summary="The matching reviews as CSV (formula cells neutralized)",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}},
)
def export_csv(store: StoreDep, _principal: ReadPrincipal, selected: FilterDep) -> StreamingResponse:
    return StreamingResponse(
        reviews.export_reviews_csv(store, selected),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="reviews.csv"'},
    )


@router.get("/{review_id}", summary="One review with its sentiment and aspects")
def get_review(
    store: StoreDep, _principal: ReadPrincipal, review_id: Annotated[str, Path(max_length=128)]
) -> dict[str, Any]:
    return reviews.get_review(store, review_id).to_dict()
