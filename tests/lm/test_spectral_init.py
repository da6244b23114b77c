"""Bigram spectral initialisation: exact statistics on a hand-made stream, and a model that predicts them at step 0."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from koubei.lm.spectral_init import _bigram_pmi, bigram_spectral_init


def test_pmi_matrix_is_exact_on_a_tiny_stream() -> None:
    pmi, unigram = _bigram_pmi(np.array([0, 1, 0, 1, 2]), vocab=3, alpha=1.0)
    counts = np.array([2, 2, 1]) + 0.5
    np.testing.assert_allclose(unigram, counts / counts.sum())
    p = unigram
    expected = np.zeros((3, 3))
    expected[0, 1] = math.log1p(2 / p[1])  # 0 -> 1 twice
    expected[1, 0] = math.log1p(1 / p[0])
    expected[1, 2] = math.log1p(1 / p[2])
    np.testing.assert_allclose(pmi.toarray(), expected)
    assert pmi.nnz == 3  # unseen pairs stay implicit zeros


def _tiny_model(vocab: int, width: int) -> torch.nn.Module:
    from transformers import GPTBigCodeConfig, GPTBigCodeForCausalLM

    torch.manual_seed(0)
    cfg = GPTBigCodeConfig(
        vocab_size=vocab,
        n_positions=16,
        n_embd=width,
        n_layer=1,
        n_head=2,
        n_inner=4 * width,
        multi_query=False,
        tie_word_embeddings=True,
        bos_token_id=0,
        eos_token_id=0,
    )
    return GPTBigCodeForCausalLM(cfg).eval()


def test_a_fresh_model_predicts_each_tokens_follower_before_any_step() -> None:
    # A cycle 0 -> 1 -> 2 -> 3 -> 4 -> 5 -> 0 with one exception (5 -> 2 once): every token has one clear follower.
    stream = torch.tensor([0, 1, 2, 3, 4, 5] * 40 + [5, 2])
    model = _tiny_model(vocab=6, width=8)
    info = bigram_spectral_init(model, stream, alpha=1.0)
    assert info["rank"] == 6 and info["bigram_pairs"] == 8  # the six cycle pairs, 5 -> 5 and 5 -> 2
    assert model.get_output_embeddings().weight is not model.get_input_embeddings().weight
    assert model.config.tie_word_embeddings is False
    with torch.no_grad():
        logits = model(input_ids=torch.arange(6)[:, None]).logits[:, -1]
    assert logits.argmax(-1).tolist() == [1, 2, 3, 4, 5, 0]


def test_too_narrow_a_model_is_refused() -> None:
    model = _tiny_model(vocab=6, width=8)
    model.config.n_embd = 1
    with pytest.raises(ValueError, match="n_embd"):
        bigram_spectral_init(model, torch.tensor([0, 1, 2]))


def test_truncated_svd_matches_the_exact_one_on_a_low_rank_matrix() -> None:
    from scipy import sparse

    from koubei.lm.spectral_init import truncated_svd

    rng = np.random.default_rng(0)
    exact_s = np.array([50.0, 20.0, 10.0, 5.0, 2.0])
    left = np.linalg.qr(rng.standard_normal((60, 5)))[0]
    right = np.linalg.qr(rng.standard_normal((40, 5)))[0]
    matrix = sparse.csr_matrix((left * exact_s) @ right.T)
    u, s, vt = truncated_svd(matrix, 3, seed=1)
    np.testing.assert_allclose(s, exact_s[:3], rtol=1e-8)
    np.testing.assert_allclose(np.abs(u.T @ left[:, :3]), np.eye(3), atol=1e-8)  # same directions, up to sign
    np.testing.assert_allclose(np.abs(vt @ right[:, :3]), np.eye(3), atol=1e-8)
    again = truncated_svd(matrix, 3, seed=1)
    assert all(np.array_equal(a, b) for a, b in zip((u, s, vt), again, strict=True))
