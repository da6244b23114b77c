"""`/api/v1/products`, `/categories`, `/brands`, `/sentiment/summary`: counts, net sentiment, weekly trends and
aspects, checked against tests/api/data by hand; on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from koubei.pipelines.keys import create_api_key
from tests.api.conftest import bearer, make_client


@pytest.fixture
def api(db_url: str, make_api_store) -> Iterator[tuple[Any, dict[str, str]]]:
    store = make_api_store(db_url)
    key = create_api_key(store, "reader", "read").key
    with make_client(store) as client:
        yield client, bearer(key)


def test_products_list_with_counts_and_pages(api) -> None:
    client, key = api
    body = client.get("/api/v1/products", headers=key).json()
    assert [(p["product_id"], p["reviews"], p["positive"], p["negative"]) for p in body["items"]] == [
        ("p-case", 3, 1, 1),
        ("p-kettle", 4, 2, 1),
        ("p-phone", 5, 3, 2),
    ]
    assert body["items"][2]["net_sentiment"] == 0.2  # (3 - 2) / 5
    first = client.get("/api/v1/products?limit=2", headers=key).json()
    assert [p["product_id"] for p in first["items"]] == ["p-case", "p-kettle"]
    rest = client.get(f"/api/v1/products?limit=2&cursor={first['next_cursor']}", headers=key).json()
    assert [p["product_id"] for p in rest["items"]] == ["p-phone"] and rest["next_cursor"] is None
    assert [
        p["product_id"] for p in client.get("/api/v1/products?brand=星辰", headers=key).json()["items"]
    ] == [
        "p-case",
        "p-phone",
    ]
    assert [p["product_id"] for p in client.get("/api/v1/products?q=热水", headers=key).json()["items"]] == [
        "p-kettle"
    ]


def test_product_sentiment_and_weekly_trend(api) -> None:
    client, key = api
    body = client.get("/api/v1/products/p-phone", headers=key).json()
    assert body["product"]["title"] == "星辰手机 X1" and body["product"]["attributes"]["电池"] == "5000mAh"
    sentiment = body["sentiment"]
    assert (sentiment["reviews"], sentiment["positive"], sentiment["negative"], sentiment["neutral"]) == (
        5,
        3,
        2,
        0,
    )
    assert sentiment["share_positive"] == 0.6 and sentiment["net_sentiment"] == 0.2
    # r01 2026-01-05 (W02), r02 01-12 (W03), r03 02-03 (W06), r04 02-20 (W08), r12 03-15 (W11)
    assert [(w["week"], w["week_start"], w["positive"], w["negative"]) for w in sentiment["trend"]] == [
        ("2026-W02", "2026-01-05", 1, 0),
        ("2026-W03", "2026-01-12", 0, 1),
        ("2026-W06", "2026-02-02", 1, 0),
        ("2026-W08", "2026-02-16", 0, 1),
        ("2026-W11", "2026-03-09", 1, 0),
    ]
    assert sentiment["aspects"] == []  # nothing analysed yet: no aspect model


def test_categories_brands_and_summary(api) -> None:
    client, key = api
    categories = client.get("/api/v1/categories", headers=key).json()["items"]
    assert [(c["key"], c["reviews"], c["positive"], c["negative"], c["neutral"]) for c in categories] == [
        ("家电", 4, 2, 1, 1),
        ("手机", 5, 3, 2, 0),
        ("配件", 3, 1, 1, 1),
    ]
    brand = client.get("/api/v1/brands/星辰", headers=key).json()
    assert (brand["reviews"], brand["positive"], brand["negative"], brand["neutral"]) == (8, 4, 3, 1)
    summary = client.get("/api/v1/sentiment/summary", headers=key).json()
    # 13 hand-made (r11 unlabelled) + 20 positive + 20 negative from the corpus
    assert (summary["reviews"], summary["positive"], summary["negative"], summary["neutral"]) == (
        53,
        26,
        24,
        2,
    )
    assert summary["unlabelled"] == 1


def test_unknown_and_bad_requests(api) -> None:
    client, key = api
    for url, status, field in (
        ("/api/v1/products/p-nope", 404, "product_id"),
        ("/api/v1/categories/玩具", 404, "category"),
        ("/api/v1/brands/nobody", 404, "brand"),
        ("/api/v1/products?limit=0", 422, "limit"),
        ("/api/v1/categories?cursor=%%%", 422, "cursor"),
        ("/api/v1/products/" + "x" * 200, 422, "product_id"),
    ):
        response = client.get(url, headers=key)
        assert response.status_code == status, url
        assert field in response.json()["detail"], (url, response.json())
    assert client.get("/api/v1/products").status_code == 401


def test_aspects_once_analysed(analysed_store, read_key) -> None:
    with make_client(analysed_store) as client:
        body = client.get("/api/v1/products/p-kettle", headers=bearer(read_key)).json()["sentiment"]
    assert body["aspect_model"] == "rules+lexicon"
    aspects = {a["aspect"]: a for a in body["aspects"]}
    # r09 用了三天就坏了，售后服务很差 -> service negative; r10 发货快 -> logistics positive
    assert aspects["service"]["negative"] >= 1
    assert aspects["logistics"]["positive"] >= 1
    assert body["most_criticized"] and body["most_praised"]
