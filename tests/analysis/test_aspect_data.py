"""Reading labelled aspect files: both layouts, the data's own test split, and bad rows set aside with reasons."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from koubei.analysis.aspects.data import is_test, read_aspect_file
from koubei.errors import BadInputError
from koubei.pipelines.ingest import write_rejects


def _jsonl(path: Path, lines: list[object]) -> Path:
    path.write_text(
        "\n".join(x if isinstance(x, str) else json.dumps(x, ensure_ascii=False) for x in lines) + "\n",
        encoding="utf-8",
    )
    return path


def test_jsonl_terms_keep_good_rows_and_reject_bad_ones(tmp_path: Path) -> None:
    path = _jsonl(
        tmp_path / "a.jsonl",
        [
            {
                "text": "电池很好",
                "aspects": [{"term": "电池", "from": 0, "to": 2, "polarity": "positive"}],
                "orig_split": "train",
            },
            {
                "text": "屏幕很差",
                "aspects": [{"term": "屏幕", "from": 0, "to": 2, "polarity": "negative"}],
                "orig_split": "test",
            },
            "{not json",
            {"text": "  ", "aspects": []},
            {"text": "电池很好", "aspects": [{"term": "电池", "from": 1, "to": 3, "polarity": "positive"}]},
            {"text": "电池很好", "aspects": [{"term": "电池", "from": 0, "to": 9, "polarity": "positive"}]},
            {"text": "电池很好", "aspects": [{"term": "电池", "from": 0, "to": 2, "polarity": "great"}]},
            {"text": "价格很好", "aspects": [{"category": "price", "polarity": "positive"}]},
            {"text": "没说什么", "aspects": []},
        ],
    )
    data = read_aspect_file(path)
    assert [r["row"] for r in data.records] == [1, 2, 9]
    assert [is_test(r) for r in data.records] == [False, True, False] and data.has_test_split
    reasons = {r["row"]: r["reason"] for r in data.rejected}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8]
    assert "not valid JSON" in reasons[3]
    assert "'text' must be a non-empty string" in reasons[4]
    assert "is not the text at 1:3" in reasons[5]
    assert "0 <= from < to <= 4" in reasons[6]
    assert "'polarity' must be one of positive, negative, neutral, got 'great'" in reasons[7]
    assert "category aspects in a file of term aspects" in reasons[8]
    out = write_rejects(tmp_path / "rej" / "rejected.jsonl", data.rejected)
    assert out is not None and len(out.read_text(encoding="utf-8").splitlines()) == 6
    assert write_rejects(tmp_path / "none.jsonl", []) is None and not (tmp_path / "none.jsonl").exists()


def test_asap_wide_csv(tmp_path: Path) -> None:
    path = tmp_path / "asap.csv"
    path.write_text(
        "index,reviewbody,star,dish_taste,service_wait_time,orig_file\n"
        "1,菜很好吃，等了很久,4,1,-1,train_sample\n"
        "2,一般般,3,0,-2,test_sample\n"
        "3,,5,1,-2,train_sample\n"
        "4,没有提到,5,-2,,dev_sample\n",
        encoding="utf-8",
    )
    data = read_aspect_file(path)
    assert data.layout == "csv"
    assert [r["aspects"] for r in data.records] == [
        [
            {"category": "dish_taste", "polarity": "positive"},
            {"category": "service_wait_time", "polarity": "negative"},
        ],
        [{"category": "dish_taste", "polarity": "neutral"}],
        [],
    ]
    assert [is_test(r) for r in data.records] == [False, True, False]
    assert data.rejected == [{"row": 3, "reason": "empty 'reviewbody'"}]


def test_unusable_files_say_why(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="does not exist"):
        read_aspect_file(tmp_path / "missing.jsonl")
    with pytest.raises(BadInputError, match=r"must be \.jsonl"):
        read_aspect_file(_jsonl(tmp_path / "a.txt", [{}]))
    with pytest.raises(BadInputError, match=r"no usable labelled aspects.*'aspects' must be a list \(empty"):
        read_aspect_file(_jsonl(tmp_path / "b.jsonl", [{"text": "x"}, {"text": "y"}]))
    (tmp_path / "c.csv").write_text("title,dish\nx,1\n", encoding="utf-8")
    with pytest.raises(BadInputError, match="no text column"):
        read_aspect_file(tmp_path / "c.csv")
    (tmp_path / "d.csv").write_text("text,stars_given\nx,great\n", encoding="utf-8")
    with pytest.raises(BadInputError, match="no aspect category columns"):
        read_aspect_file(tmp_path / "d.csv")
