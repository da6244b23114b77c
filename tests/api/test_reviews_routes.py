"""`/api/v1/reviews`: filters, newest-first keyset pages, masked text only, one review, the CSV export; on SQLite
and PostgreSQL. Expected answers are read off tests/api/data/reviews.csv by hand."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest

from koubei.pipelines.keys import create_api_key
from koubei.pipelines.reviews import FORMULA_STARTS, neutralize_cell
from tests.api.conftest import bearer, make_client


@pytest.fixture
def api(db_url: str, make_api_store) -> Iterator[tuple[Any, dict[str, str]]]:
    """A client on the fixture data in the store of `db_url` (SQLite, then PostgreSQL), and a read key's header."""
    store = make_api_store(db_url)
    key = create_api_key(store, "reader", "read").key
    with make_client(store) as client:
        yield client, bearer(key)


def ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["review_id"] for item in response.json()["items"]]


def test_product_reviews_newest_first_in_keyset_pages(api) -> None:
    client, key = api
    assert ids(client.get("/api/v1/reviews?product=p-phone", headers=key)) == [
        "r12",
        "r04",
        "r03",
        "r02",
        "r01",
    ]
    pages, cursor = [], None
    while True:
        url = "/api/v1/reviews?product=p-phone&limit=2" + (f"&cursor={cursor}" if cursor else "")
        response = client.get(url, headers=key)
        pages.append(ids(response))
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break
    assert pages == [["r12", "r04"], ["r03", "r02"], ["r01"]]


def test_every_review_is_listed_once_across_pages(api) -> None:
    client, key = api
    seen: list[str] = []
    cursor = None
    while True:
        response = client.get(
            "/api/v1/reviews?limit=7" + (f"&cursor={cursor}" if cursor else ""), headers=key
        )
        seen += ids(response)
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break
    # 13 hand-made reviews and 40 from the bundled corpus (20 per label); the corpus ones have no time: last.
    assert len(seen) == len(set(seen)) == 53
    assert seen[:13] == [f"r{n:02d}" for n in (13, 12, 11, 10, 7, 9, 4, 6, 3, 5, 2, 8, 1)]


def test_filters(api) -> None:
    client, key = api
    get = lambda query: ids(client.get(f"/api/v1/reviews?{query}", headers=key))  # noqa: E731
    assert get("product=p-phone&label=negative") == ["r04", "r02"]
    assert get("category=家电&since=2026-02-01T00:00:00&until=2026-03-15T00:00:00") == ["r10", "r09"]
    assert get("brand=星辰&label=neutral") == ["r07"]
    assert get("q=物流&category=手机") == ["r02"]
    assert get("q=100%25") == []  # LIKE wildcards are searched as text
    assert get("category=配件") == ["r07", "r06", "r05"]  # the product's category when the review has none


def test_only_masked_text_is_shown_or_searched(api) -> None:
    client, key = api
    review = client.get("/api/v1/reviews/r04", headers=key).json()["review"]
    assert review["text"] == "电池不耐用，发热严重，有问题打<PHONE>找我"
    assert "user_id" not in review
    listed = client.get("/api/v1/reviews?product=p-phone", headers=key).text
    assert "13812345678" not in listed and "test.user@example.com" not in listed
    assert ids(client.get("/api/v1/reviews?q=13812345678", headers=key)) == []


def test_bad_queries_are_422_naming_the_field(api) -> None:
    client, key = api
    cases = {
        "limit=0": "limit",
        "limit=201": "limit",
        "limit=ten": "limit",
        "label=great": "label",
        "since=yesterday": "since",
        "cursor=not-a-cursor": "cursor",
        "since=2026-03-01T00:00:00&until=2026-01-01T00:00:00": "since",
    }
    for query, field in cases.items():
        response = client.get(f"/api/v1/reviews?{query}", headers=key)
        assert response.status_code == 422, query
        assert response.headers["content-type"].startswith("application/problem+json")
        assert field in response.json()["detail"], (query, response.json())


def test_unknown_review_is_404_and_keys_are_needed(api) -> None:
    client, key = api
    response = client.get("/api/v1/reviews/r99", headers=key)
    assert response.status_code == 404 and "r99" in response.json()["detail"]
    assert client.get("/api/v1/reviews").status_code == 401
    assert client.get("/api/v1/reviews/export.csv").status_code == 401


def test_sentiment_and_aspects_come_with_each_review(analysed_store, read_key, analysis) -> None:
    with make_client(analysed_store) as client:
        body = client.get("/api/v1/reviews/r04", headers=bearer(read_key)).json()
    assert body["sentiment_model"] == analysis["sentiment_model"]
    assert body["aspect_model"] == "rules+lexicon"
    review = body["review"]
    assert review["label"] == "negative" and review["sentiment"]["model"] == analysis["sentiment_model"]
    assert {(a["aspect"], a["sentiment"]) for a in review["aspects"]} >= {("quality", "negative")}
    assert all(a["evidence"] in review["text"] for a in review["aspects"])


def test_csv_export_neutralizes_formula_cells(api) -> None:
    client, key = api
    response = client.get("/api/v1/reviews/export.csv?since=2026-03-01T00:00:00", headers=key)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["review_id"] for r in rows] == ["r13", "r12", "r11", "r10", "r07"]
    by_id = {r["review_id"]: r for r in rows}
    assert by_id["r11"]["text"] == '\'=HYPERLINK("http://evil.example","点我") 不错'
    assert by_id["r12"]["text"] == "拍照效果好，运行流畅，联系我 <EMAIL>"
    for row in rows:
        assert not any(str(value).startswith(FORMULA_STARTS) for value in row.values())


def test_uploaded_formula_cells_come_back_inert(api) -> None:
    client, _ = api
    admin = create_api_key(client.app.state.store, "admin", "admin").key
    hostile = "review_id,text\nx1,\"=cmd|' /C calc'!A0\"\nx2,+1+1 好评\nx3,-2+3 差评\nx4,@SUM(A1:A2) 一般\n"
    uploaded = client.post(
        "/api/v1/ingest/reviews", files={"file": ("hostile.csv", hostile.encode())}, headers=bearer(admin)
    )
    assert uploaded.status_code == 200, uploaded.text
    exported = client.get("/api/v1/reviews/export.csv", headers=bearer(admin)).text
    rows = {r["review_id"]: r["text"] for r in csv.DictReader(io.StringIO(exported))}
    assert rows["x1"] == "'=cmd|' /C calc'!A0"
    assert rows["x2"] == "'+1+1 好评" and rows["x3"] == "'-2+3 差评" and rows["x4"] == "'@SUM(A1:A2) 一般"


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_neutralize_cell(start: str) -> None:
    assert neutralize_cell(start + "x") == "'" + start + "x"
    assert neutralize_cell("x" + start) == "x" + start
    assert neutralize_cell(-3) == -3 and neutralize_cell(None) is None
