"""A tiny hand-made catalog, FAQ and review set for the customer-service tests (Chinese and English)."""

from __future__ import annotations

from typing import Any

import pytest

PRODUCTS: list[dict[str, Any]] = [
    {
        "product_id": "K1",
        "title": "Aroma Kettle 1.7L",
        "brand": "Acme",
        "price": 39.9,
        "attributes": {
            "color": "red",
            "capacity": "1.7 litres",
            "material": "stainless steel",
            "warranty": "2 years",
        },
    },
    {
        "product_id": "K2",
        "title": "Aroma Kettle 1.7L",
        "brand": "Acme",
        "price": 42.0,
        "attributes": {
            "color": "blue",
            "capacity": "1.7 litres",
            "material": "borosilicate glass",
            "warranty": "1 year",
        },
    },
    {
        "product_id": "V1",
        "title": "X200 吸尘器",
        "brand": "清风",
        "attributes": "颜色#白色*续航#60分钟*重量#1.5公斤",
    },
]
FAQ: list[dict[str, Any]] = [
    {
        "faq_id": "F1",
        "question": "What is the return policy?",
        "answer": "Unused items can be returned within 30 days for a full refund.",
    },
    {"faq_id": "F2", "question": "退货政策是什么？", "answer": "未使用的商品七天内可以无理由退货。"},
    {
        "faq_id": "F3",
        "product_id": "V1",
        "question": "滤网可以水洗吗？",
        "answer": "滤网可以水洗，晾干后再装回。",
    },
    {
        "faq_id": "F4",
        "question": "How long does delivery take?",
        "answer": "Orders ship within 24 hours and arrive in 3 to 5 days.",
    },
]
REVIEWS: list[dict[str, Any]] = [
    {"review_id": "R1", "product_id": "V1", "masked_text": "电池很耐用，一次能用一个小时。颜色好看！"},
    {
        "review_id": "R2",
        "product_id": "K1",
        "masked_text": "Boils water in about three minutes. The lid is a bit stiff.",
    },
    {
        "review_id": "R3",
        "product_id": "K2",
        "masked_text": "Looks great on the counter. The glass shows limescale quickly.",
    },
]


@pytest.fixture
def catalog() -> dict[str, list[dict[str, Any]]]:
    return {"products": PRODUCTS, "faq": FAQ, "reviews": REVIEWS}


@pytest.fixture
def docs(catalog: dict[str, list[dict[str, Any]]]) -> list[Any]:
    from koubei.support.documents import build_docs

    return build_docs(products=catalog["products"], faq=catalog["faq"], reviews=catalog["reviews"])


@pytest.fixture
def bm25_index(docs: list[Any]) -> Any:
    from koubei.support.index import IndexConfig, ServiceIndex

    index = ServiceIndex(IndexConfig(dense="none"))
    index.add(docs)
    return index.build()


@pytest.fixture
def lsa_index(docs: list[Any]) -> Any:
    from koubei.support.index import IndexConfig, ServiceIndex

    index = ServiceIndex(IndexConfig(dense="lsa"))
    index.add(docs)
    return index.build()
