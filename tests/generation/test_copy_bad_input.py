"""Bad input to `koubei copy check / reply / summarize` and to `copy generate`'s attribute parsing, through the CLI:
a one-line error naming the field with exit 2, or a defined answer; batches keep going and write rejects."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.generation.copy_fixtures import add_product, write_pairs


def _one_line_error(result, code: int = 2) -> str:
    assert result.exit_code == code, (result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


@pytest.fixture
def db(tmp_path: Path) -> str:
    from koubei.store import Store

    url = f"sqlite:///{tmp_path / 'store.db'}"
    with Store.open(url) as store:
        add_product(store, "P1", [("r1", "质量很好，物流很快"), ("r2", "做工不错，质量好")])
        add_product(store, "P2")  # no reviews
    return url


@pytest.fixture
def model(cli, tmp_path: Path) -> Path:
    out = tmp_path / "model"
    result = cli("copy", "train", "--data", write_pairs(tmp_path / "pairs.jsonl"), "--out", out, "--json")
    assert result.exit_code == 0, result.stderr
    return out


BAD_ATTRIBUTES = [
    ("颜色红色", "attributes: pair '颜色红色' has no '#'"),  # no '#'
    ("颜色#", "attributes: empty value of '颜色'"),  # empty value
    ("#红色", "attributes: empty key"),
    (
        "*".join(f"k{i}#v{i}" for i in range(500)),
        "attributes: 500 attribute pairs, at most 64",
    ),  # 500 attributes
    ("颜色#<b>红色</b>", "contains HTML markup"),
    ("颜色#😀", "attributes: empty value of '颜色'"),  # only emoji
    ('{"颜色": ', "attributes: not valid JSON"),
    ("   ", "attributes: empty"),
]


@pytest.mark.parametrize(("attributes", "message"), BAD_ATTRIBUTES)
def test_check_refuses_bad_attributes_in_one_line(cli, attributes: str, message: str) -> None:
    assert message in _one_line_error(cli("copy", "check", "红色纯棉上衣", "--attributes", attributes))


def test_check_defined_answers_for_odd_but_valid_input(cli) -> None:
    # emoji are dropped from values: 红色😀 is 红色, so 红色 in the text is supported
    out = json.loads(cli("copy", "check", "红色上衣", "--attributes", "颜色#红色😀", "--json").stdout)
    assert out == {"passed": True, "flags": []}
    # HTML in the text to check is just text: the checks run on it
    out = json.loads(cli("copy", "check", "<b>全网最低价</b>", "--json").stdout)
    assert [f["span"] for f in out["flags"]] == ["最低价"] or [f["kind"] for f in out["flags"]] == ["ad_law"]
    assert "text to check" in _one_line_error(cli("copy", "check", "   "))  # nothing to check
    assert "1,000,000 characters" in _one_line_error(cli("copy", "check", "好" * 1_000_000))


@pytest.mark.parametrize("attributes", BAD_ATTRIBUTES[:7])
def test_generate_refuses_bad_attributes_in_one_line(cli, model: Path, attributes: tuple[str, str]) -> None:
    value, message = attributes
    result = cli("copy", "generate", "--attributes", value, "--model", model)
    assert message in _one_line_error(result)


def test_unknown_product_and_product_without_reviews(cli, db: str, model: Path) -> None:
    assert "NOPE" in _one_line_error(cli("copy", "check", "白色上衣", "--product", "NOPE", "--db", db))
    assert "NOPE" in _one_line_error(cli("copy", "summarize", "--product", "NOPE", "--db", db))
    assert "NOPE" in _one_line_error(
        cli("copy", "generate", "--product", "NOPE", "--model", model, "--db", db)
    )
    # P2 has no reviews: check uses its attributes only, summarize says there is nothing to summarise
    out = json.loads(cli("copy", "check", "红色上衣", "--product", "P2", "--db", db, "--json").stdout)
    assert [(f["kind"], f["span"]) for f in out["flags"]] == [("contradiction", "红色")]
    assert "no reviews" in _one_line_error(cli("copy", "summarize", "--product", "P2", "--db", db))


def test_reply_to_a_missing_review_or_empty_text(cli, db: str) -> None:
    assert "R404" in _one_line_error(cli("copy", "reply", "--review", "R404", "--db", db))
    assert "empty" in _one_line_error(cli("copy", "reply", "--text", "  ", "--no-save"))
    assert "exactly one" in _one_line_error(cli("copy", "reply", "--no-save"))
    assert "exactly one" in _one_line_error(
        cli("copy", "reply", "--text", "好", "--review", "r1", "--db", db)
    )


def test_check_batch_keeps_going_and_writes_rejects_with_reasons(cli, tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    rows = [
        {"text": "纯棉上衣", "attributes": "材质#牛仔布"},
        {"text": "纯棉上衣", "attributes": "材质牛仔布"},
        "not json",
        {"nope": 1},
        {"text": 42},
        {"text": "好" * 200_000},
        {"text": "第一步：清洁面部"},
        {"text": "红色", "attributes": {"颜色": "蓝色"}},
    ]
    src.write_text(
        "\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows) + "\n\n",
        encoding="utf-8",
    )
    dst = tmp_path / "out.jsonl"
    result = cli("copy", "check", "--input", src, "--output", dst, "--json")
    assert result.exit_code == 0, result.stderr
    assert (json.loads(result.stdout)["written"], json.loads(result.stdout)["rejected"]) == (3, 5)
    out = [json.loads(line) for line in dst.read_text(encoding="utf-8").splitlines()]
    assert [r["line"] for r in out] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert [f["kind"] for f in out[0]["flags"]] == ["contradiction"]
    assert "attributes: pair '材质牛仔布' has no '#'" in out[1]["error"]
    assert "line 3" in out[2]["error"] or "JSON" in out[2]["error"]
    assert out[3]["error"].startswith("text") and out[4]["error"].startswith("text")
    assert "200,000 characters" in out[5]["error"]
    assert out[6] == {"line": 7, "passed": True, "flags": []}
    assert [f["kind"] for f in out[7]["flags"]] == ["contradiction"]
    assert "--input" in _one_line_error(
        cli("copy", "check", "--input", tmp_path / "missing.jsonl", "--output", dst)
    )
    assert "together" in _one_line_error(cli("copy", "check", "--input", src))
