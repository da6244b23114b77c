"""Products, categories and brands with their review sentiment, weekly trend and aspects (read scope)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from koubei.api.deps import ReadPrincipal, StoreDep
from koubei.pipelines import catalog

router = APIRouter(prefix="/api/v1", tags=["products"])

Limit = Annotated[int, Query(ge=1, le=catalog.MAX_LIMIT)]
Cursor = Annotated[str | None, Query(max_length=1000, description="next_cursor of the previous page")]
Key = Annotated[str, Path(max_length=128)]


@router.get("/products", summary="Products with review counts and net sentiment")
def list_products(
    store: StoreDep,
    _principal: ReadPrincipal,
    limit: Limit = 50,
    cursor: Cursor = None,
    category: Annotated[str | None, Query(max_length=128)] = None,
    brand: Annotated[str | None, Query(max_length=128)] = None,
    q: Annotated[str | None, Query(max_length=200, description="Text the title contains")] = None,
) -> dict[str, Any]:
    return catalog.list_products(store, limit, cursor, category, brand, q).to_dict()


@router.get("/products/{product_id}", summary="A product: sentiment, weekly trend, aspects")
def product(store: StoreDep, _principal: ReadPrincipal, product_id: Key) -> dict[str, Any]:
    return catalog.product_overview(store, product_id).to_dict()


@router.get("/categories", summary="Categories with review counts and net sentiment")
def categories(
    store: StoreDep, _principal: ReadPrincipal, limit: Limit = 50, cursor: Cursor = None
) -> dict[str, Any]:
    return catalog.list_groups(store, "category", limit, cursor).to_dict()


@router.get("/categories/{key}", summary="A category: sentiment, weekly trend, aspects")
def category(store: StoreDep, _principal: ReadPrincipal, key: Key) -> dict[str, Any]:
    return catalog.group_overview(store, "category", key).to_dict()


@router.get("/brands", summary="Brands with review counts and net sentiment")
def brands(
    store: StoreDep, _principal: ReadPrincipal, limit: Limit = 50, cursor: Cursor = None
) -> dict[str, Any]:
    return catalog.list_groups(store, "brand", limit, cursor).to_dict()


@router.get("/brands/{key}", summary="A brand: sentiment, weekly trend, aspects")
def brand(store: StoreDep, _principal: ReadPrincipal, key: Key) -> dict[str, Any]:
    return catalog.group_overview(store, "brand", key).to_dict()


@router.get("/sentiment/summary", summary="All reviews: sentiment, weekly trend, aspects", tags=["sentiment"])
def summary(store: StoreDep, _principal: ReadPrincipal) -> dict[str, Any]:
    return catalog.group_sentiment(store, "all", None).to_dict()
