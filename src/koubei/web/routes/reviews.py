"""`/reviews`: the explorer, with `?q=` search, filters (product, category, brand, label) and keyset paging.

The first page is a full page; "more" loads the next page with htmx (`/reviews?...&cursor=`, HX-Request) and
appends its rows, so paging never counts or offsets through the table.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from koubei.api.deps import StoreDep
from koubei.errors import KoubeiError
from koubei.pipelines.reviews import list_reviews, review_filter
from koubei.web.render import is_htmx, render, render_error
from koubei.web.session import PagePrincipal

router = APIRouter()
PAGE_SIZE = 25


def _blank(value: str | None) -> str | None:
    return value.strip() or None if value is not None else None


@router.get("/reviews", response_class=HTMLResponse)
def reviews(
    request: Request,
    store: StoreDep,
    _principal: PagePrincipal,
    q: Annotated[str | None, Query(max_length=200)] = None,
    product_id: Annotated[str | None, Query(max_length=128)] = None,
    category: Annotated[str | None, Query(max_length=128)] = None,
    brand: Annotated[str | None, Query(max_length=128)] = None,
    label: Annotated[str | None, Query(max_length=16)] = None,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> Response:
    filters = {
        "q": _blank(q),
        "product_id": _blank(product_id),
        "category": _blank(category),
        "brand": _blank(brand),
        "label": _blank(label),
    }
    partial = is_htmx(request) and cursor is not None
    try:
        checked = review_filter(
            product_id=filters["product_id"],
            category=filters["category"],
            brand=filters["brand"],
            label=filters["label"],
            q=filters["q"],
        )
        page = list_reviews(store, checked, limit=PAGE_SIZE, cursor=_blank(cursor))
    except KoubeiError as error:
        return render_error(request, error.http_status, str(error), partial=partial)
    template = "partials/review_rows.html" if partial else "reviews.html"
    return render(request, template, page=page, filters=filters, active="reviews")
