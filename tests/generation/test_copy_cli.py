"""`koubei copy ...` end to end through typer's CliRunner: train -> generate (stored draft) -> list -> approve,
eval with both baselines, check, reply, summarize, and bad input as one line with exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.generation.copy_fixtures import add_product, write_pairs


@pytest.fixture
def trained(cli, tmp_path: Path) -> tuple[Path, str]:
    data = write_pairs(tmp_path / "pairs.jsonl", ['{"content": "no hash", "summary": "x"}', "not json"])
    out = tmp_path / "model"
    result = cli("copy", "train", "--data", data, "--out", out, "--json")
    assert result.exit_code == 0, result.stderr
    body = json.loads(result.stdout)
    assert (body["pairs"], body["rejected"]) == (6, 2)
    assert [r["line"] for r in body["rejects"]] == [7, 8]
    return out, f"sqlite:///{tmp_path / 'store.db'}"


def _one_line_error(result, code: int = 2) -> str:
    assert result.exit_code == code, (result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


def test_generate_stores_a_labelled_draft_that_a_person_approves(cli, trained) -> None:
    model, db = trained
    result = cli(
        "copy",
        "generate",
        "--attributes",
        "类型#上衣*颜色#黑色*材质#棉",
        "--n",
        "3",
        "--model",
        model,
        "--db",
        db,
        "--json",
    )
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert "黑色" in out["text"] and out["label"]["machine_generated"] is True and out["status"] == "draft"
    assert len(out["candidates"]) <= 3 and {"text", "passed", "flags"} <= set(out["candidates"][0])
    assert any(c["source"] == {"kind": "attribute", "key": "颜色"} for c in out["claims"])
    listed = json.loads(cli("copy", "list", "--db", db, "--json").stdout)["items"]
    assert [(r["id"], r["status"]) for r in listed] == [(out["content_id"], "draft")]
    assert cli("copy", "approve", str(out["content_id"]), "--by", "alice", "--db", db).exit_code == 0
    assert (
        json.loads(cli("copy", "list", "--status", "approved", "--db", db, "--json").stdout)["items"][0][
            "reviewed_by"
        ]
        == "alice"
    )
    assert cli("copy", "reject", str(out["content_id"]), "--db", db).exit_code == 0
    assert "999" in _one_line_error(cli("copy", "approve", "999", "--db", db))


def test_product_copy_uses_praise_with_review_ids_or_says_there_is_none(cli, trained) -> None:
    model, db = trained
    from koubei.store import Store

    with Store.open(db) as store:
        add_product(store, "P1", [("r1", "质量很好"), ("r2", "质量不错")])
        add_product(store, "P2")
    out = json.loads(
        cli("copy", "generate", "--product", "P1", "--model", model, "--db", db, "--json").stdout
    )
    assert "买家称赞它的质量" in out["text"] and out["product_id"] == "P1"
    assert [s["id"] for s in out["claims"][-1]["sources"]] == ["r1", "r2"]
    bare = json.loads(
        cli("copy", "generate", "--product", "P2", "--model", model, "--db", db, "--json").stdout
    )
    assert "no praise found: copy uses attributes only" in bare["notes"]
    assert "NOPE" in _one_line_error(
        cli("copy", "generate", "--product", "NOPE", "--model", model, "--db", db)
    )


def test_bad_generate_input_is_one_line_and_fake_reviews_are_refused(cli, trained) -> None:
    model, db = trained
    assert "has no '#'" in _one_line_error(
        cli("copy", "generate", "--attributes", "类型", "--model", model, "--db", db)
    )
    assert "attributes: none given" in _one_line_error(
        cli("copy", "generate", "--attributes", "", "--model", model, "--db", db)
    )
    refused = _one_line_error(
        cli(
            "copy",
            "generate",
            "--attributes",
            "类型#上衣",
            "--persona",
            "写5条五星好评",
            "--model",
            model,
            "--db",
            db,
        )
    )
    assert "summarize" in refused
    assert "no copy model" in _one_line_error(
        cli("copy", "generate", "--attributes", "类型#上衣", "--model", Path(db[10:]).parent / "none")
    )


def test_batch_keeps_going_and_writes_rejects_in_order(cli, trained, tmp_path: Path) -> None:
    model, db = trained
    src = tmp_path / "in.jsonl"
    src.write_text(
        '{"attributes": "类型#上衣*颜色#红色"}\n{"attributes": "bad"}\nnot json\n'
        '{"content": "类型#裤", "persona": "write 5 customer reviews"}\n{"attributes": {"类型": "裙"}}\n',
        encoding="utf-8",
    )
    dst = tmp_path / "out.jsonl"
    result = cli("copy", "generate", "--input", src, "--output", dst, "--model", model, "--db", db, "--json")
    assert result.exit_code == 0, result.stderr
    rows = [json.loads(line) for line in dst.read_text(encoding="utf-8").splitlines()]
    assert [r["line"] for r in rows] == [1, 2, 3, 4, 5]
    assert ["error" in r for r in rows] == [False, True, True, True, False]
    assert rows[3]["refused"] == "fake_review" and {"text", "candidates", "claims", "flags", "label"} <= set(
        rows[0]
    )


def test_eval_reports_the_model_and_both_baselines(cli, trained, tmp_path: Path) -> None:
    model, _ = trained
    data = write_pairs(tmp_path / "held.jsonl")
    out = json.loads(cli("copy", "eval", "--model", model, "--data", data, "--json").stdout)
    names = [s["system"] for s in out["systems"]]
    assert names == ["koubei copy", "template baseline", "retrieval baseline (Jaccard over attribute pairs)"]
    assert out["systems"][2]["bleu4"] == pytest.approx(
        100.0
    )  # the pairs are the training pairs: retrieval copies them
    assert out["systems"][2]["copied_rate"] == 100.0 and out["systems"][0]["copied_rate"] == 0.0
    assert out["decoding"]["n"] == 5 and "rerank" in out["decoding"]


def test_check_reply_and_summarize(cli, trained, tmp_path: Path) -> None:
    model, db = trained
    checked = json.loads(
        cli("copy", "check", "全网最低价的纯棉T恤", "--attributes", "材质#牛仔布", "--json").stdout
    )
    assert checked["passed"] is False and [f["kind"] for f in checked["flags"]] == ["ad_law", "contradiction"]
    assert "characters" in _one_line_error(cli("copy", "check", "好" * 1_000_000))
    src = tmp_path / "texts.jsonl"
    src.write_text('{"text": "第一步：清洁面部"}\n{"nope": 1}\n', encoding="utf-8")
    assert (
        cli("copy", "check", "--input", src, "--output", tmp_path / "c.jsonl", "--model", model).exit_code
        == 0
    )
    rows = [json.loads(x) for x in (tmp_path / "c.jsonl").read_text(encoding="utf-8").splitlines()]
    assert rows[0]["passed"] is True and "text" in rows[1]["error"]

    reply = json.loads(
        cli("copy", "reply", "--text", "物流太慢了，电话13812345678", "--db", db, "--json").stdout
    )
    assert (
        reply["complaints"] == ["logistics"]
        and "13812345678" not in reply["text"]
        and reply["status"] == "draft"
    )
    assert "NOPE" in _one_line_error(cli("copy", "reply", "--review", "NOPE", "--db", db))
    from koubei.store import Store

    with Store.open(db) as store:
        add_product(store, "P1", [("r1", "质量很好，物流很快"), ("r2", "质量不错")])
        add_product(store, "P2")
    assert json.loads(cli("copy", "reply", "--review", "r1", "--db", db, "--json").stdout)["praised"]
    summary = json.loads(cli("copy", "summarize", "--product", "P1", "--db", db, "--json").stdout)
    assert summary["reviews"] == 2
    assert "no reviews" in _one_line_error(cli("copy", "summarize", "--product", "P2", "--db", db))
