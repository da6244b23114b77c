"""The customer-service pipeline: typed results, the index decision and path, artifacts, and the defects of review:
`ask --index FILE`, an over-long `--conversation` id (both stores), a generator with 128 positions."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from koubei.errors import BadInputError
from koubei.progress import RecordingProgress
from tests.support.conftest import FAQ, PRODUCTS, REVIEWS


def _invoke(args: list[str]) -> Any:
    from koubei.cli.main import app

    return CliRunner().invoke(app, args)


def _fill(db_url: str, tmp_path: Path) -> None:
    reviews = [
        {"review_id": r["review_id"], "product_id": r["product_id"], "text": r["masked_text"]}
        for r in REVIEWS
    ]
    for kind, rows in (("products", PRODUCTS), ("faq", FAQ), ("reviews", reviews)):
        path = tmp_path / f"{kind}.jsonl"
        path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
        result = _invoke(["ingest", kind, str(path), "--db", db_url, "--json"])
        assert result.exit_code == 0, result.output


class _Phases(RecordingProgress):
    def __init__(self) -> None:
        super().__init__()
        self.phases: list[tuple[str, int | None]] = []

    def start(self, total: int | None, unit: str = "items", desc: str = "") -> None:
        super().start(total, unit, desc)
        self.phases.append((desc, total))


def test_answer_builds_the_default_index_once_and_returns_a_typed_result(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from koubei.artifacts import default_index_dir
    from koubei.pipelines import support
    from koubei.pipelines.support import AskResult, answer
    from koubei.store import Store
    from koubei.support.index import IndexConfig

    monkeypatch.setattr(
        support, "IndexConfig", lambda: IndexConfig(dense="lsa")
    )  # no MiniLM load in a unit test
    _fill(db_url, tmp_path)
    progress = _Phases()
    with Store.open(db_url) as store:
        result = answer(store, "What is the warranty?", product_id="K1", progress=progress)
        record = default_index_dir("service") / "index.json"
        assert record.is_file() and progress.phases == [("reading reviews", 3)] and progress.state.done == 3
        stamp = record.stat().st_mtime_ns
        again = answer(
            store, "What is the warranty?", product_id="K2", conversation_id=result.conversation_id
        )
    assert record.stat().st_mtime_ns == stamp  # the index exists now: not rebuilt
    assert isinstance(result, AskResult) and result.citations[0]["doc_id"] == "attr:K1:warranty"
    assert set(result.to_dict()) == {
        "conversation_id",
        "question",
        "query",
        "product_id",
        "follow_up",
        "intent",
        "answer",
        "citations",
        "evidence",
        "refused",
        "mode",
        "escalation",
        "latency_ms",
    }
    assert again.conversation_id == result.conversation_id and "1 year" in again.answer
    meta = json.loads(record.read_text())
    assert meta["kind"] == "service_index" and meta["format_version"] == 1 and meta["n_docs"] > 20


def test_conversation_id_longer_than_the_store_keeps_is_refused(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from koubei.pipelines import support
    from koubei.pipelines.support import answer
    from koubei.store import Store
    from koubei.support.index import IndexConfig

    monkeypatch.setattr(support, "IndexConfig", lambda: IndexConfig(dense="lsa"))

    _fill(db_url, tmp_path)
    long_id = "c" * 80
    with Store.open(db_url) as store:
        with pytest.raises(BadInputError, match="80 characters long; the limit is 64"):
            answer(store, "What is the warranty?", product_id="K1", conversation_id=long_id)
        ok = answer(store, "What is the warranty?", product_id="K1", conversation_id="c" * 64)
    assert ok.conversation_id == "c" * 64
    cli = _invoke(["ask", "warranty?", "--conversation", long_id, "--db", db_url])
    assert cli.exit_code == 2 and "the limit is 64" in cli.output and "Traceback" not in cli.output


def test_ask_index_pointing_at_a_file_is_refused_at_once(tmp_path: Path) -> None:
    from koubei.pipelines.support import build_index, index_path

    url = f"sqlite:///{tmp_path / 'k.db'}"
    _fill(url, tmp_path)
    not_a_folder = tmp_path / "index.txt"
    not_a_folder.write_text("x")
    started = time.perf_counter()
    result = _invoke(["ask", "What is the warranty?", "--index", str(not_a_folder), "--db", url])
    assert result.exit_code == 2 and "is a file; expected a service index folder" in result.output
    assert time.perf_counter() - started < 5 and not (tmp_path / "index.txt.d").exists()
    built = _invoke(["service", "index", "--index", str(not_a_folder), "--db", url])
    assert built.exit_code == 2 and "is a file" in built.output
    other = tmp_path / "photos"
    other.mkdir()
    (other / "cat.jpg").write_bytes(b"\xff")
    with pytest.raises(BadInputError, match=r"other files \(cat.jpg\)"):
        index_path(other)
    from koubei.store import Store

    with Store.open(url) as store:  # a save cut short (record gone) is rebuilt, not refused
        _, build = build_index(store, directory=tmp_path / "idx")
        (tmp_path / "idx" / "index.json").unlink()
        _, again = build_index(store, directory=tmp_path / "idx")
    assert again.docs == build.docs and again.added == build.docs


def test_index_and_router_artifacts(tmp_path: Path, lsa_index: Any) -> None:
    from koubei.support.index import ServiceIndex
    from koubei.support.intent import IntentRouter

    path = lsa_index.save(tmp_path / "idx")
    assert not [
        p.name for p in path.iterdir() if p.name.endswith(".tmp")
    ]  # atomic writes leave no temp files
    record = json.loads((path / "index.json").read_text())
    record["format_version"] = 99
    (path / "index.json").write_text(json.dumps(record))
    with pytest.raises(BadInputError, match="upgrade koubei"):
        ServiceIndex.load(path)
    record["format_version"] = 1
    (path / "index.json").write_text(json.dumps(record))
    (path / "docs.jsonl").write_text((path / "docs.jsonl").read_text().splitlines()[0] + "\n")
    with pytest.raises(BadInputError, match="damaged"):
        ServiceIndex.load(path)
    router_dir = IntentRouter.default().save(tmp_path / "router")
    meta = json.loads((router_dir / "router.json").read_text())
    assert meta["kind"] == "intent_router" and meta["format_version"] == 1
    meta["format_version"] = 2
    (router_dir / "router.json").write_text(json.dumps(meta))
    with pytest.raises(BadInputError, match="upgrade koubei"):
        IntentRouter.load(router_dir)
    with pytest.raises(BadInputError, match="is a file"):
        IntentRouter.load(router_dir / "router.npz")


def test_fit_prompt_cuts_evidence_never_the_question() -> None:
    from koubei.support.generate import build_prompt, fit_prompt

    evidence = ["a" * 50, "b" * 50, "c" * 50]
    whole = build_prompt("Q?", evidence, "en")
    assert fit_prompt("Q?", evidence, "en", len, len(whole)) == (whole, 3)
    two = build_prompt("Q?", evidence[:2], "en")
    assert fit_prompt("Q?", evidence, "en", len, len(two) + 10) == (
        two,
        2,
    )  # the third piece is dropped whole
    head = len(build_prompt("Q?", [""], "en"))
    prompt, shown = fit_prompt("Q?", evidence, "en", len, head + 20) or ("", 0)
    assert shown == 1 and prompt == build_prompt("Q?", ["a" * 20], "en")  # the first piece is cut to fit
    assert prompt.endswith("Question: Q?\nAnswer:")
    assert fit_prompt("a much longer question?", evidence, "en", len, head) is None  # the question fills it


def _koubei_tiny_lm(path: Path) -> Path:
    """A koubei LM with the `tiny` preset's 128 positions (smaller otherwise, so it builds in a second)."""
    from koubei.lm.config import ModelConfig
    from koubei.lm.model import build_model, save_model
    from koubei.lm.tokenizer import train_tokenizer
    from koubei.support.generate import build_prompt

    texts = [f"{r['masked_text']} {f['answer']}" for r in REVIEWS for f in FAQ] * 20
    texts += [
        build_prompt("What is the return policy for opened items?", ["Opened items can be returned."], "en")
    ] * 50
    tok = train_tokenizer(texts, vocab_size=800)
    model = build_model(
        ModelConfig(n_layer=1, n_head=2, n_embd=32, intermediate_size=64, context_length=128), tok
    )
    return save_model(model, tok, path)


