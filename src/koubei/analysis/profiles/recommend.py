"""Predicted interest of a user in a product: the recommender behind `koubei profile targets` and `profile next`.

One score for a (user, product) pair, a weighted sum of four signals, each computed from the interactions
(reviews and orders) it was fitted on:
- *collaborative*: EASE (Steck, WWW 2019), a closed-form item-item linear model, B = I - P / diag(P) with
  P = (X^T X + lambda I)^-1 on the binary user x item matrix X; the score is X_u . B_:,i. Written with numpy because
  it is two lines of linear algebra (the libraries that ship it, e.g. RecBole, bring a whole framework);
- *text*: cosine between TF-IDF vectors of what the user wrote and of what was written about the product (its
  reviews plus its catalog title), tokenized with `koubei.text.analyzer` so Chinese is segmented (jieba) and
  English stemmed: what a user writes about says what they care about;
- *category affinity*: log of the user's smoothed share of interactions in the product's category;
- *popularity*: log(1 + interactions of the product), which only moves the next-product ranking.
The weights differ between ranking products for a user (`next`) and ranking users for a product (`targets`); their
defaults were chosen on the validation part of the benchmark split (`benchmarks/profile_benchmark.py --part
validation`), never on its test part.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from koubei.artifacts import (
    CONFIG_FILE,
    atomic_path,
    check_format_version,
    load_config,
    read_json,
    read_meta,
    save_config,
    write_json,
    write_meta,
)
from koubei.errors import BadInputError

KIND = "targeting_recommender"
FORMAT_VERSION = 1
NO_CATEGORY = ""  # the category bucket of products the data gives no category


@dataclass(frozen=True)
class RecommenderConfig:
    """Hyperparameters of the interest score (defaults chosen on the benchmark's validation part)."""

    ease_lambda: float = 50.0  # L2 penalty of EASE: larger = smoother item-item weights
    category_smoothing: float = 0.1  # pseudo-count per category in a user's category shares
    text_min_df: int = 2  # a term must occur in at least this many documents
    text_max_features: int = 50_000  # vocabulary cap of the TF-IDF text signal
    max_items: int = (
        20_000  # EASE inverts an items x items matrix: refuse larger catalogs instead of swapping
    )
    w_cf: float = 3.0  # weight of the collaborative (EASE) score
    w_text: float = 1.0  # weight of the text cosine
    w_category_next: float = 1.0  # weight of log category share when ranking products for a user
    w_category_targets: float = 0.3  # ... and when ranking users for a product
    w_popularity_next: float = 0.1  # weight of log(1 + product interactions) when ranking products


@dataclass
class Interactions:
    """What the recommender learns from: who interacted with what, the products' categories and the texts."""

    user_ids: list[str]
    item_ids: list[str]
    user_index: np.ndarray  # one entry per interaction (index into user_ids)
    item_index: np.ndarray  # aligned with user_index
    item_category: list[str]  # per item; NO_CATEGORY when unknown
    user_text: list[str]  # per user: everything they wrote, joined
    item_text: list[str]  # per item: its title and everything written about it, joined
    users_position: dict[str, int] = field(default_factory=dict, repr=False)
    items_position: dict[str, int] = field(default_factory=dict, repr=False)


def build_interactions(
    reviews: Sequence[dict[str, Any]],
    orders: Sequence[dict[str, Any]] = (),
    catalog: Sequence[dict[str, Any]] = (),
) -> Interactions:
    """Interactions from review rows (user_id, product_id, category, text), order rows (user_id, product_id) and
    catalog rows (product_id, title, category). Users and items are sorted by id, so the result does not depend on
    row order. Catalog products nobody interacted with are items too (text and category only)."""
    users: set[str] = set()
    items: set[str] = set()
    for row in [*reviews, *orders]:
        users.add(str(row["user_id"]))
        items.add(str(row["product_id"]))
    items.update(str(row["product_id"]) for row in catalog)
    if not users:
        raise BadInputError(
            "no review or order names both a user_id and a product_id; ingest reviews with user_id and "
            "product_id (`koubei ingest reviews FILE`) or orders (`koubei ingest orders FILE`)"
        )
    user_ids, item_ids = sorted(users), sorted(items)
    upos = {u: i for i, u in enumerate(user_ids)}
    ipos = {p: i for i, p in enumerate(item_ids)}
    category = [NO_CATEGORY] * len(item_ids)
    utext: list[list[str]] = [[] for _ in user_ids]
    itext: list[list[str]] = [[] for _ in item_ids]
    for row in catalog:
        i = ipos[str(row["product_id"])]
        if row.get("category"):
            category[i] = str(row["category"])
        if row.get("title"):
            itext[i].append(str(row["title"]))
    pairs_u: list[int] = []
    pairs_i: list[int] = []
    for row in reviews:
        u, i = upos[str(row["user_id"])], ipos[str(row["product_id"])]
        pairs_u.append(u)
        pairs_i.append(i)
        if row.get("category") and category[i] == NO_CATEGORY:
            category[i] = str(row["category"])  # the catalog's category wins; else the reviews'
        if row.get("text"):
            utext[u].append(str(row["text"]))
            itext[i].append(str(row["text"]))
    for row in orders:
        pairs_u.append(upos[str(row["user_id"])])
        pairs_i.append(ipos[str(row["product_id"])])
    return Interactions(
        user_ids,
        item_ids,
        np.asarray(pairs_u, dtype=np.int64),
        np.asarray(pairs_i, dtype=np.int64),
        category,
        [" ".join(t) for t in utext],
        [" ".join(t) for t in itext],
        upos,
        ipos,
    )


def _analyzer(text: str) -> list[str]:
    from koubei.text.analyzer import analyze

    return analyze(text)


def _save_csr(prefix: str, matrix: sparse.csr_matrix) -> dict[str, np.ndarray]:
    return {
        f"{prefix}_data": matrix.data,
        f"{prefix}_indices": matrix.indices,
        f"{prefix}_indptr": matrix.indptr,
        f"{prefix}_shape": np.asarray(matrix.shape, dtype=np.int64),
    }


def _load_csr(arrays: Any, prefix: str) -> sparse.csr_matrix:
    shape = tuple(int(v) for v in arrays[f"{prefix}_shape"])
    return sparse.csr_matrix(
        (arrays[f"{prefix}_data"], arrays[f"{prefix}_indices"], arrays[f"{prefix}_indptr"]), shape=shape
    )


def _row(matrix: sparse.csr_matrix, i: int) -> tuple[np.ndarray, np.ndarray]:
    """Column indices and values of row `i` of a CSR matrix, as views (scipy's row slicing costs ~1 ms)."""
    start, end = matrix.indptr[i], matrix.indptr[i + 1]
    return matrix.indices[start:end], matrix.data[start:end]


class Recommender:
    """Interest scores for (user, product) pairs; scikit-learn estimator contract (`fit` returns self)."""

    def __init__(self, config: RecommenderConfig = RecommenderConfig()) -> None:
        self.config = config

    # ---- fitting ----------------------------------------------------------------------------------------

    def fit(self, data: Interactions) -> Recommender:
        cfg = self.config
        n_users, n_items = len(data.user_ids), len(data.item_ids)
        if n_items > cfg.max_items:
            raise BadInputError(
                f"the catalog has {n_items} products; the item-item model handles at most max_items="
                f"{cfg.max_items} (raise it if the machine has the memory for a {n_items}^2 matrix)"
            )
        ones = np.ones(data.user_index.size, dtype=np.float64)
        x = sparse.csr_matrix((ones, (data.user_index, data.item_index)), shape=(n_users, n_items))
        x.data[:] = 1.0  # repeated interactions (review + order of one product) count once
        self.user_ids_ = list(data.user_ids)
        self.item_ids_ = list(data.item_ids)
        self.x_ = x
        gram = (x.T @ x).toarray()
        gram[np.diag_indices(n_items)] += cfg.ease_lambda
        p = np.linalg.inv(gram)
        b = -p / np.diag(p)[None, :]
        b[np.diag_indices(n_items)] = 0.0
        self.b_ = b.astype(np.float32)
        self.popularity_ = np.asarray(x.sum(axis=0)).ravel()
        self.activity_ = np.asarray(x.sum(axis=1)).ravel()
        self.categories_ = sorted(set(data.item_category))
        cpos = {c: i for i, c in enumerate(self.categories_)}
        self.item_category_ = np.asarray([cpos[c] for c in data.item_category], dtype=np.int64)
        onehot = sparse.csr_matrix(
            (np.ones(n_items), (np.arange(n_items), self.item_category_)),
            shape=(n_items, len(self.categories_)),
        )
        counts = np.asarray((x @ onehot).todense(), dtype=np.float64)
        alpha = cfg.category_smoothing
        shares = (counts + alpha) / (counts.sum(axis=1, keepdims=True) + alpha * len(self.categories_))
        self.log_category_share_ = np.log(shares).astype(np.float32)
        self._fit_text(data)
        self.build_lookups()
        return self

    def _fit_text(self, data: Interactions) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        docs = [*data.user_text, *data.item_text]
        n_users = len(data.user_text)
        vectorizer = TfidfVectorizer(
            analyzer=_analyzer,
            sublinear_tf=True,
            min_df=min(self.config.text_min_df, max(1, sum(1 for d in docs if d))),
            max_features=self.config.text_max_features,
        )
        try:
            matrix = sparse.csr_matrix(vectorizer.fit_transform(docs), dtype=np.float32)
            vocabulary = [str(t) for t in vectorizer.get_feature_names_out()]
        except ValueError:  # no text at all (or none that survives the analyzer): the text signal is zero
            matrix = sparse.csr_matrix((len(docs), 0), dtype=np.float32)
            vocabulary = []
        self.user_text_ = sparse.csr_matrix(matrix[:n_users])
        self.item_text_ = sparse.csr_matrix(matrix[n_users:])
        self.vocabulary_ = vocabulary

    def build_lookups(self) -> None:
        """The lookup tables derived from the learned ids and matrices (after fit, and after load)."""
        self.user_position_ = {u: i for i, u in enumerate(self.user_ids_)}
        self.item_position_ = {p: i for i, p in enumerate(self.item_ids_)}
        self.item_text_t_ = sparse.csr_matrix(self.item_text_.T)
        self.x_csc_ = sparse.csc_matrix(self.x_)

    def _check(self) -> None:
        if not hasattr(self, "b_"):
            from koubei.errors import NotFittedError

            raise NotFittedError("this Recommender is not fitted yet; call fit(interactions) first")

    # ---- lookups ----------------------------------------------------------------------------------------

    def user_position(self, user_id: str) -> int | None:
        self._check()
        return self.user_position_.get(str(user_id))

    def item_position(self, product_id: str) -> int | None:
        self._check()
        return self.item_position_.get(str(product_id))

    def seen_items(self, u: int) -> np.ndarray:
        """Indices of the items user `u` reviewed or bought."""
        return self.x_.indices[self.x_.indptr[u] : self.x_.indptr[u + 1]]

    def seen_users(self, i: int) -> np.ndarray:
        """Indices of the users who reviewed or bought item `i`."""
        return self.x_csc_.indices[self.x_csc_.indptr[i] : self.x_csc_.indptr[i + 1]]

    # ---- scores -----------------------------------------------------------------------------------------

    def item_scores(self, u: int) -> np.ndarray:
        """Interest of user `u` in every item (the next-product weights)."""
        self._check()
        cfg = self.config
        seen = self.seen_items(u)
        cf = self.b_[seen].sum(axis=0).astype(np.float64)
        text = np.asarray((self.user_text_[u] @ self.item_text_t_).todense()).ravel()
        category = self.log_category_share_[u][self.item_category_].astype(np.float64)
        popularity = np.log1p(self.popularity_)
        return (
            cfg.w_cf * cf
            + cfg.w_text * text
            + cfg.w_category_next * category
            + cfg.w_popularity_next * popularity
        )

    def user_scores(self, i: int) -> np.ndarray:
        """Interest of every user in item `i` (the targeting weights)."""
        self._check()
        cfg = self.config
        cf = np.asarray(self.x_ @ self.b_[:, i].astype(np.float64)).ravel()
        text = np.asarray((self.user_text_ @ self.item_text_[i].T).todense()).ravel()
        category = self.log_category_share_[:, self.item_category_[i]].astype(np.float64)
        return cfg.w_cf * cf + cfg.w_text * text + cfg.w_category_targets * category

    def explain(self, u: int, i: int, *, top: int = 3) -> dict[str, Any]:
        """Why user `u` scores high on item `i`: the co-interacted products that carry the collaborative score,
        the words they share with the product's reviews, and their share of interactions in its category."""
        self._check()
        seen = self.seen_items(u)
        weights = self.b_[seen, i].astype(np.float64)
        order = np.argsort(-weights, kind="stable")
        via = [self.item_ids_[int(seen[j])] for j in order[:top] if weights[j] > 0]
        u_idx, u_val = _row(self.user_text_, u)
        i_idx, i_val = _row(self.item_text_, i)
        common, in_u, in_i = np.intersect1d(u_idx, i_idx, assume_unique=True, return_indices=True)
        overlap = u_val[in_u].astype(np.float64) * i_val[in_i]
        best = np.argsort(-overlap, kind="stable")[:top]
        words = [self.vocabulary_[int(common[k])] for k in best]
        category = self.categories_[int(self.item_category_[i])]
        share = float(np.exp(self.log_category_share_[u, self.item_category_[i]]))
        return {
            "collaborative": float(weights.sum()),
            "via_products": via,
            "text": float(overlap.sum()),
            "shared_words": words,
            "category": category or None,
            "category_share": share,
            "interactions": int(self.activity_[u]),
        }

    # ---- artifact ---------------------------------------------------------------------------------------

    def save(self, folder: str | Path, **record: Any) -> Path:
        """Write the fitted model to `folder` (arrays, ids, config; the record `meta.json` last)."""
        self._check()
        path = Path(folder)
        path.mkdir(parents=True, exist_ok=True)
        arrays = {
            "b": self.b_,
            "popularity": self.popularity_,
            "activity": self.activity_,
            "item_category": self.item_category_,
            "log_category_share": self.log_category_share_,
            **_save_csr("x", sparse.csr_matrix(self.x_)),
            **_save_csr("user_text", self.user_text_),
            **_save_csr("item_text", self.item_text_),
        }
        with atomic_path(path / "arrays.npz") as tmp, tmp.open("wb") as handle:
            np.savez(handle, **arrays)
        write_json(
            path / "ids.json",
            {
                "user_ids": self.user_ids_,
                "item_ids": self.item_ids_,
                "categories": self.categories_,
                "vocabulary": self.vocabulary_,
            },
        )
        save_config(path / CONFIG_FILE, self.config)
        write_meta(path, KIND, FORMAT_VERSION, **record)
        return path

    @classmethod
    def load(cls, folder: str | Path) -> Recommender:
        path = Path(folder)
        meta = read_meta(path, "targeting model", kinds=(KIND,))
        check_format_version(path, meta, FORMAT_VERSION, what="targeting model")
        model = cls(load_config(path / CONFIG_FILE, RecommenderConfig, what="targeting model config"))
        ids = read_json(path / "ids.json", what="targeting model ids")
        try:
            with np.load(path / "arrays.npz", allow_pickle=False) as arrays:
                model.b_ = arrays["b"]
                model.popularity_ = arrays["popularity"]
                model.activity_ = arrays["activity"]
                model.item_category_ = arrays["item_category"]
                model.log_category_share_ = arrays["log_category_share"]
                model.x_ = _load_csr(arrays, "x")
                model.user_text_ = _load_csr(arrays, "user_text")
                model.item_text_ = _load_csr(arrays, "item_text")
        except (OSError, KeyError, ValueError) as error:
            raise BadInputError(
                f"targeting model {str(path)!r} is damaged ({error}); it is refitted on the next run"
            ) from None
        model.user_ids_ = list(ids["user_ids"])
        model.item_ids_ = list(ids["item_ids"])
        model.categories_ = list(ids["categories"])
        model.vocabulary_ = list(ids["vocabulary"])
        model.build_lookups()
        return model

    def summary(self) -> dict[str, Any]:
        self._check()
        return {
            "users": len(self.user_ids_),
            "products": len(self.item_ids_),
            "interactions": int(self.x_.nnz),
            "categories": len(self.categories_),
            "vocabulary": len(self.vocabulary_),
            "config": asdict(self.config),
        }
