"""End to end through the CLI: ingest -> `koubei service index` -> `koubei ask` (multi-turn, stored masked) -> eval."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.support.conftest import FAQ, PRODUCTS, REVIEWS


def _invoke(args: list[str]) -> Any:
    from koubei.cli.main import app

    return CliRunner().invoke(app, args)


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def loaded_store(tmp_path: Path) -> Path:
    for kind, rows in (("products", PRODUCTS), ("faq", FAQ)):
        result = _invoke(["ingest", kind, str(_write_jsonl(tmp_path / f"{kind}.jsonl", rows)), "--json"])
        assert result.exit_code == 0, result.output
    reviews = [
        {"review_id": r["review_id"], "product_id": r["product_id"], "text": r["masked_text"]}
        for r in REVIEWS
    ]
    result = _invoke(["ingest", "reviews", str(_write_jsonl(tmp_path / "reviews.jsonl", reviews)), "--json"])
    assert result.exit_code == 0, result.output
    return tmp_path


def test_index_ask_conversation_and_eval(loaded_store: Path) -> None:
    from koubei.config import get_settings
    from koubei.store import Store
    from koubei.store.support import conversation_turns

    built = _invoke(["service", "index", "--dense", "lsa", "--json"])
    assert built.exit_code == 0, built.output
    info = json.loads(built.output)
    assert info["added"] == info["docs"] > 20 and info["dense"] == "lsa"
    again = json.loads(_invoke(["service", "index", "--json"]).output)  # incremental: nothing new
    assert again["added"] == 0 and again["unchanged"] == info["docs"]
    assert (get_settings().indexes_dir / "service" / "index.json").exists()

    first = _invoke(["ask", "What is the warranty? call me on 13812345678", "--product", "K1", "--json"])
    assert first.exit_code == 0, first.output
    reply = json.loads(first.output)
    assert reply["citations"][0]["doc_id"] == "attr:K1:warranty" and "2 years" in reply["answer"]
    assert "13812345678" not in first.output
    cid = reply["conversation_id"]
    second = json.loads(_invoke(["ask", "what about the blue one?", "--conversation", cid, "--json"]).output)
    assert second["product_id"] == "K2" and second["citations"][0]["doc_id"] == "attr:K2:warranty"
    human = _invoke(["ask", "我要投诉，你们卖假货", "--conversation", cid])
    assert human.exit_code == 0 and "escalated to a human: complaint" in human.output

    with Store.open() as store:
        turns = conversation_turns(store, cid)
    assert [t["role"] for t in turns] == ["user", "assistant"] * 3
    assert "13812345678" not in json.dumps(turns, ensure_ascii=False)
    assert turns[3]["details"]["product_id"] == "K2"

    qa = _write_jsonl(
        loaded_store / "qa.jsonl",
        [
            {
                "question": "what is the warranty",
                "product_id": "K2",
                "doc_id": "attr:K2:warranty",
                "escalate": False,
            },
            {"question": "退货政策是什么", "faq_id": "F2", "escalate": False},
            {"question": "Does it have bluetooth?", "product_id": "K1", "escalate": True},
        ],
    )
    report = json.loads(_invoke(["service", "eval", "--qa", str(qa), "--json"]).output)
    assert report["retrieval"]["fused"] == {"hit@1": 100.0, "hit@5": 100.0, "mrr": 1.0, "n": 2}
    assert report["escalation"]["precision"] == 1.0 and report["escalation"]["recall"] == 1.0


def test_eval_self_index_and_bad_input(tmp_path: Path) -> None:
    qa = _write_jsonl(
        tmp_path / "qa.jsonl",
        [
            {
                "qa_id": "a",
                "question": "how long is the cord",
                "answer": "The power cord is about 1.2 metres long.",
            },
            {
                "qa_id": "b",
                "question": "is the filter washable",
                "answer": "Yes, rinse the filter under water.",
            },
            {"qa_id": "c", "question": "电池能用多久", "answer": "电池大概能用一个小时。"},
        ],
    )
    result = _invoke(["service", "eval", "--qa", str(qa), "--self-index", "--dense", "lsa", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["retrieval"]["bm25"]["n"] == 3 and report["retrieval"]["fused"]["hit@1"] == 100.0
    assert report["escalation"] is None

    missing = _invoke(["service", "eval", "--qa", str(tmp_path / "nope.jsonl")])
    assert missing.exit_code == 2 and "does not exist" in missing.output
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"answer": "no question"}\n', encoding="utf-8")
    result = _invoke(["service", "eval", "--qa", str(bad), "--self-index"])
    assert result.exit_code == 2 and "question" in result.output


def test_ask_errors_are_one_line(loaded_store: Path) -> None:
    assert _invoke(["service", "index", "--dense", "lsa", "--json"]).exit_code == 0
    unknown = _invoke(["ask", "warranty?", "--product", "NOPE"])
    assert (
        unknown.exit_code == 2 and "unknown product" in unknown.output and "Traceback" not in unknown.output
    )
    bad_mode = _invoke(["service", "index", "--fusion", "borda"])
    assert bad_mode.exit_code == 2 and "rrf, weighted or rerank" in bad_mode.output
