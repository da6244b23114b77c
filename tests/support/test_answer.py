"""Answers state only retrieved evidence, cite it, and refuse without it; generated sentences are checked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from koubei.generation.grounding import sentence_support, supported_sentences
from koubei.support.answer import AnswerConfig, compose_extractive


def _answer(index: Any, question: str, product: str | None = None) -> Any:
    hits = index.search(question, product_id=product, k=8)
    return compose_extractive(question, hits, AnswerConfig(), index.dense_spec_)


def test_extractive_answer_quotes_and_cites(lsa_index: Any) -> None:
    answer = _answer(lsa_index, "What is the warranty?", "K2")
    assert not answer.refused and answer.mode == "extractive" and answer.lang == "en"
    assert answer.citations[0] == {
        "n": 1,
        "doc_id": "attr:K2:warranty",
        "kind": "attribute",
        "id": "warranty",
        "product_id": "K2",
    }
    assert "warranty: 1 year [1]" in answer.text


def test_chinese_answer_from_faq_and_review(lsa_index: Any) -> None:
    faq = _answer(lsa_index, "滤网可以水洗吗？", "V1")
    assert faq.lang == "zh" and faq.citations[0]["id"] == "F3" and "滤网可以水洗" in faq.text
    review = _answer(lsa_index, "电池续航多久？", "V1")
    assert {c["doc_id"] for c in review.citations} & {"attr:V1:续航", "review:R1#1"}


def test_refuses_when_evidence_is_missing(lsa_index: Any, bm25_index: Any) -> None:
    for index, question, product in [
        (lsa_index, "Does it have bluetooth?", "K1"),
        (lsa_index, "支持蓝牙吗？", "V1"),
        (bm25_index, "Does it have bluetooth?", "K1"),
    ]:
        answer = _answer(index, question, product)
        assert answer.refused and answer.mode == "refusal" and answer.citations == []
    assert "I don't know" in _answer(lsa_index, "Does it have bluetooth?", "K1").text
    assert "人工客服" in _answer(lsa_index, "支持蓝牙吗？", "V1").text


def test_sentence_support_exact() -> None:
    evidence = ["Unused items can be returned within 30 days.", "The lid is a bit stiff."]
    assert sentence_support("Items can be returned within 30 days.", evidence) == (1.0, 0)
    share, idx = sentence_support("The lid is made of titanium.", evidence)
    assert (round(share, 4), idx) == (0.3333, 1)  # lid found; made, titanium not
    assert sentence_support("Here it is.", evidence) == (1.0, -1)  # states no fact
    kept, dropped = supported_sentences(["Returns within 30 days.", "It cures headaches."], evidence, 0.6)
    assert kept == [("Returns within 30 days.", 0)] and dropped == ["It cures headaches."]


def _tiny_lm(path: Path) -> Path:
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE(unk_token=None))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=300, special_tokens=["<eos>"], initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    tok.train_from_iterator(["zebra quantum violin marmalade", "星空 音乐"], trainer)  # no evidence words
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<eos>", pad_token="<eos>")
    torch.manual_seed(0)
    cfg = LlamaConfig(
        vocab_size=len(fast),
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=2,
        max_position_embeddings=1024,
        eos_token_id=fast.eos_token_id,
        bos_token_id=fast.eos_token_id,
        pad_token_id=fast.pad_token_id,
    )
    LlamaForCausalLM(cfg).save_pretrained(str(path))
    fast.save_pretrained(str(path))
    return path


@pytest.mark.slow
def test_generative_answer_keeps_only_supported_sentences(
    tmp_path: Path, lsa_index: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from koubei.support import generate

    model_dir = _tiny_lm(tmp_path / "lm")
    config = AnswerConfig(generator_dir=str(model_dir), max_new_tokens=8)
    hits = lsa_index.search("What is the warranty?", product_id="K2", k=8)
    # A random tiny model writes noise: nothing it says is supported, so the extractive answer stands.
    raw = generate.generate_text(str(model_dir), "Question: warranty?\nAnswer:", 8, 0)
    assert raw == generate.generate_text(
        str(model_dir), "Question: warranty?\nAnswer:", 8, 0
    )  # deterministic
    noisy = generate.compose_generative("What is the warranty?", hits, config, lsa_index.dense_spec_)
    assert noisy.mode == "extractive" and noisy.citations[0]["doc_id"] == "attr:K2:warranty"
    # A model that writes one supported and one made-up sentence: only the supported one is kept, and cited.
    monkeypatch.setattr(
        generate, "generate_text", lambda *a, **k: "The warranty is 1 year. It also makes coffee and toast."
    )
    answer = generate.compose_generative("What is the warranty?", hits, config, lsa_index.dense_spec_)
    assert answer.mode == "generative"
    assert answer.text == "The warranty is 1 year. [1]"
    assert answer.dropped_sentences == ["It also makes coffee and toast."]
    assert answer.citations == [
        {"n": 1, "doc_id": "attr:K2:warranty", "kind": "attribute", "id": "warranty", "product_id": "K2"}
    ]


@pytest.mark.slow
def test_hf_mean_pooled_dense_retrieval_from_a_local_lm(tmp_path: Path, docs: Any) -> None:
    """`dense='hf:<dir>'`: mean-pooled hidden states of a local causal LM (how a koubei LM checkpoint is used)."""
    import numpy as np

    from koubei.support.dense import HFMeanPoolEmbedder
    from koubei.support.index import IndexConfig, ServiceIndex

    model_dir = _tiny_lm(tmp_path / "lm")
    vectors = HFMeanPoolEmbedder(model_dir).encode(
        ["warranty", "退货政策", "a much longer sentence about glass"]
    )
    assert vectors.shape[0] == 3 and np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    index = ServiceIndex(IndexConfig(dense=f"hf:{model_dir}"))
    index.add(docs)
    hits = index.search("limescale glass", product_id="K2", k=3)
    assert hits[0].doc.doc_id == "review:R3#2" and hits[0].dense_model == f"hf:{model_dir}"
    index.save(tmp_path / "idx")
    loaded = ServiceIndex.load(tmp_path / "idx")
    assert [h.doc.doc_id for h in loaded.search("limescale glass", product_id="K2", k=3)] == [
        h.doc.doc_id for h in hits
    ]
