"""Evaluation numbers on hand-checkable cases; sampling determinism, KV cache equivalence, banned words, streaming."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

from koubei.errors import BadInputError
from koubei.lm import SampleConfig, evaluate_texts, generate, load_model, load_tokenizer
from koubei.lm.config import ModelConfig
from koubei.lm.evaluate import scoring_windows
from koubei.lm.model import build_model


def _uniform_model(tokenizer_dir: Path, context: int = 16) -> tuple[torch.nn.Module, object]:
    """All weights zero: embeddings are 0, RMSNorm of 0 is 0, so every logit is 0 -> uniform over the vocabulary."""
    tok = load_tokenizer(tokenizer_dir)
    model = build_model(
        ModelConfig(n_layer=1, n_head=2, n_embd=8, intermediate_size=8, context_length=context), tok
    )
    with torch.no_grad():
        for p in model.parameters():
            p.zero_()
    return model.eval(), tok


def test_windows_cover_each_position_once() -> None:
    assert scoring_windows(5, 8) == [(0, 5, 1)]
    assert scoring_windows(8, 8) == [(0, 8, 1)]
    # context 4, stride 2: targets 1-3, then 4-5, then 6-7, then 8
    assert scoring_windows(9, 4) == [(0, 4, 1), (2, 6, 4), (4, 8, 6), (5, 9, 8)]
    for n in range(2, 40):
        scored = [p for start, end, first in scoring_windows(n, 6) for p in range(first, end)]
        assert scored == list(range(1, n))


@pytest.mark.parametrize("context", [64, 4])  # 4: long documents go through the sliding window
def test_uniform_model_exact_bits_per_char(tokenizer_dir: Path, context: int) -> None:
    model, tok = _uniform_model(tokenizer_dir, context=context)
    texts = ["电池很耐用", "good 👍", "", "物流太慢了，等了一个星期才到"]
    n_tokens = sum(len(tok(t, add_special_tokens=False)["input_ids"]) for t in texts)
    vocab = model.config.vocab_size
    result = evaluate_texts(model, tok, texts, batch_size=2)
    chars = sum(map(len, texts))
    assert result.tokens == n_tokens and result.chars == chars and result.documents == 3
    assert result.bits_per_char == pytest.approx(n_tokens * math.log2(vocab) / chars, rel=1e-6)
    assert result.perplexity == pytest.approx(vocab, rel=1e-5)


def test_eval_is_batch_independent_and_rejects_empty(micro_model_dir: Path, corpus: list[str]) -> None:
    model, tok = load_model(micro_model_dir)
    a = evaluate_texts(model, tok, corpus[:20], batch_size=1)
    b = evaluate_texts(model, tok, corpus[:20], batch_size=7)
    assert a.bits_per_char == pytest.approx(b.bits_per_char, rel=1e-5)
    assert a.bits_per_char < 8.0  # trained: far below the uniform model's ~8.6 bits per token
    with pytest.raises(BadInputError):
        evaluate_texts(model, tok, ["", ""])


def test_sampling_is_deterministic_with_a_seed(micro_model_dir: Path) -> None:
    model, tok = load_model(micro_model_dir)
    cfg = SampleConfig(
        max_new_tokens=30,
        temperature=1.0,
        top_k=None,
        top_p=None,
        repetition_penalty=1.0,
        seed=3,
        stop_at_eos=False,
    )
    a = generate(model, tok, "这个", cfg)
    b = generate(model, tok, "这个", cfg)
    assert a.text == b.text and a.tokens > 0
    others = {
        generate(
            model, tok, "这个", SampleConfig(max_new_tokens=30, temperature=1.5, seed=s, stop_at_eos=False)
        ).text
        for s in range(4)
    }
    assert len(others) > 1


def test_kv_cache_matches_full_forward(micro_model_dir: Path) -> None:
    from transformers import DynamicCache

    model, tok = load_model(micro_model_dir)
    seq = [
        tok.eos_token_id,
        *torch.randint(20, len(tok), (40,), generator=torch.Generator().manual_seed(0)).tolist(),
    ][:32]
    full = model(input_ids=torch.tensor([seq])).logits[0]
    cache = DynamicCache()
    model(input_ids=torch.tensor([seq[:6]]), cache=cache, use_cache=True)
    for i in range(6, len(seq)):
        step = model(input_ids=torch.tensor([[seq[i]]]), cache=cache, use_cache=True).logits[0, -1]
        torch.testing.assert_close(step, full[i], atol=1e-4, rtol=1e-4)
    # Generation past the context (this model was trained with 32 positions) slides the cache window and keeps going.
    greedy = SampleConfig(max_new_tokens=80, temperature=0, repetition_penalty=1.3, stop_at_eos=False)
    cached = generate(model, tok, "物流", greedy)
    plain = generate(model, tok, "物流", SampleConfig(**{**greedy.__dict__, "use_cache": False}))
    assert cached.tokens == plain.tokens == 80
    # Same ids while both see the same prefix, up to float-noise ties: most of the first window agrees.
    agree = next(
        (i for i, (a, b) in enumerate(zip(cached.token_ids, plain.token_ids, strict=True)) if a != b), 80
    )
    assert agree >= 10


def test_banned_words_never_appear(micro_model_dir: Path) -> None:
    model, tok = load_model(micro_model_dir)
    free = "".join(
        generate(
            model, tok, "", SampleConfig(max_new_tokens=40, temperature=1.0, seed=s, stop_at_eos=False)
        ).text
        for s in range(3)
    )
    common = max(set(free) - {" "}, key=free.count)  # the character the model writes most
    banned = (common, "很好")
    for seed in range(3):
        out = generate(
            model,
            tok,
            "",
            SampleConfig(
                max_new_tokens=40, temperature=1.0, seed=seed, banned_words=banned, stop_at_eos=False
            ),
        )
        assert all(w not in out.text for w in banned)


def test_streaming_pieces_add_up_and_controls(micro_model_dir: Path) -> None:
    model, tok = load_model(micro_model_dir)
    pieces: list[str] = []
    out = generate(
        model,
        tok,
        "<|review|>",
        SampleConfig(max_new_tokens=12, seed=1, stop_at_eos=False),
        on_text=pieces.append,
    )
    assert "".join(pieces) == out.text
    assert out.tokens <= 12
    assert generate(model, tok, "x", SampleConfig(max_new_tokens=0)).text == ""
    with pytest.raises(BadInputError, match="top_p"):
        SampleConfig(top_p=1.5)


def test_output_is_always_valid_utf8(micro_model_dir: Path) -> None:
    model, tok = load_model(micro_model_dir)
    for seed in range(4):
        cfg = SampleConfig(
            max_new_tokens=25, temperature=2.0, top_k=None, top_p=None, seed=seed, stop_at_eos=False
        )
        assert "\ufffd" not in generate(model, tok, "", cfg).text
