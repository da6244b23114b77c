"""Retrieval: exact answers on the tiny catalog, product scoping, persistence and incremental updates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from koubei.errors import BadInputError, NotFoundError
from koubei.support.documents import Doc, build_docs
from koubei.support.index import IndexConfig, ServiceIndex


@pytest.mark.parametrize(
    ("query", "product", "expected"),
    [
        ("what is the warranty", "K1", "attr:K1:warranty"),
        ("warranty", "K2", "attr:K2:warranty"),
        ("return policy refund", None, "faq:F1"),
        ("滤网可以水洗吗", None, "faq:F3"),
        ("how long does delivery take", "K1", "faq:F4"),  # global FAQ answers product-scoped questions
        ("how fast does it boil water", "K1", "review:R2#1"),
        ("limescale glass", "K2", "review:R3#2"),
    ],
)
def test_exact_top_hit_bm25_and_lsa(
    bm25_index: Any, lsa_index: Any, query: str, product: str | None, expected: str
) -> None:
    for index in (bm25_index, lsa_index):
        hits = index.search(query, product_id=product, k=3)
        assert hits[0].doc.doc_id == expected


def test_product_scope_excludes_other_products(bm25_index: Any) -> None:
    hits = bm25_index.search("warranty", product_id="K2", k=10)
    assert {h.doc.product_id for h in hits} <= {"K2", None}
    assert {h.doc.doc_id for h in bm25_index.search("warranty", k=10)} >= {
        "attr:K1:warranty",
        "attr:K2:warranty",
    }
    assert bm25_index.search("does it have bluetooth", product_id="K1") == []


def test_hit_carries_scores_ranks_and_coverage(lsa_index: Any) -> None:
    top = lsa_index.search("limescale glass", product_id="K2", k=2)[0]
    assert top.ranks == {"bm25": 1, "dense": 1}
    assert top.coverage == 1.0 and top.bm25 > 0 and top.dense is not None and top.dense_model == "lsa"
    assert top.score == pytest.approx(2 / 61)  # RRF, k=60, rank 1 in both lists


def test_modes_and_bad_parameters(lsa_index: Any, bm25_index: Any) -> None:
    assert lsa_index.search("滤网可以水洗吗", mode="dense")[0].doc.doc_id == "faq:F3"
    assert lsa_index.search("滤网可以水洗吗", mode="bm25")[0].dense is None
    with pytest.raises(BadInputError, match="fused, bm25, dense"):
        lsa_index.search("x", mode="magic")
    with pytest.raises(BadInputError, match="dense='none'"):
        bm25_index.search("warranty", mode="dense")
    with pytest.raises(BadInputError, match="empty"):
        ServiceIndex().build()


def test_save_load_same_results_without_refit(
    tmp_path: Path, lsa_index: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    queries = ["warranty", "滤网可以水洗吗", "limescale glass", "电池续航多久"]
    before = [
        [(h.doc.doc_id, round(h.score, 6), round(h.dense or 0, 5)) for h in lsa_index.search(q, k=4)]
        for q in queries
    ]
    lsa_index.save(tmp_path / "idx")
    from koubei.support import dense

    def no_fit(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a loaded, unchanged index must not refit its embedder")

    monkeypatch.setattr(dense.LsaEmbedder, "fit", no_fit)
    loaded = ServiceIndex.load(tmp_path / "idx")
    after = [
        [(h.doc.doc_id, round(h.score, 6), round(h.dense or 0, 5)) for h in loaded.search(q, k=4)]
        for q in queries
    ]
    assert after == before
    assert loaded.config == lsa_index.config and loaded.dense_spec_ == "lsa"
    with pytest.raises(NotFoundError, match="koubei service index"):
        ServiceIndex.load(tmp_path / "missing")


def test_incremental_add_update_remove(
    tmp_path: Path, catalog: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from koubei.support import index as index_module

    analyzed: list[str] = []
    real = index_module.analyze

    def counting(text: str) -> list[str]:
        analyzed.append(text)
        return real(text)

    monkeypatch.setattr(index_module, "analyze", counting)
    index = ServiceIndex(IndexConfig(dense="none"))
    first = build_docs(products=catalog["products"][:1], faq=catalog["faq"][:1])
    assert index.add(first) == {"added": len(first), "updated": 0, "unchanged": 0}
    index.save(tmp_path / "idx")
    loaded = ServiceIndex.load(tmp_path / "idx")
    analyzed.clear()
    new_faq = {"faq_id": "F9", "question": "Do you gift wrap?", "answer": "Yes, gift wrapping is free."}
    changed = {**catalog["faq"][0], "answer": "Unused items can be returned within 60 days."}
    counts = loaded.sync([*first[:-1], *build_docs(faq=[changed, new_faq])][1:])  # drops the title doc
    assert counts == {"added": 1, "updated": 1, "unchanged": len(first) - 2, "removed": 1}
    assert len(analyzed) == 2 * 2  # search text + support text of the two new/changed docs only
    assert loaded.search("gift wrap")[0].doc.doc_id == "faq:F9"
    assert "60 days" in loaded.search("return policy")[0].doc.text
    assert "attr:K1:title" not in {d.doc_id for d in loaded.docs_}


def test_fixed_embedder_vectors_are_reused(monkeypatch: pytest.MonkeyPatch) -> None:
    """Documents already encoded by a fixed embedder are not encoded again when new ones arrive."""
    import numpy as np

    from koubei.support import dense

    encoded: list[str] = []

    class CountingHashEmbedder:
        """A deterministic bag-of-characters embedder that records what it was asked to encode."""

        name = "minilm"
        corpus_dependent = False

        def fit(self, texts: list[str]) -> Any:
            return self

        def encode(self, texts: list[str], show_progress: bool = False) -> Any:
            encoded.extend(texts)
            out = np.zeros((len(texts), 64), np.float32)
            for i, t in enumerate(texts):
                for ch in t:
                    out[i, ord(ch) % 64] += 1
            return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)

        def save(self, directory: Path) -> None:
            return None

    monkeypatch.setattr(dense, "make_embedder", lambda spec, **kw: CountingHashEmbedder())
    monkeypatch.setattr("koubei.support.index.make_embedder", lambda spec, **kw: CountingHashEmbedder())
    index = ServiceIndex(IndexConfig(dense="minilm"))
    index.add([Doc("a", "faq", "alpha", "alpha"), Doc("b", "faq", "beta", "beta")])
    index.build()
    assert sorted(encoded) == ["alpha", "beta"]
    encoded.clear()
    index.add([Doc("c", "faq", "gamma", "gamma")])
    index.build()
    assert encoded == ["gamma"]


def test_rerank_fusion_orders_bm25_candidates_by_dense_similarity(lsa_index: Any) -> None:
    rerank = lsa_index.with_config(fusion="rerank")
    hits = rerank.search("limescale glass", product_id="K2", k=5)
    bm25_found = [h for h in hits if h.bm25 > 0]
    assert [h.doc.doc_id for h in bm25_found] == ["review:R3#2", "attr:K2:material"]
    assert [h.dense for h in bm25_found] == sorted([h.dense for h in bm25_found], reverse=True)
    assert all(h.bm25 == 0 for h in hits[len(bm25_found) :])  # dense-only finds come after
