"""A bad row never stops a batch: each hostile value found in review ends up as one quarantined row with a reason
naming the field, the good rows are stored, and the outcome is the same on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import math
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

DEEP = 10_000


def _deep(depth: int) -> str:
    return "[" * depth + "]" * depth


def _jsonl(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_deeply_nested_jsonl_row_is_rejected_and_the_rest_stored(ingest, db_url: str, tmp_path: Path) -> None:
    deep_line = '{"review_id":"deep","text":"x","a":' + _deep(DEEP) + "}"
    medium_line = '{"review_id":"medium","text":"x","a":' + _deep(150) + "}"
    source = _jsonl(tmp_path / "r.jsonl", ['{"review_id":"ok","text":"很好"}', deep_line, medium_line])
    out = ingest("reviews", source, db_url)
    assert out.exit_code == 0, out.stderr
    assert (out.summary["read"], out.summary["stored"], out.summary["rejected"]) == (3, 1, 2)
    assert set(out.stored) == {"ok"}
    assert "100 levels of nesting" in out.reasons(2) and "100 levels of nesting" in out.reasons(3)
    assert out.rejects[2]["raw"] == {"_line": deep_line}  # the line exactly as read


def test_deeply_nested_json_file_is_refused_in_one_line(ingest, db_url: str, tmp_path: Path) -> None:
    good = _jsonl(tmp_path / "good.jsonl", ['{"review_id":"ok","text":"很好"}'])
    assert ingest("reviews", good, db_url).exit_code == 0
    source = tmp_path / "deep.json"
    source.write_text(_deep(DEEP), encoding="utf-8")
    out = ingest("reviews", source, db_url)
    assert out.exit_code == 2
    assert "nested too deeply" in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert "Traceback" not in out.stderr
    assert set(out.stored) == {"ok"}


def test_json_array_row_nested_too_deep_is_a_row_reject(ingest, db_url: str, tmp_path: Path) -> None:
    rows = [
        {"review_id": "ok", "text": "很好"},
        {"review_id": "deep", "text": "x", "n": 1, "a": json.loads(_deep(150))},
    ]
    source = tmp_path / "r.json"
    source.write_text(json.dumps(rows), encoding="utf-8")
    out = ingest("reviews", source, db_url)
    assert out.exit_code == 0, out.stderr
    assert set(out.stored) == {"ok"} and "100 levels of nesting" in out.reasons(2)
    assert out.rejects[2]["raw"]["n"] == 1 and "not kept" in out.rejects[2]["raw"]["a"]


@pytest.mark.parametrize("depth", [DEEP, 150])
def test_deep_attributes_cell_is_a_row_reject(ingest, db_url: str, tmp_path: Path, depth: int) -> None:
    source = tmp_path / "p.csv"
    cell = '"{""a"": ' + _deep(depth).replace('"', '""') + '}"'
    source.write_text(f'product_id,attributes\np1,"{{""颜色"": ""蓝""}}"\np2,{cell}\n', encoding="utf-8")
    out = ingest("products", source, db_url)
    assert out.exit_code == 0, out.stderr
    assert set(out.stored) == {"p1"} and out.stored["p1"].attributes == {"颜色": "蓝"}
    assert out.reasons(2).startswith("attributes") and "nested deeper than 100 levels" in out.reasons(2)


def test_lone_surrogate_in_a_json_array_is_quarantined_as_read(ingest, db_url: str, tmp_path: Path) -> None:
    source = tmp_path / "r.json"
    source.write_text(
        '[{"review_id":"ok","text":"很好"}, {"review_id":"bad","text":"bad \\ud800"},'
        ' {"review_id":"bad2","text":"ok","shop":"\\udfff"}]',
        encoding="utf-8",
    )
    out = ingest("reviews", source, db_url)
    assert out.exit_code == 0, out.stderr
    assert set(out.stored) == {"ok"}
    assert out.reasons(2).startswith("text:") and "unpaired surrogate (U+D800)" in out.reasons(2)
    assert out.reasons(3).startswith("column 'shop':") and "U+DFFF" in out.reasons(3)
    assert out.rejects[2]["raw"]["text"] == "bad \ud800"  # written as the \ud800 escape, read back as read


def test_invalid_utf8_in_extra_csv_cells_is_quarantined(ingest, db_url: str, tmp_path: Path) -> None:
    source = tmp_path / "r.csv"
    source.write_bytes(b"review_id,text\nok,good\nlong,fine,\xff\xfe extra\n")
    out = ingest("reviews", source, db_url)
    assert out.exit_code == 0, out.stderr
    assert set(out.stored) == {"ok"} and "expected 2 columns, found 3" in out.reasons(2)
    assert out.rejects[2]["raw"]["_extra_cells"] == ["\\xff\\xfe extra"]


@pytest.mark.parametrize("value", ["1e20", "-1e20", "1e400", "Infinity", '"1e20"'])
def test_created_at_out_of_any_clock_is_a_row_reject(ingest, db_url: str, tmp_path: Path, value: str) -> None:
    source = _jsonl(
        tmp_path / "r.jsonl",
        ['{"review_id":"ok","text":"很好"}', f'{{"review_id":"bad","text":"x","created_at":{value}}}'],
    )
    out = ingest("reviews", source, db_url)
    assert out.exit_code == 0, out.stderr
    assert set(out.stored) == {"ok"} and out.reasons(2).startswith("created_at:")


def test_nan_created_at_means_missing(ingest, db_url: str, tmp_path: Path) -> None:
    out = ingest(
        "reviews", _jsonl(tmp_path / "r.jsonl", ['{"review_id":"r1","text":"好","created_at":NaN}']), db_url
    )
    assert out.summary["stored"] == 1 and out.stored["r1"].created_at is None


def test_parquet_extra_columns_of_every_type_become_json(ingest, db_url: str, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table(
        {
            "review_id": ["r1", "r2"],
            "text": pa.array(
                [b"\xe5\xa5\xbd\xe8\xaf\x84", b"\xff\xfe"], pa.binary()
            ),  # UTF-8 "好评"; not UTF-8
            "seen": pa.array([datetime(2024, 5, 1, 12, 30), None], pa.timestamp("us")),
            "blob": pa.array([b"\xff\x01", b"ok"], pa.binary()),
            "price": pa.array([Decimal("12.50"), Decimal("3")], pa.decimal128(10, 2)),
            "score": pa.array([float("nan"), 1.5], pa.float64()),
        }
    )
    source = tmp_path / "r.parquet"
    pq.write_table(table, source)
    out = ingest("reviews", source, db_url)
    assert out.exit_code == 0, out.stderr
    assert set(out.stored) == {"r1"}
    assert out.stored["r1"].text == "好评"
    assert out.stored["r1"].extra == {
        "seen": "2024-05-01T12:30:00",
        "blob": "base64:/wE=",
        "price": 12.5,
        "score": None,
    }
    assert out.reasons(2) == "text: is binary data that is not UTF-8 text"


@pytest.mark.parametrize(
    ("kind", "header", "value", "message"),
    [
        ("reviews", "category", "类" * 129, "category: is 129 characters long; the limit is 128"),
        ("reviews", "source", "s" * 65, "source: is 65 characters long; the limit is 64"),
        ("products", "brand", "b" * 200, "brand: is 200 characters long; the limit is 128"),
        ("products", "category", "c" * 129, "category: is 129 characters long; the limit is 128"),
        ("orders", "status", "x" * 33, "status: is 33 characters long; the limit is 32"),
    ],
)
def test_over_long_short_fields_are_rejected_naming_the_limit(
    ingest, db_url: str, tmp_path: Path, kind: str, header: str, value: str, message: str
) -> None:
    key = {"reviews": "review_id", "products": "product_id", "orders": "order_id"}[kind]
    text = ",text" if kind == "reviews" else ""
    cells = ",好评" if kind == "reviews" else ""
    source = tmp_path / "f.csv"
    source.write_text(f"{key},{header}{text}\nok,fine{cells}\nbad,{value}{cells}\n", encoding="utf-8")
    out = ingest(kind, source, db_url)
    assert out.exit_code == 0, out.stderr
    assert set(out.stored) == {"ok"} and out.reasons(2) == message


def test_nul_characters_same_outcome_on_every_store(ingest, db_url: str, tmp_path: Path) -> None:
    lines = [
        '{"review_id":"ok","text":"很好","category":"手机\\u0000壳","shop":"a\\u0000b","nested":{"k\\u0000":"v"}}',
        '{"review_id":"bad\\u0000id","text":"x"}',
        '{"review_id":"r3","product_id":"p\\u0000","text":"x"}',
        '{"review_id":"r4","text":"有\\u0000空字符"}',
    ]
    out = ingest("reviews", _jsonl(tmp_path / "r.jsonl", lines), db_url)
    assert out.exit_code == 0, out.stderr
    assert set(out.stored) == {"ok", "r4"}
    assert out.stored["ok"].category == "手机 壳"
    assert out.stored["ok"].extra == {"shop": "ab", "nested": {"k": "v"}}
    assert out.stored["r4"].text == "有空字符"
    assert (
        out.reasons(2)
        == "review_id: id contains the invisible or control character U+0000; ids must be plain text"
    )
    assert out.reasons(3).startswith("product_id: id contains the invisible or control character U+0000")


def test_nan_and_infinity_in_extra_columns_and_attributes_become_null(
    ingest, db_url: str, tmp_path: Path
) -> None:
    reviews = _jsonl(
        tmp_path / "r.jsonl", ['{"review_id":"r1","text":"好","a":NaN,"b":[Infinity,-Infinity,1]}']
    )
    out = ingest("reviews", reviews, db_url)
    assert out.exit_code == 0, out.stderr
    assert out.stored["r1"].extra == {"a": None, "b": [None, None, 1]}
    products = _jsonl(
        tmp_path / "p.jsonl", ['{"product_id":"p1","attributes":{"w":NaN,"h":2.5},"size":Infinity}']
    )
    out = ingest("products", products, db_url)
    assert out.exit_code == 0, out.stderr
    assert out.stored["p1"].attributes == {"w": None, "h": 2.5, "size": None}


def test_nan_in_a_parquet_extra_column_is_null(ingest, db_url: str, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    # A float column with NaN (not null), as pandas writes a missing value.
    frame = pa.table({"review_id": ["r1", "r2"], "text": ["好", "差"], "weight": pa.array([math.nan, 2.0])})
    pq.write_table(frame, tmp_path / "r.parquet")
    out = ingest("reviews", tmp_path / "r.parquet", db_url)
    assert out.exit_code == 0, out.stderr
    assert out.stored["r1"].extra == {"weight": None} and out.stored["r2"].extra == {"weight": 2.0}


def test_bidirectional_and_invisible_characters_in_ids_are_rejected(
    ingest, db_url: str, tmp_path: Path
) -> None:
    lines = [
        '{"review_id":"ok","text":"好"}',
        '{"review_id":"abc\\u202egnp.exe","text":"x"}',
        '{"review_id":"r3","user_id":"\\u2066u1\\u2069","text":"x"}',
        '{"review_id":"r\\u200b4","text":"x"}',
    ]
    out = ingest("reviews", _jsonl(tmp_path / "r.jsonl", lines), db_url)
    assert set(out.stored) == {"ok"}
    assert "U+202E" in out.reasons(2) and out.reasons(3).startswith("user_id:") and "U+2066" in out.reasons(3)
    assert "U+200B" in out.reasons(4)


def test_any_exception_while_cleaning_a_row_makes_only_that_row_a_reject(
    ingest, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import koubei.ingest.loader as loader

    real = loader.mask_pii

    def flaky(text: str):  # type: ignore[no-untyped-def]
        if "炸" in text:
            raise RuntimeError(f"boom while masking {text}")  # an error whose message quotes the raw text
        return real(text)

    monkeypatch.setattr(loader, "mask_pii", flaky)
    source = _jsonl(
        tmp_path / "r.jsonl",
        [
            '{"review_id":"ok","text":"很好"}',
            '{"review_id":"bad","text":"秘密会炸"}',
            '{"review_id":"ok2","text":"也好"}',
        ],
    )
    out = ingest("reviews", source, db_url)
    assert out.exit_code == 0, out.stderr
    assert set(out.stored) == {"ok", "ok2"}
    assert out.reasons(2) == "could not be processed (RuntimeError); please report this row"
    assert out.rejects[2]["raw"]["text"] == "秘密会炸"  # the raw row is in the quarantine file ...
    assert "秘密" not in out.stdout + out.stderr  # ... and nowhere else


def test_store_column_widths_match_the_ingest_limits() -> None:
    from koubei.ingest import schemas
    from koubei.store.models import Order, Product, Review

    def width(column: object) -> int:
        return column.type.length  # type: ignore[attr-defined]

    assert width(Review.category) == width(Product.category) == width(Product.brand) == schemas.LABEL_CHARS
    assert width(Review.source) == schemas.SOURCE_CHARS and width(Order.status) == schemas.STATUS_CHARS
    assert width(Review.review_id) == 128


def test_one_quarantined_row_is_one_line_even_with_unicode_line_separators(
    ingest, db_url: str, tmp_path: Path
) -> None:
    source = _jsonl(tmp_path / "r.jsonl", ['{"review_id":"a\u2028b","text":"x\u2029y\u0085z"}'])
    out = ingest("reviews", source, db_url)  # its reader splits the quarantine file with str.splitlines()
    assert out.rejects[1]["raw"] == {"review_id": "a\u2028b", "text": "x\u2029y\x85z"}
