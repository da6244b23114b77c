"""Ingest end to end through the CLI, on SQLite and PostgreSQL: good rows stored, bad rows quarantined with reasons."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from koubei.store import Store
from koubei.store.models import Follow, Product, Review

GOOD_AND_BAD = (
    "review_id,product_id,user_id,rating,label,text,created_at\n"
    "r1,p1,u1,5,1,物流很快，质量不错，联系我13812345678,2024-05-01\n"
    "r2,p1,u2,1,0,Terrible blender. Broke after two days.,2024-05-02T10:00:00\n"
    "r3,p2,u3,4,,,2024-05-03\n"  # missing text
    "r4,p2,u4,seven,1,还行,2024-05-03\n"  # bad rating
    "r5,p2,u5,3,1,一般般,not-a-date\n"  # bad date
    "r6,p2,u6,3,1,{long},2024-05-04\n"  # over-long text
    "r1,p1,u7,4,1,重复的编号,2024-05-05\n"  # duplicate id
    "r8,p3,u8,5,1,\xff\xfe坏字节,2024-05-06\n"  # invalid UTF-8
    "r9,p3,u9,6,1,评分超出范围,2024-05-06\n"  # rating out of range
    ",p3,u10,2,negative,没有编号的评论也能进来,1714600000\n"  # no id: derived from content
)


def _write_mixed_file(path: Path) -> Path:
    text = GOOD_AND_BAD.replace("{long}", "很" * 6000)
    # Encode as UTF-8, then splice raw invalid bytes into row r8.
    data = text.encode("utf-8").replace("\xff\xfe".encode(), b"\xff\xfe")
    path.write_bytes(data)
    return path


def _count(url: str, model: type) -> int:
    with Store.open(url) as store, store.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_mixed_file_keeps_good_rows_and_quarantines_each_bad_row(cli, db_url: str, tmp_path: Path) -> None:
    source = _write_mixed_file(tmp_path / "reviews.csv")
    quarantine = tmp_path / "rejects.jsonl"
    result = cli("ingest", "reviews", source, "--db", db_url, "--quarantine", quarantine, "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["read"], summary["stored"], summary["updated"], summary["rejected"]) == (10, 3, 0, 7)
    assert summary["pii_masked"] == 1

    rejects = {r["row"]: r for r in map(json.loads, quarantine.read_text(encoding="utf-8").splitlines())}
    assert sorted(rejects) == [3, 4, 5, 6, 7, 8, 9]
    reasons = {row: " | ".join(r["reasons"]) for row, r in rejects.items()}
    assert reasons[3] == "text: is missing"
    assert "rating" in reasons[4] and "not a number" in reasons[4]
    assert "created_at" in reasons[5] and "not a date" in reasons[5]
    assert "limit is 5000" in reasons[6]
    assert "duplicate review_id='r1'" in reasons[7] and "row 1" in reasons[7]
    assert "invalid UTF-8" in reasons[8]
    assert "out of range" in reasons[9]
    assert rejects[8]["raw"]["text"].startswith("\\xff\\xfe")  # raw bytes kept, nothing lost
    assert rejects[4]["raw"]["rating"] == "seven"

    with Store.open(db_url) as store, store.session() as session:
        reviews = {r.review_id: r for r in session.scalars(select(Review))}
    assert set(reviews) - {"r1", "r2"} and {"r1", "r2"} <= set(reviews)
    assert reviews["r1"].masked_text == "物流很快，质量不错，联系我<PHONE>"
    assert reviews["r1"].label == "positive" and reviews["r1"].rating == 5 and reviews["r1"].lang == "zh"
    assert reviews["r2"].label == "negative" and reviews["r2"].lang == "en"
    derived = next(r for r in reviews.values() if r.review_id not in ("r1", "r2"))
    assert derived.review_id.startswith("r_") and derived.created_at is not None


def test_reingest_is_idempotent_and_updates_changed_rows(cli, db_url: str, tmp_path: Path) -> None:
    source = tmp_path / "reviews.jsonl"
    rows = [{"review_id": f"r{i}", "text": f"第{i}条评论，很好", "rating": 5} for i in range(5)]
    source.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    first = json.loads(cli("ingest", "reviews", source, "--db", db_url, "--json").stdout)
    second = json.loads(cli("ingest", "reviews", source, "--db", db_url, "--json").stdout)
    assert (first["stored"], second["stored"], second["unchanged"]) == (5, 0, 5)
    rows[2]["rating"] = 1
    source.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    third = json.loads(cli("ingest", "reviews", source, "--db", db_url, "--json").stdout)
    assert (third["stored"], third["updated"], third["unchanged"]) == (0, 1, 4)
    assert _count(db_url, Review) == 5


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("gbk.csv", "text,label\n质量很好,1\n太差了,0\n还可以,1\n".encode("gbk"), "not UTF-8"),
        ("broken.csv", b'text,label\n"unclosed quote,1\nok,0\n', "broken CSV"),
        ("reviews.xlsx", b"PK\x03\x04", "cannot tell the format"),
        ("nojson.jsonl", b"this is not json\nneither is this\n", "no line is valid JSON"),
        ("nocolumn.csv", "review,label\n很好,1\n".encode(), "no column for required field"),
    ],
)
def test_malformed_file_exits_2_and_leaves_store_unchanged(
    cli, db_url: str, tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    (tmp_path / "ok.csv").write_text("text\n先放一条好评\n", encoding="utf-8")
    assert cli("ingest", "reviews", tmp_path / "ok.csv", "--db", db_url).exit_code == 0
    path = tmp_path / name
    path.write_bytes(content)
    result = cli("ingest", "reviews", path, "--db", db_url)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert _count(db_url, Review) == 1


def test_map_option_with_fallback_and_extra_columns(cli, db_url: str, tmp_path: Path) -> None:
    source = tmp_path / "export.csv"
    source.write_text(
        "id,body,title,stars,shop\nA1,,Nice kettle,5,s1\nA2,很好用,标题,4,s2\n", encoding="utf-8"
    )
    result = cli(
        "ingest",
        "reviews",
        source,
        "--db",
        db_url,
        "--json",
        "--map",
        "review_id=id",
        "--map",
        "text=body|title",
        "--map",
        "rating=stars",
    )
    assert result.exit_code == 0, result.output
    with Store.open(db_url) as store, store.session() as session:
        reviews = {r.review_id: r for r in session.scalars(select(Review))}
    assert reviews["A1"].text == "Nice kettle" and reviews["A2"].text == "很好用"
    assert reviews["A2"].rating == 4 and reviews["A2"].extra == {"shop": "s2"}


def test_map_option_errors_are_plain(cli, tmp_path: Path) -> None:
    source = tmp_path / "r.csv"
    source.write_text("body\nok\n", encoding="utf-8")
    bad_field = cli("ingest", "reviews", source, "--map", "txt=body")
    assert bad_field.exit_code == 2 and "unknown field" in bad_field.stderr
    bad_column = cli("ingest", "reviews", source, "--map", "text=content")
    assert bad_column.exit_code == 2 and "no column 'content'" in bad_column.stderr
    bad_syntax = cli("ingest", "reviews", source, "--map", "text")
    assert bad_syntax.exit_code == 2 and "FIELD=COLUMN" in bad_syntax.stderr


def test_products_parquet_with_both_attribute_formats(cli, db_url: str, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table(
        {
            "product_id": ["p1", "p2", "p3"],
            "title": ["保温杯", "Kettle", "坏价格"],
            "price": ["¥129.00", "39.9", "free"],
            "attributes": ['{"材质": "不锈钢", "容量": "500ml"}', "颜色#蓝色*颜色#白色*功率#1800W", ""],
        }
    )
    source = tmp_path / "catalog.parquet"
    pq.write_table(table, source)
    summary = json.loads(cli("ingest", "products", source, "--db", db_url, "--json").stdout)
    assert (summary["stored"], summary["rejected"]) == (2, 1)
    with Store.open(db_url) as store, store.session() as session:
        products = {p.product_id: p for p in session.scalars(select(Product))}
    assert products["p1"].price == 129.0 and products["p1"].attributes == {"材质": "不锈钢", "容量": "500ml"}
    assert products["p2"].attributes == {"颜色": ["蓝色", "白色"], "功率": "1800W"}


def test_shares_users_faq_orders_and_edge_lists(cli, db_url: str, tmp_path: Path) -> None:
    (tmp_path / "shares.csv").write_text(
        "share_id,from_user,to_user,item_id,parent_share_id,created_at\n"
        "s1,u1,u2,r1,,2024-01-01 10:00\ns2,u2,u3,r1,s1,2024-01-01 11:00\n",
        encoding="utf-8",
    )
    (tmp_path / "users.jsonl").write_text(
        '{"user_id": "u1", "city": "杭州", "vip": true}\n', encoding="utf-8"
    )
    (tmp_path / "faq.csv").write_text(
        "question,answer,product_id\n能用多久？,续航约8小时,p1\n", encoding="utf-8"
    )
    (tmp_path / "orders.csv").write_text(
        "order_id,user_id,product_id,quantity,amount\no1,u1,p1,2,258\n", encoding="utf-8"
    )
    (tmp_path / "edges.txt").write_text("# friends\n1 2\n2 3\n3 3\n", encoding="utf-8")
    for kind, name in (
        ("shares", "shares.csv"),
        ("users", "users.jsonl"),
        ("faq", "faq.csv"),
        ("orders", "orders.csv"),
    ):
        result = cli("ingest", kind, tmp_path / name, "--db", db_url, "--json")
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["stored"] >= 1
    edges = json.loads(
        cli("ingest", "follows", tmp_path / "edges.txt", "--undirected", "--db", db_url, "--json").stdout
    )
    assert (edges["read"], edges["stored"], edges["rejected"]) == (3, 4, 1)  # 2 edges both ways, 1 self-loop
    with Store.open(db_url) as store, store.session() as session:
        arcs = set(session.execute(select(Follow.src, Follow.dst)).all())
    assert arcs == {("1", "2"), ("2", "1"), ("2", "3"), ("3", "2")}


def test_ingest_help_lists_recipes(cli) -> None:
    result = cli("ingest", "recipes", "--json")
    names = {r["name"] for r in json.loads(result.stdout)}
    assert {"online_shopping_10_cats", "amazon_reviews_en", "ego_facebook"} <= names


def test_cleaning_on_several_cores_gives_the_same_result(tmp_path: Path, monkeypatch) -> None:
    import koubei.ingest.loader as loader

    source = _write_mixed_file(tmp_path / "reviews.csv")
    sequential = loader.load_file(source, "reviews")
    monkeypatch.setattr(loader, "PARALLEL_MIN_ROWS", 4)
    monkeypatch.setattr(loader, "CHUNK_ROWS", 3)
    monkeypatch.setattr(loader, "_usable_cores", lambda: 2)
    parallel = loader.load_file(source, "reviews")
    assert parallel.rows == sequential.rows
    assert [(r.row, r.reasons) for r in parallel.rejected] == [
        (r.row, r.reasons) for r in sequential.rejected
    ]
