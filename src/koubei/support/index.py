"""The service index: BM25 (bm25s) + dense vectors over evidence documents, fused, per product and global.

Incremental: documents are upserted by `doc_id`; each keeps its analyzed tokens and (for fixed embedders such as
MiniLM) its vector keyed by content hash, so new data costs only the new documents' tokenization and encoding.
The BM25 matrix itself is rebuilt from the cached tokens (bm25s has no in-place add; rebuilding 10k documents
from tokens takes well under a second). A corpus-dependent embedder (LSA) is refit on every change.
Persisted as plain files (JSON lines + .npy), no pickles, through `koubei.artifacts`: every file is written
atomically and `index.json` (the record with the format version) last, after the old one was removed, so a kill
mid-save leaves no index rather than a mixed one; `FORMAT_VERSION` guards loading.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from koubei.artifacts import atomic_path, check_format_version, read_meta, write_meta
from koubei.errors import BadInputError, NotFoundError
from koubei.progress import Progress, or_null
from koubei.support.dense import Embedder, LsaEmbedder, make_embedder, resolve_auto
from koubei.support.documents import Doc
from koubei.support.fusion import fuse
from koubei.text.analyzer import Analysis, analyze, is_mostly_chinese

FORMAT_VERSION = 1
INDEX_KIND = "service_index"
META_FILE = "index.json"
MODES = ("fused", "bm25", "dense")
ENCODE_CHUNK = 1024  # texts per embedder call while building (one progress report each)


@dataclass(frozen=True)
class IndexConfig:
    """How the index retrieves. Saved beside the index; a changed config on load is reported, not silently mixed."""

    k1: float = 1.5  # BM25 term-frequency saturation
    b: float = 0.75  # BM25 length normalization
    # minilm | lsa | hf:<dir> | none | EN+ZH (e.g. minilm+lsa: by query language) | auto (picks from the corpus)
    dense: str = "auto"
    # rrf | weighted (min-max normalized scores) | rerank (BM25 candidates re-ordered by dense similarity, then
    # the dense-only finds)
    fusion: str = "rrf"
    rrf_k: float = 60.0  # RRF constant from Cormack et al.
    weights: tuple[float, float] = (1.0, 1.0)  # (bm25, dense) weight in fusion
    candidates: int = 50  # list length taken from each retriever before fusing
    lsa_dims: int = 128  # LSA dimensions (Chinese dense retrieval); SVD only on corpora of 2,000+ documents
    seed: int = 0

    def __post_init__(self) -> None:
        if self.fusion not in ("rrf", "weighted", "rerank"):
            raise BadInputError(f"fusion {self.fusion!r} is not known; use rrf, weighted or rerank")
        if self.candidates < 1:
            raise BadInputError(f"candidates must be >= 1, got {self.candidates}")


@dataclass
class Hit:
    """One retrieved document with the evidence of why: per-retriever scores and ranks, query-term coverage."""

    doc: Doc
    score: float  # fused (or single-retriever) score used for ranking
    bm25: float = 0.0
    dense: float | None = None  # cosine similarity, when a dense retriever ran
    dense_model: str | None = None  # which embedder produced `dense` (thresholds differ per embedder)
    coverage: float = 0.0  # share of the query's analyzed tokens found in the document
    ranks: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc.doc_id,
            "kind": self.doc.kind,
            "product_id": self.doc.product_id,
            "text": self.doc.text,
            "score": round(self.score, 6),
            "bm25": round(self.bm25, 4),
            "dense": None if self.dense is None else round(self.dense, 4),
            "coverage": round(self.coverage, 4),
            "ranks": self.ranks,
        }


class ServiceIndex:
    """Hybrid retrieval over evidence documents. `add` / `remove` / `sync` then `search`; `save` / `load`."""

    def __init__(self, config: IndexConfig | None = None) -> None:
        self.config = config or IndexConfig()
        self.docs_: list[Doc] = []
        self._pos: dict[str, int] = {}
        self._tokens: dict[str, list[str]] = {}
        self._support: dict[
            str, set[str]
        ] = {}  # words of what a doc *says* (coverage excludes the title prefix)
        # spec -> content hash -> vector, for fixed embedders (MiniLM, HF), so unchanged docs are never re-encoded
        self._vectors: dict[str, dict[str, np.ndarray]] = {}
        self.dense_spec_: str | None = None  # resolved embedder spec(s), fixed at first build
        self._embedders: dict[str, Embedder] = {}
        self._bm25: Any = None
        self._embs: dict[str, np.ndarray] = {}
        self._fresh: set[str] = (
            set()
        )  # specs whose matrix in _embs matches the current docs (no refit needed)
        self._product_ids: np.ndarray = np.array([], dtype=object)
        self._product_set: set[str] = set()
        self._by_product: dict[str, list[int]] = {}
        self._titles: dict[str, str] = {}
        self._dirty = True

    # ---- building -------------------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.docs_)

    def add(self, docs: Iterable[Doc]) -> dict[str, int]:
        """Upsert documents by doc_id. Returns counts of added / updated / unchanged."""
        counts = {"added": 0, "updated": 0, "unchanged": 0}
        for doc in docs:
            i = self._pos.get(doc.doc_id)
            if i is None:
                self._pos[doc.doc_id] = len(self.docs_)
                self.docs_.append(doc)
                counts["added"] += 1
            elif self.docs_[i].content_hash != doc.content_hash:
                self.docs_[i] = doc
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1
                continue
            self._tokens[doc.doc_id] = analyze(doc.search_text)
            self._support[doc.doc_id] = set(analyze(_support_text(doc)))
            self._dirty = True
            self._fresh.clear()
        return counts

    def remove(self, doc_ids: Iterable[str]) -> int:
        """Drop documents (e.g. a deleted FAQ entry); returns how many were present."""
        drop = {d for d in doc_ids if d in self._pos}
        if drop:
            self.docs_ = [d for d in self.docs_ if d.doc_id not in drop]
            self._pos = {d.doc_id: i for i, d in enumerate(self.docs_)}
            for d in drop:
                self._tokens.pop(d, None)
                self._support.pop(d, None)
            self._dirty = True
            self._fresh.clear()
        return len(drop)

    def sync(self, docs: Iterable[Doc]) -> dict[str, int]:
        """Make the index hold exactly `docs`: upsert them and remove the rest."""
        docs = list(docs)
        keep = {d.doc_id for d in docs}
        counts = self.add(docs)
        counts["removed"] = self.remove([d.doc_id for d in self.docs_ if d.doc_id not in keep])
        return counts

    def build(self, progress: Progress | None = None) -> ServiceIndex:
        """(Re)build BM25 and dense structures after changes (reporting the encoding of new documents to
        `progress`). Called by `search` when needed."""
        import bm25s

        if not self.docs_:
            raise BadInputError("the service index is empty: add products, FAQ, Q&A pairs or reviews first")
        corpus_tokens = [self._tokens[d.doc_id] or [""] for d in self.docs_]
        bm25 = bm25s.BM25(k1=self.config.k1, b=self.config.b)
        bm25.index(corpus_tokens, show_progress=False)
        self._bm25 = bm25
        self._product_ids = np.array([d.product_id for d in self.docs_], dtype=object)
        self._product_set = {d.product_id for d in self.docs_ if d.product_id is not None}
        self._titles = {
            d.product_id: str(d.meta.get("value", ""))
            for d in self.docs_
            if d.kind == "attribute" and d.source_id == "title" and d.product_id is not None
        }
        self._by_product = {}
        for i, d in enumerate(self.docs_):
            if d.product_id is not None:
                self._by_product.setdefault(d.product_id, []).append(i)
        texts = [d.search_text for d in self.docs_]
        if self.dense_spec_ is None:
            self.dense_spec_ = resolve_auto(self.config.dense, texts)
        for spec in self.dense_specs:
            if spec not in self._embedders:
                embedder = make_embedder(spec, seed=self.config.seed, lsa_dims=self.config.lsa_dims)
                if embedder is not None:
                    self._embedders[spec] = embedder
            if spec in self._embedders and not (spec in self._fresh and spec in self._embs):
                self._embs[spec] = self._encode_corpus(spec, texts, progress)
                self._fresh.add(spec)
        self._dirty = False
        return self

    @property
    def dense_specs(self) -> list[str]:
        """Dense embedders in use: one, or 'en+zh' (e.g. minilm+lsa: MiniLM for English queries, LSA for Chinese)."""
        if self.dense_spec_ in (None, "none"):
            return []
        return str(self.dense_spec_).split("+")

    def dense_for(self, query: str | Analysis) -> str | None:
        """The embedder that serves this query: by its language when the index has one per language."""
        specs = [s for s in self.dense_specs if s in self._embedders or self._dirty]
        if not specs:
            return None
        if len(specs) == 1:
            return specs[0]
        chinese = query.chinese if isinstance(query, Analysis) else is_mostly_chinese(query)
        return specs[-1] if chinese else specs[0]

    def _encode_corpus(self, spec: str, texts: list[str], progress: Progress | None) -> np.ndarray:
        embedder = self._embedders[spec]
        if embedder.corpus_dependent:
            embedder.fit(texts)
            return embedder.encode(texts)
        cache = self._vectors.setdefault(spec, {})
        hashes = [d.content_hash for d in self.docs_]
        missing = [i for i, h in enumerate(hashes) if h not in cache]
        if missing:
            progress = or_null(progress)
            progress.start(len(missing), "texts", f"encoding evidence ({spec})")
            for start in range(0, len(missing), ENCODE_CHUNK):
                part = missing[start : start + ENCODE_CHUNK]
                for i, vec in zip(part, embedder.encode([texts[i] for i in part]), strict=True):
                    cache[hashes[i]] = vec
                progress.advance(len(part))
        live = set(hashes)
        self._vectors[spec] = {h: v for h, v in cache.items() if h in live}
        return np.stack([self._vectors[spec][h] for h in hashes]).astype(np.float32)

    # ---- searching ------------------------------------------------------------------------------------------
    def _mask(self, product_id: str | None, include_global: bool) -> np.ndarray:
        if product_id is None:
            return np.ones(len(self.docs_), dtype=bool)
        mask = self._product_ids == product_id
        if include_global:
            mask |= np.array([p is None for p in self._product_ids], dtype=bool)
        return mask

    def encode_query(self, query: str | Analysis) -> np.ndarray | None:
        """The query's vector from the embedder that serves its language (None without dense retrieval)."""
        if self._dirty:
            self.build()
        spec = self.dense_for(query)
        text = query.text if isinstance(query, Analysis) else query
        return None if spec is None else self._embedders[spec].encode([text])[0]

    def search(
        self,
        query: str | Analysis,
        product_id: str | None = None,
        k: int = 5,
        mode: str = "fused",
        include_global: bool = True,
        query_vector: np.ndarray | None = None,
        kinds: Sequence[str] | None = None,
    ) -> list[Hit]:
        """Top-k evidence for `query`, limited to `product_id` (+ global evidence) when given.

        mode: 'fused' (BM25 + dense by config.fusion), 'bm25' or 'dense'. `query` may be an `Analysis` (a turn's
        question, analysed once). `query_vector` lets a caller that encoded queries in a batch skip per-query
        encoding.
        """
        if mode not in MODES:
            raise BadInputError(f"mode {mode!r} is not known; use one of: {', '.join(MODES)}")
        if k < 1:
            raise BadInputError(f"k must be >= 1, got {k}")
        if self._dirty:
            self.build()
        mask = self._mask(product_id, include_global)
        if kinds is not None:
            mask &= np.array([d.kind in kinds for d in self.docs_], dtype=bool)
        if not mask.any():
            return []
        q_tokens = list(query.tokens) if isinstance(query, Analysis) else analyze(query)
        ids = self._bm25.get_tokens_ids(q_tokens)
        bm25_scores = (
            np.asarray(self._bm25.get_scores_from_ids(ids), dtype=np.float32)
            if ids
            else np.zeros(len(self.docs_), np.float32)
        )
        bm25_scores = np.where(mask, bm25_scores, 0.0)
        n = self.config.candidates
        lists: list[list[tuple[str, float]]] = []
        names: list[str] = []
        if mode in ("fused", "bm25"):
            top = _top(bm25_scores, n, positive_only=True)
            lists.append([(self.docs_[i].doc_id, float(bm25_scores[i])) for i in top])
            names.append("bm25")
        dense_scores: np.ndarray | None = None
        dense_spec = self.dense_for(query)
        if mode in ("fused", "dense") and dense_spec is not None:
            qv = query_vector if query_vector is not None else self.encode_query(query)
            dense_scores = np.where(mask, self._embs[dense_spec] @ np.asarray(qv, np.float32), -np.inf)
            top = _top(dense_scores, n, positive_only=False)
            lists.append([(self.docs_[i].doc_id, float(dense_scores[i])) for i in top])
            names.append("dense")
        elif mode == "dense":
            raise BadInputError("mode 'dense' needs a dense embedder; this index was built with dense='none'")
        if len(lists) == 1:
            ranked = lists[0]
        elif self.config.fusion == "rerank" and dense_scores is not None:
            in_bm25 = {d for d, _ in lists[0]}
            reranked = sorted(lists[0], key=lambda item: -float(dense_scores[self._pos[item[0]]]))
            ranked = [(d, float(dense_scores[self._pos[d]])) for d, _ in reranked]
            ranked += [(d, s) for d, s in lists[1] if d not in in_bm25]
        else:
            ranked = fuse(lists, method=self.config.fusion, weights=self.config.weights, k=self.config.rrf_k)
        ranks = [{d: r for r, (d, _) in enumerate(lst, start=1)} for lst in lists]
        q_set = set(q_tokens)
        hits = []
        for doc_id, score in ranked[:k]:
            i = self._pos[doc_id]
            d_tokens = self._support[doc_id]
            hits.append(
                Hit(
                    doc=self.docs_[i],
                    score=float(score),
                    bm25=float(bm25_scores[i]),
                    dense=None if dense_scores is None else float(dense_scores[i]),
                    dense_model=dense_spec if dense_scores is not None else None,
                    coverage=len(q_set & d_tokens) / len(q_set) if q_set else 0.0,
                    ranks={name: r[doc_id] for name, r in zip(names, ranks, strict=True) if doc_id in r},
                )
            )
        return hits

    def product_ids(self) -> set[str]:
        if self._dirty:
            self.build()
        return self._product_set

    def docs_for(self, product_id: str, kind: str | None = None) -> list[Doc]:
        """A product's own documents (not the global ones), optionally of one kind."""
        if self._dirty:
            self.build()
        docs = (self.docs_[i] for i in self._by_product.get(product_id, []))
        return [d for d in docs if kind is None or d.kind == kind]

    def titles(self) -> dict[str, str]:
        """product_id -> title, from the title attribute documents."""
        if self._dirty:
            self.build()
        return self._titles

    # ---- persistence ----------------------------------------------------------------------------------------
    def save(self, directory: str | Path) -> Path:
        """Write the index to `directory` (created). Vectors are saved so a reload re-encodes nothing."""
        if self._dirty:
            self.build()
        path = Path(directory)
        if path.exists() and not path.is_dir():
            raise BadInputError(f"{str(path)!r} is a file; expected a folder for the service index")
        path.mkdir(parents=True, exist_ok=True)
        (path / META_FILE).unlink(missing_ok=True)  # until the new record is written, this is no index
        with atomic_path(path / "docs.jsonl") as tmp, tmp.open("w", encoding="utf-8") as fh:
            for d in self.docs_:
                fh.write(
                    json.dumps({**d.to_dict(), "tokens": self._tokens[d.doc_id]}, ensure_ascii=False) + "\n"
                )
        for n, spec in enumerate(self.dense_specs):
            embedder = self._embedders.get(spec)
            if embedder is None:
                continue
            if isinstance(embedder, LsaEmbedder):
                embedder.save(path)  # the fitted vectorizer + SVD, so queries encode in the same space
            with atomic_path(path / f"embeddings_{n}.npy") as tmp, tmp.open("wb") as fh:
                np.save(fh, self._embs[spec])
        write_meta(
            path,
            INDEX_KIND,
            FORMAT_VERSION,
            name=META_FILE,
            config=asdict(self.config),
            dense=self.dense_spec_,
            n_docs=len(self.docs_),
        )
        return path

    @classmethod
    def load(cls, directory: str | Path) -> ServiceIndex:
        path = Path(directory)
        try:
            meta = read_meta(path, "service index", name=META_FILE)
        except NotFoundError as error:
            raise NotFoundError(f"{error}: run `koubei service index` first") from None
        if meta.get("kind", INDEX_KIND) != INDEX_KIND:  # records before koubei.artifacts carry no kind
            raise BadInputError(
                f"{str(path)!r} holds a {meta.get('kind')!r} artifact; expected a service index"
            )
        check_format_version(path, meta, FORMAT_VERSION, what="service index")
        try:
            cfg = dict(meta["config"])
            cfg["weights"] = tuple(cfg["weights"])
            self = cls(IndexConfig(**cfg))
            self.dense_spec_ = meta["dense"]
            with (path / "docs.jsonl").open(encoding="utf-8") as fh:
                for line in fh:
                    row = json.loads(line)
                    doc = Doc.from_dict(row)
                    self._pos[doc.doc_id] = len(self.docs_)
                    self.docs_.append(doc)
                    self._tokens[doc.doc_id] = row["tokens"]
                    self._support[doc.doc_id] = set(analyze(_support_text(doc)))
            for n, spec in enumerate(self.dense_specs):
                emb_file = path / f"embeddings_{n}.npy"
                if not emb_file.exists():
                    continue
                emb = np.load(emb_file)
                if emb.shape[0] != len(self.docs_):
                    raise ValueError(
                        f"{emb_file.name} has {emb.shape[0]} rows for {len(self.docs_)} documents"
                    )
                if spec == "lsa":
                    if (path / "lsa.npz").exists():
                        self._embedders[spec] = LsaEmbedder.load(
                            path, dims=self.config.lsa_dims, seed=self.config.seed
                        )
                else:
                    self._vectors[spec] = {
                        d.content_hash: vec for d, vec in zip(self.docs_, emb, strict=True)
                    }
                self._embs[spec] = emb
                self._fresh.add(spec)  # a loaded index needs no re-encoding until its documents change
        except (OSError, KeyError, TypeError, ValueError) as error:  # a missing/truncated file, a bad record
            raise BadInputError(
                f"service index at {str(path)!r} is damaged ({type(error).__name__}: {error}); rebuild it with "
                "`koubei service index --rebuild`"
            ) from None
        if len(self.docs_) != meta.get("n_docs", len(self.docs_)):
            raise BadInputError(
                f"service index at {str(path)!r} is damaged ({len(self.docs_)} documents, its record says "
                f"{meta.get('n_docs')}); rebuild it with `koubei service index --rebuild`"
            )
        self._dirty = True
        return self

    def with_config(self, **changes: Any) -> ServiceIndex:
        """The same documents under a changed retrieval config (e.g. fusion weights tuned on a dev split)."""
        if self._dirty:
            self.build()
        other = ServiceIndex(replace(self.config, **changes))
        other.docs_, other._pos, other._tokens = self.docs_, self._pos, self._tokens
        other._support = self._support
        other._vectors, other.dense_spec_, other._embedders = self._vectors, self.dense_spec_, self._embedders
        other._bm25, other._embs, other._product_ids = self._bm25, self._embs, self._product_ids
        other._product_set, other._fresh = self._product_set, self._fresh
        other._by_product, other._titles = self._by_product, self._titles
        # BM25 parameters live in the matrix: changing them needs a rebuild (cheap, from cached tokens).
        other._dirty = any(key in changes for key in ("k1", "b"))
        return other

    def require_built(self) -> None:
        if not self.docs_:
            from koubei.errors import NotFittedError  # builds on scikit-learn: imported on use, not at start

            raise NotFittedError("the service index holds no documents")


def _support_text(doc: Doc) -> str:
    """What a document states: an attribute's key and value (not the product title every attribute repeats),
    an FAQ/Q&A pair's question and answer, a review sentence."""
    return f"{doc.meta.get('question', '')} {doc.text}"


def _top(scores: np.ndarray, n: int, positive_only: bool) -> list[int]:
    """Indices of the n best scores, best first (stable for ties: lower index first)."""
    candidates = np.flatnonzero(scores > 0) if positive_only else np.flatnonzero(np.isfinite(scores))
    if candidates.size == 0:
        return []
    if candidates.size > n:
        part = np.argpartition(-scores[candidates], n - 1)[:n]
        candidates = candidates[part]
    order = np.lexsort((candidates, -scores[candidates]))
    return [int(i) for i in candidates[order]]
