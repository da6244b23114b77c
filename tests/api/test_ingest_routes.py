"""`POST /api/v1/ingest/{kind}`: the CLI's validation and quarantine, rejects in the answer, nothing half-written,
upload names never used as paths, admin scope; on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from koubei.pipelines.keys import create_api_key
from koubei.pipelines.uploads import safe_upload_name
from koubei.store.models import Product, Review
from tests.api.conftest import bearer, make_client

GOOD_AND_BAD = (
    "review_id,product_id,rating,text\n"
    "u1,p-phone,5,屏幕很大，很喜欢\n"
    "u2,p-phone,9,评分超出范围\n"
    "u3,p-phone,4,\n"
    "u4,p-case,2,有点贵 打13900001111\n"
).encode()


@pytest.fixture
def api(db_url: str, make_api_store) -> Iterator[tuple[Any, Any, dict[str, str], dict[str, str]]]:
    store = make_api_store(db_url)
    admin = bearer(create_api_key(store, "admin", "admin").key)
    reader = bearer(create_api_key(store, "reader", "read").key)
    with make_client(store) as client:
        yield client, store, admin, reader


def count(store: Any, model: Any) -> int:
    with store.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_upload_stores_good_rows_and_returns_the_rejects(api, isolated_home: Path) -> None:
    client, store, admin, _ = api
    before = count(store, Review)
    response = client.post("/api/v1/ingest/reviews", files={"file": ("new.csv", GOOD_AND_BAD)}, headers=admin)
    assert response.status_code == 200, response.text
    body = response.json()
    summary = body["summary"]
    assert (summary["read"], summary["stored"], summary["rejected"], summary["pii_masked"]) == (4, 2, 2, 1)
    assert summary["file"] == "new.csv"
    assert [(r["row"], r["raw"]["review_id"]) for r in body["rejects"]] == [(2, "u2"), (3, "u3")]
    assert "rating" in body["rejects"][0]["reasons"][0] and "text" in body["rejects"][1]["reasons"][0]
    assert count(store, Review) == before + 2
    quarantine = isolated_home / body["quarantine_file"]
    assert quarantine.parent == isolated_home / "quarantine"
    assert [json.loads(line)["row"] for line in quarantine.read_text().splitlines()] == [2, 3]
    stored = client.get("/api/v1/reviews/u4", headers=admin).json()["review"]
    assert stored["text"] == "有点贵 打<PHONE>"


def test_path_tricks_in_upload_names_are_never_paths(api, tmp_path: Path, isolated_home: Path) -> None:
    client, _, admin, _ = api
    for name in ("../../escape.csv", "..\\..\\escape.csv", "/tmp/escape.csv", "....//escape.csv"):
        response = client.post(
            "/api/v1/ingest/products", files={"file": (name, b"product_id,title\nq1,Q\n")}, headers=admin
        )
        assert response.status_code == 200, (name, response.text)
        assert response.json()["file"] == "escape.csv"
    for folder in (tmp_path, tmp_path.parent, isolated_home, Path("/tmp")):
        assert not (folder / "escape.csv").exists()
    assert safe_upload_name("a b/../c;rm -rf.csv") == "c_rm_-rf.csv"
    assert safe_upload_name("..") == "upload" and safe_upload_name(None) == "upload"
    assert safe_upload_name(".hidden.csv") == "hidden.csv"


def test_bad_uploads_are_4xx_and_store_nothing(api) -> None:
    client, store, admin, reader = api
    reviews, products = count(store, Review), count(store, Product)
    cases = [
        ("/api/v1/ingest/reviews", ("x.exe", b"text\nhi\n"), 422, "file"),
        ("/api/v1/ingest/reviews", ("passwd", b"text\nhi\n"), 422, "file"),
        ("/api/v1/ingest/reviews", ("empty.csv", b""), 422, "empty"),
        ("/api/v1/ingest/reviews", ("no_text.csv", b"review_id,rating\nz1,5\n"), 422, "text"),
        ("/api/v1/ingest/reviews", ("broken.json", b'[{"text": '), 422, "JSON"),
        ("/api/v1/ingest/widgets", ("x.csv", b"text\nhi\n"), 422, "kind"),
    ]
    for url, upload, status, word in cases:
        response = client.post(url, files={"file": upload}, headers=admin)
        assert response.status_code == status, (upload[0], response.text)
        assert word.lower() in response.json()["detail"].lower(), (upload[0], response.json())
    missing = client.post("/api/v1/ingest/reviews", data={"kind": "x"}, headers=admin)
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "file"
    bad_map = client.post(
        "/api/v1/ingest/reviews", files={"file": ("a.csv", b"t\nhi\n")}, data={"map": "text"}, headers=admin
    )
    assert bad_map.status_code == 422 and "map" in bad_map.json()["detail"]
    mapped = client.post(
        "/api/v1/ingest/reviews",
        files={"file": ("a.csv", b"t\nhi there\n")},
        data={"map": "text=t"},
        headers=admin,
    )
    assert mapped.status_code == 200 and mapped.json()["summary"]["stored"] == 1
    read_only = client.post("/api/v1/ingest/reviews", files={"file": ("a.csv", GOOD_AND_BAD)}, headers=reader)
    assert read_only.status_code == 403
    assert (count(store, Review), count(store, Product)) == (reviews + 1, products)


def test_a_body_over_the_limit_is_413(api_store, admin_key) -> None:
    with make_client(api_store, max_body_bytes=4096) as client:
        big = b"text\n" + "很好\n".encode() * 2000
        response = client.post(
            "/api/v1/ingest/reviews", files={"file": ("big.csv", big)}, headers=bearer(admin_key)
        )
        assert response.status_code == 413
        assert response.headers["content-type"].startswith("application/problem+json")
        assert "4096" in response.json()["detail"]
        small = client.post(
            "/api/v1/ingest/reviews", files={"file": ("ok.csv", b"text\nfine\n")}, headers=bearer(admin_key)
        )
        assert small.status_code == 200