@pytest.mark.slow
def test_generator_with_128_positions_answers_a_long_evidence_question(
    tmp_path: Path, docs: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from koubei.support import generate
    from koubei.support.answer import AnswerConfig
    from koubei.support.documents import build_docs
    from koubei.support.generate import compose_generative, context_length
    from koubei.support.index import IndexConfig, ServiceIndex

    model_dir = _koubei_tiny_lm(tmp_path / "lm")
    assert context_length(str(model_dir)) == 128
    real, prompts = generate.generate_text, []

    def spy(model: str, prompt: str, max_new_tokens: int, seed: int) -> str:
        tok = generate._load(model)[0]
        prompts.append((prompt, len(tok(prompt)["input_ids"]) + max_new_tokens))
        return real(model, prompt, max_new_tokens, seed)

    monkeypatch.setattr(generate, "generate_text", spy)
    long_faq = {
        "faq_id": "F9",
        "question": "What is the return policy for opened items?",
        "answer": "Opened items can be returned within 30 days. " * 30,
    }
    index = ServiceIndex(IndexConfig(dense="none"))
    index.add([*docs, *build_docs(faq=[long_faq])])
    question = "What is the return policy for opened items?"
    hits = index.search(question, k=8)
    config = AnswerConfig(generator_dir=str(model_dir), max_new_tokens=96, min_coverage=0.3)
    answer = compose_generative(
        question, hits, config, index.dense_spec_
    )  # IndexError before the prompt was cut
    assert not answer.refused and answer.citations and answer.citations[0]["doc_id"] == "faq:F9"
    [(prompt, positions)] = prompts  # the model did generate, within its 128 positions, from the cut evidence
    assert (
        positions <= 128
        and prompt.endswith(f"Question: {question}\nAnswer:")
        and "[1] Opened items" in prompt
    )
    result = _invoke(["ask", question, "--generator", str(model_dir / "nope")])
    assert result.exit_code == 2 and "not a folder" in result.output
