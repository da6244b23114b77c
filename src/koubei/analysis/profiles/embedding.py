"""A text embedding of what each user writes: word TF-IDF + truncated SVD (latent semantic analysis), mean-pooled
over the user's reviews.

Why this one: `benchmarks/profile_cost_benchmark.py` compares it with `support.dense.LsaEmbedder` (character
n-gram LSA, made for short mixed-language queries) on real users: hold out each user's last review and rank its
product among all products by cosine to the user's embedding. On amazon_reviews_en (400 users scored) the two
rank alike (AUC 0.671 vs 0.676) while word LSA encodes 2,256 reviews/s against 169 (the run of 2026-12-02 in
benchmarks/results/profile_cost_benchmark.md). The
koubei LM's mean-pooled states were not measured: they cost a transformer forward pass per review, which the
cost target (100k users in under a minute on 2 cores) leaves no room for. Fitted once with the profile model and
saved as plain arrays (vocabulary JSON + npz), no pickle.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from koubei.artifacts import atomic_path, atomic_write_text, read_json

_VECTORIZER = {
    "analyzer": "word",
    "lowercase": True,
    "sublinear_tf": True,
    "token_pattern": r"(?u)\b\w\w+\b|[\u4e00-\u9fff]",  # words, and single CJK characters
    "dtype": np.float32,
}


_PARALLEL_MIN = 20000  # below this many texts a second process costs more than it saves


def _project(vectorizer: Any, components: np.ndarray, texts: list[str]) -> np.ndarray:
    return np.asarray(vectorizer.transform(texts) @ components.T, dtype=np.float32)


class TextEmbedder:
    """fit(texts) -> encode(texts): unit-length LSA vectors (zeros for an empty text)."""

    def __init__(
        self,
        dims: int = 32,
        max_features: int = 20000,
        max_fit_docs: int = 20000,
        seed: int = 0,
        n_jobs: int = 2,
    ) -> None:
        self.n_jobs = n_jobs  # processes for encoding large batches
        self.dims = dims
        self.max_features = max_features
        self.max_fit_docs = max_fit_docs  # a sample this large fixes the space; more only costs time
        self.seed = seed

    def fit(self, texts: list[str]) -> TextEmbedder:
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer

        docs = [t for t in texts if t and t.strip()]
        if len(docs) > self.max_fit_docs:
            pick = np.random.default_rng(self.seed).choice(len(docs), self.max_fit_docs, replace=False)
            docs = [docs[i] for i in sorted(pick)]
        self.vectorizer_ = TfidfVectorizer(
            min_df=2 if len(docs) >= 50 else 1, max_features=self.max_features, **_VECTORIZER
        )
        try:
            tfidf = self.vectorizer_.fit_transform(docs or ["empty"])
        except ValueError:  # no word at all (e.g. only punctuation)
            tfidf = self.vectorizer_.fit_transform(["empty"])
        k = min(self.dims, tfidf.shape[1] - 1, max(tfidf.shape[0] - 1, 1))
        if k >= 1:
            svd = TruncatedSVD(n_components=k, random_state=self.seed, algorithm="randomized", n_iter=4)
            svd.fit(tfidf)
            self.components_ = svd.components_.astype(np.float32)
        else:
            self.components_ = np.zeros((0, tfidf.shape[1]), np.float32)
        return self

    @property
    def dims_(self) -> int:
        return int(self.components_.shape[0])

    def encode(self, texts: list[str]) -> np.ndarray:
        if not hasattr(self, "components_"):
            from koubei.errors import NotFittedError  # builds on scikit-learn: imported on use, not at start

            raise NotFittedError("TextEmbedder is not fitted: call fit(texts) or load() first")
        if not texts:
            return np.zeros((0, self.dims_), np.float32)
        if len(texts) >= _PARALLEL_MIN and self.n_jobs > 1:
            # tokenizing is pure-Python work in sklearn: split it over processes (the cost target is on 2 cores)
            from joblib import Parallel, delayed

            step = -(-len(texts) // self.n_jobs)
            parts = Parallel(n_jobs=self.n_jobs)(
                delayed(_project)(self.vectorizer_, self.components_, texts[i : i + step])
                for i in range(0, len(texts), step)
            )
            dense = np.concatenate(parts)
        else:
            dense = _project(self.vectorizer_, self.components_, texts)
        norms = np.linalg.norm(dense, axis=1, keepdims=True)
        return np.divide(dense, norms, out=np.zeros_like(dense), where=norms > 0)

    def save(self, folder: Path) -> None:
        vocab = {k: int(v) for k, v in self.vectorizer_.vocabulary_.items()}
        atomic_write_text(folder / "embedder_vocab.json", json.dumps(vocab, ensure_ascii=False))
        with atomic_path(folder / "embedder.npz") as tmp, tmp.open("wb") as fh:
            np.savez(fh, idf=self.vectorizer_.idf_.astype(np.float32), components=self.components_)

    @classmethod
    def load(cls, folder: Path, params: dict[str, Any]) -> TextEmbedder:
        from sklearn.feature_extraction.text import TfidfVectorizer

        embedder = cls(**params)
        vocab = read_json(folder / "embedder_vocab.json", what="profile model vocabulary")
        with np.load(folder / "embedder.npz") as arrays:
            idf = arrays["idf"]
            embedder.components_ = arrays["components"]
        vectorizer = TfidfVectorizer(vocabulary=vocab, **_VECTORIZER)
        vectorizer.fit([" ".join(vocab)])  # fixes the vocabulary; the idf weights are the saved ones
        vectorizer.idf_ = idf
        embedder.vectorizer_ = vectorizer
        return embedder
