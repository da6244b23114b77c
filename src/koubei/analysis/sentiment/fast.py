"""The fast polarity model: TF-IDF over character n-grams + a linear classifier with calibrated probabilities.

Trains in seconds and scores tens of thousands of reviews per second on one core (see `ngrams.py` for why the
vectorizer is our own). Character n-grams need no word segmenter, so Chinese and English work alike and jieba's
cost is avoided at scoring time. Two linear models are trained on the same features, the SVM and a naive-Bayes-
weighted logistic regression (`nblr.py`), and combined by a logistic regression on their out-of-fold decision
values: that both weighs them and Platt-calibrates the sum, so `score` means "how often a label with this score is
right". The combination is again one linear model, so scoring costs what a single model costs. With ratings, a
ridge regressor on the same features predicts the star rating.

When the training reviews carry a product category, every n-gram also gets a copy per category ("frustratingly easy
domain adaptation", Daume III 2007): the same words can mean different things in different categories ("小" is
praise for a phone and a complaint about a hotel room). A review's decision is the shared weight plus its category's
weight; a review of an unknown (or no) category gets the shared weights alone. What each of these choices gained,
measured, is in benchmarks/results/sentiment_notes.md.

Saved as `model.npz` (arrays only, no pickle) + `sentiment_config.json` (resolved config) + `meta.json` (format version,
classes, training summary).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin

from koubei.analysis.array_models import load_array_model, save_array_model
from koubei.analysis.input_check import check_text, check_texts, text_limit
from koubei.analysis.labels import NEGATIVE, NEUTRAL, POSITIVE, UNSCORABLE
from koubei.analysis.ngrams import CharNgramTfidf, ngram_hashes, prepare
from koubei.analysis.sentiment.explain import Explanation, spans_from_contributions
from koubei.analysis.sentiment.nblr import NBLogisticRegression, stack_linear
from koubei.analysis.sentiment.prediction import Prediction
from koubei.errors import BadInputError, NotFittedError
from koubei.progress import Progress, or_null

FORMAT = "koubei.sentiment.fast"
# 2: per-category weights (category_coef_* arrays, meta "categories"); version 1 models still load.
FORMAT_VERSION = 2
CONFIG_FILE = "sentiment_config.json"


@dataclass(frozen=True)
class FastSentimentConfig:
    """Hyperparameters of the fast model (defaults chosen on held-out validation splits, see benchmarks/)."""

    # Character n-gram lengths: 1-4 covers Chinese words and short phrases ("不太好用") and English subwords.
    ngram_range: tuple[int, int] = (1, 4)
    # An n-gram must occur in this many training reviews to become a feature (drops typos and ids).
    min_df: int = 2
    # Cap on the vocabulary (most frequent kept); None keeps all that pass min_df.
    max_features: int | None = None
    # 1 + log(tf): repeated words ("好好好好") do not dominate.
    sublinear_tf: bool = True
    # "svm" (LinearSVC, hinge loss: best accuracy here) or "logreg" (LogisticRegression).
    classifier: str = "svm"
    # Inverse regularization strength of the classifier.
    C: float = 0.3
    # C of the second member, a logistic regression on naive-Bayes-weighted features (None: the classifier alone).
    # Chosen by 5-/3-fold cross-validation inside the training parts of the benchmark sets (1 and 3 tried).
    nb_C: float | None = 3.0
    # Smoothing of the naive-Bayes document counts.
    nb_alpha: float = 1.0
    # Folds for the out-of-fold decisions the members are combined and calibrated on.
    calibration_folds: int = 3
    # Per-category copies of every n-gram when the training reviews carry a category (see the module docstring).
    category_features: bool = True
    # A category needs this many training reviews to get its own weights (rarer ones use the shared weights).
    min_category_reviews: int = 20
    # Regularization of the star-rating ridge regressor (used only when ratings are given).
    rating_alpha: float = 1.0
    # Texts longer than this are unscorable (None: the process Settings.max_text_chars).
    max_text_chars: int | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        # A config read back from JSON has lists where tuples were saved.
        object.__setattr__(self, "ngram_range", tuple(self.ngram_range))
        if self.classifier not in ("svm", "logreg"):
            raise BadInputError(f"classifier must be 'svm' or 'logreg', got {self.classifier!r}")
        if self.C <= 0:
            raise BadInputError(f"C must be > 0, got {self.C!r}")
        if self.nb_C is not None and self.nb_C <= 0:
            raise BadInputError(f"nb_C must be > 0 or None, got {self.nb_C!r}")
        if self.nb_alpha <= 0:
            raise BadInputError(f"nb_alpha must be > 0, got {self.nb_alpha!r}")
        if self.min_category_reviews < 1:
            raise BadInputError(f"min_category_reviews must be >= 1, got {self.min_category_reviews!r}")
        if self.calibration_folds < 2:
            raise BadInputError(f"calibration_folds must be >= 2, got {self.calibration_folds!r}")


def _outputs(decision: np.ndarray) -> np.ndarray:
    """Decision values as (n_samples, n_outputs): binary classifiers give one column."""
    return decision[:, None] if decision.ndim == 1 else decision


_UNSET = Prediction(UNSCORABLE, None)  # placeholder, replaced for every scorable text


@dataclass
class _Linear:
    """A linear classifier with per-class Platt calibration, evaluated with numpy (what is saved and loaded)."""

    coef: np.ndarray  # (n_outputs, n_features); one row for binary problems
    intercept: np.ndarray  # (n_outputs,)
    platt_a: np.ndarray  # (n_outputs,)
    platt_b: np.ndarray  # (n_outputs,)
    classes: list[str] = field(default_factory=list)
    # Per-category weights added to `coef` for a review of that category: row c * n_outputs + o is output o's
    # weights for category c. Sparse, because a category's weight for an n-gram never seen in it stays 0.
    category_coef: sparse.csr_matrix | None = None

    def decision(self, X: sparse.csr_matrix, category: np.ndarray | None = None) -> np.ndarray:
        """Decision values; `category` holds each row's category index (-1: none/unknown, shared weights only)."""
        if self.category_coef is None or category is None or not (category >= 0).any():
            return np.asarray(X @ self.coef.T) + self.intercept
        # Each stored value meets the weight of its row's category (shared + that category's, summed once per
        # model): one gather and one bincount per output, about half the cost of a sparse x dense product against
        # every category's weights at once.
        combined = self._combined_weights()  # (n_outputs, 1 + categories, features)
        n_rows, n_features = X.shape[0], X.shape[1]
        row_of = np.repeat(np.arange(n_rows), np.diff(X.indptr))
        block = (category[row_of] + 1) * n_features + X.indices
        d = np.empty((n_rows, combined.shape[0]))
        for o in range(combined.shape[0]):
            d[:, o] = np.bincount(row_of, weights=X.data * combined[o].ravel()[block], minlength=n_rows)
        return d + self.intercept

    def _combined_weights(self) -> np.ndarray:
        """Per output: the shared weights, then shared + each category's, as one C-contiguous array (built once)."""
        if getattr(self, "_combined", None) is None:
            assert self.category_coef is not None
            n_out = self.coef.shape[0]
            per_category = (
                self.category_coef.toarray().reshape(-1, n_out, self.coef.shape[1]).transpose(1, 0, 2)
            )
            self._combined = np.ascontiguousarray(
                np.concatenate([self.coef[:, None], self.coef[:, None] + per_category], axis=1)
            )
        return self._combined

    def weights_for(self, category: int) -> np.ndarray:
        """(n_outputs, n_features) weights that apply to a review of category index `category` (-1: shared)."""
        if self.category_coef is None:
            return self.coef
        return self._combined_weights()[:, category + 1]

    def proba(self, X: sparse.csr_matrix, category: np.ndarray | None = None) -> np.ndarray:
        d = self.decision(X, category)
        # Same formula as sklearn's _SigmoidCalibration: p = 1 / (1 + exp(a * f + b)).
        p = expit(-(self.platt_a * d + self.platt_b))
        if len(self.classes) == 2:
            return np.column_stack([1.0 - p[:, 0], p[:, 0]])
        total = p.sum(axis=1, keepdims=True)
        uniform = np.full_like(p, 1.0 / p.shape[1])
        return np.where(total > 0, p / np.where(total == 0, 1.0, total), uniform)


def _category_name(value: Any) -> str | None:
    text = "" if value is None else str(value).strip()
    return text or None


def with_category_copies(X: sparse.csr_matrix, category: np.ndarray, n_categories: int) -> sparse.csr_matrix:
    """[X | X moved into its row's category block]: one shared and one per-category copy of every feature
    (rows of category -1 get only the shared copy)."""
    n_features = X.shape[1]
    coo = X.tocoo()
    row_category = category[coo.row]
    has = row_category >= 0
    copies = sparse.csr_matrix(
        (coo.data[has], (coo.row[has], coo.col[has] + n_features * row_category[has])),
        shape=(X.shape[0], n_features * n_categories),
    )
    return sparse.hstack([X, copies], format="csr")


def char_contributions(
    model: FastSentimentModel, text: str, class_index: int, category: int = -1
) -> np.ndarray:
    """Per-character contribution of a fast model's n-grams to the decision value of `class_index`, with the
    weights of category index `category` (-1: the shared weights). Exact: the decision value (less the
    intercept) is the sum of these, each n-gram's share spread evenly over the characters it covers."""
    vec = model.vectorizer_
    doc = prepare(text, vec.lowercase)
    hashes, _, starts, lengths = ngram_hashes([doc], vec.ngram_range)
    cols = vec.lookup(hashes)
    X = vec.transform([text])
    row = dict(zip(X.indices.tolist(), X.data.tolist(), strict=True))
    coef = model.linear_.weights_for(category)
    binary = coef.shape[0] == 1
    weights = coef[0] if binary else coef[class_index]
    sign = 1.0 if (not binary or class_index == 1) else -1.0
    contrib = np.zeros(len(text), dtype=np.float64)
    # Each occurrence carries its share of the feature's total value (tf-idf counts the feature once per doc).
    occurrences = Counter(cols[cols >= 0].tolist())
    for col, start, n in zip(cols.tolist(), starts.tolist(), lengths.tolist(), strict=True):
        if col < 0:
            continue
        value = sign * row.get(col, 0.0) * weights[col] / occurrences[col]
        contrib[start : start + n] += value / n
    return contrib


class FastSentimentModel(ClassifierMixin, BaseEstimator):
    """Polarity of reviews: `fit(texts, labels)`, `predict`, `predict_proba`, `score_texts`, `save`/`load`."""

    def __init__(self, config: FastSentimentConfig | None = None) -> None:
        self.config = config

    # ---- training ---------------------------------------------------------------------------------------------

    def _cfg(self) -> FastSentimentConfig:
        return self.config or FastSentimentConfig()

    def fit(
        self,
        texts: list[str],
        labels: list[str],
        ratings: list[float | None] | None = None,
        categories: list[Any] | None = None,
        progress: Progress | None = None,
    ) -> FastSentimentModel:
        """Learn from texts and canonical labels (positive/negative/neutral); ratings optional (1-5 or None);
        categories optional (each review's product category, or None). `progress` counts the linear fits."""
        from sklearn.base import clone
        from sklearn.linear_model import LogisticRegression, Ridge
        from sklearn.model_selection import StratifiedKFold, cross_val_predict
        from sklearn.svm import LinearSVC

        cfg = self._cfg()
        if len(texts) != len(labels):
            raise BadInputError(f"texts and labels differ in length ({len(texts)} vs {len(labels)})")
        if categories is not None and len(categories) != len(texts):
            raise BadInputError(f"texts and categories differ in length ({len(texts)} vs {len(categories)})")
        bad = sorted({str(lab) for lab in labels} - {POSITIVE, NEGATIVE, NEUTRAL})
        if bad:
            raise BadInputError(
                f"labels {bad} are not sentiment labels; expected positive, negative, neutral"
            )
        checks = check_texts(list(texts), text_limit(cfg.max_text_chars), ("zh", "en", "other"))
        keep = [i for i, c in enumerate(checks) if c.ok]
        docs = [checks[i].text for i in keep]
        y = np.array([labels[i] for i in keep])
        classes, counts = np.unique(y, return_counts=True)
        if classes.shape[0] < 2:
            raise BadInputError(
                f"training needs at least 2 labels among usable texts, got {classes.tolist()}"
            )
        folds = min(cfg.calibration_folds, int(counts.min()))
        if folds < 2:
            raise BadInputError("every label needs at least 2 usable training texts for calibration")
        self.vectorizer_ = CharNgramTfidf(cfg.ngram_range, cfg.min_df, cfg.max_features, cfg.sublinear_tf)
        try:
            X = self.vectorizer_.fit_transform(docs)
        except BadInputError:
            # Tiny training sets: fall back to keeping every n-gram rather than refusing to train.
            self.vectorizer_ = CharNgramTfidf(cfg.ngram_range, 1, cfg.max_features, cfg.sublinear_tf)
            X = self.vectorizer_.fit_transform(docs)
        named = (
            [_category_name(categories[i]) for i in keep]
            if categories is not None and cfg.category_features
            else []
        )
        reviews_per_category = Counter(name for name in named if name is not None)
        frequent = sorted(c for c, n in reviews_per_category.items() if n >= cfg.min_category_reviews)
        # One category alone is no contrast: its copies would only duplicate the shared weights.
        self.categories_ = frequent if len(frequent) >= 2 else []
        X_fit = X
        if self.categories_:
            category = self.category_index(named)
            assert category is not None
            X_fit = with_category_copies(X, category, len(self.categories_))
        # (member, its features): the NB-weighted member reads the shared features only. On the category copies
        # its lbfgs solve is several times slower for a fraction of a point (benchmarks/results/sentiment_notes.md).
        members: list[tuple[Any, sparse.csr_matrix]] = [
            (
                LinearSVC(C=cfg.C, random_state=cfg.seed)
                if cfg.classifier == "svm"
                else LogisticRegression(C=cfg.C, max_iter=3000, random_state=cfg.seed),
                X_fit,
            )
        ]
        if cfg.nb_C is not None:
            members.append((NBLogisticRegression(C=cfg.nb_C, alpha=cfg.nb_alpha, random_state=cfg.seed), X))
        cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=cfg.seed)
        self.classes_ = classes
        coefs, intercepts, oof = [], [], []
        progress = or_null(progress)
        progress.start(len(members) * (folds + 1), "fits", "training fast")
        for member, features in members:
            # Out-of-fold decisions first (what the combination is fitted on), then the member on all the data.
            oof.append(
                _outputs(cross_val_predict(clone(member), features, y, cv=cv, method="decision_function"))
            )
            progress.advance(folds)
            member.fit(features, y)
            progress.advance(1)
            member_coef = np.atleast_2d(np.asarray(member.coef_, dtype=np.float64))
            # A member of the shared features has weight 0 on every category copy.
            padding = np.zeros((member_coef.shape[0], X_fit.shape[1] - features.shape[1]))
            coefs.append(np.hstack([member_coef, padding]) if padding.shape[1] else member_coef)
            intercepts.append(np.atleast_1d(np.asarray(member.intercept_, dtype=np.float64)))
            if len(classes) > 2 and coefs[-1].shape[0] != len(classes):
                raise BadInputError("a multi-class member must give one decision per class")
        coef, intercept = stack_linear(coefs, intercepts, oof, y, classes)
        # The stacked decision is already a calibrated log-odds: p = 1 / (1 + exp(-1 * f + 0)).
        n_out, n_features = coef.shape[0], X.shape[1]
        category_coef = None
        if self.categories_:
            per_category = coef[:, n_features:].reshape(n_out, len(self.categories_), n_features)
            category_coef = sparse.csr_matrix(per_category.transpose(1, 0, 2).reshape(-1, n_features))
            category_coef.eliminate_zeros()
            coef = np.ascontiguousarray(coef[:, :n_features])
        self.linear_ = _Linear(
            coef=coef,
            intercept=intercept,
            platt_a=np.full(n_out, -1.0),
            platt_b=np.zeros(n_out),
            classes=[str(c) for c in self.classes_],
            category_coef=category_coef,
        )
        langs = [c.lang for c in (checks[i] for i in keep)]
        share = {lang: langs.count(lang) / len(langs) for lang in set(langs)}
        # The model answers for languages that are >= 2% of its training data; others are unscorable.
        self.languages_ = tuple(sorted(lang for lang, s in share.items() if s >= 0.02))
        self.rating_coef_: np.ndarray | None = None
        self.rating_intercept_ = 0.0
        if ratings is not None:
            r = np.array([np.nan if ratings[i] is None else float(ratings[i]) for i in keep])  # type: ignore[arg-type]
            has = ~np.isnan(r)
            if has.sum() >= 2:
                ridge = Ridge(alpha=cfg.rating_alpha, random_state=cfg.seed).fit(X[has], r[has])
                self.rating_coef_ = np.asarray(ridge.coef_, dtype=np.float64)
                self.rating_intercept_ = float(ridge.intercept_)
        self.n_train_ = len(docs)
        self.n_skipped_ = len(texts) - len(docs)
        return self

    # ---- scoring ----------------------------------------------------------------------------------------------

    def _check_fitted(self) -> None:
        if not hasattr(self, "linear_"):
            raise NotFittedError(
                "FastSentimentModel is not fitted yet; call fit() or FastSentimentModel.load()"
            )

    def transform(self, texts: list[str]) -> sparse.csr_matrix:
        self._check_fitted()
        return self.vectorizer_.transform(texts)

    def _category_lookup(self, categories: list[Any] | None) -> tuple[np.ndarray, np.ndarray] | None:
        """(each review's index among the model's categories, -1 for none or unknown; whether it named a category),
        or None when there is nothing to look up."""
        if categories is None or not getattr(self, "categories_", []):
            return None
        index = {c: i for i, c in enumerate(self.categories_)}
        names = [_category_name(c) for c in categories]
        found = np.fromiter(
            (index.get(n, -1) if n is not None else -1 for n in names), dtype=np.int64, count=len(names)
        )
        named = np.fromiter((n is not None for n in names), dtype=bool, count=len(names))
        return found, named

    def category_index(self, categories: list[Any] | None) -> np.ndarray | None:
        """Each category's index among the model's categories (-1: none or unknown); None without categories."""
        lookup = self._category_lookup(categories)
        return None if lookup is None else lookup[0]

    def predict_proba(self, texts: list[str], categories: list[Any] | None = None) -> np.ndarray:
        """Calibrated probabilities, columns in `classes_` order. Texts are used as given (no bad-input check)."""
        self._check_fitted()
        return self.linear_.proba(self.transform(texts), self.category_index(categories))

    def predict(self, texts: list[str], categories: list[Any] | None = None) -> np.ndarray:
        self._check_fitted()
        return self.classes_[np.argmax(self.predict_proba(texts, categories), axis=1)]

    def predict_rating(self, texts: list[str]) -> np.ndarray | None:
        """Predicted star rating in [1, 5], or None when the model was trained without ratings."""
        self._check_fitted()
        if self.rating_coef_ is None:
            return None
        X = self.transform(texts)
        return np.clip(np.asarray(X @ self.rating_coef_).ravel() + self.rating_intercept_, 1.0, 5.0)

    def score_texts(self, texts: list[Any], categories: list[Any] | None = None) -> list[Prediction]:
        """Score texts with the bad-input rules of `guard.py`; one Prediction per text, never raises on a text.

        `categories` (one per text, None allowed) selects the per-category weights of a model trained with
        categories; a category the model does not know is flagged `unknown_category` and scored with the shared
        weights."""
        self._check_fitted()
        if categories is not None and len(categories) != len(texts):
            raise BadInputError(f"texts and categories differ in length ({len(texts)} vs {len(categories)})")
        lookup = self._category_lookup(categories)
        cfg = self._cfg()
        checks = check_texts(list(texts), text_limit(cfg.max_text_chars), self.languages_)
        ok = [i for i, c in enumerate(checks) if c.ok]
        out: list[Prediction] = [
            _UNSET if c.ok else Prediction(UNSCORABLE, None, {}, None, c.reason, c.flags, c.lang)
            for c in checks
        ]
        if ok:
            X = self.transform([checks[i].text for i in ok])
            ok_category = None if lookup is None else lookup[0][ok]
            proba = self.linear_.proba(X, ok_category)
            ratings = None
            if self.rating_coef_ is not None:
                ratings = np.clip(
                    np.asarray(X @ self.rating_coef_).ravel() + self.rating_intercept_, 1.0, 5.0
                )
            nnz = np.diff(X.indptr).tolist()
            best_of = np.argmax(proba, axis=1).tolist()
            rows = proba.tolist()
            rating_list = None if ratings is None else np.round(ratings, 2).tolist()
            classes = [str(c) for c in self.classes_]
            # A named category the model does not know: scored with the shared weights, and flagged.
            unknown = None if lookup is None else ((lookup[0] < 0) & lookup[1])[ok].tolist()
            for row, i in enumerate(ok):
                best = best_of[row]
                check = checks[i]
                out[i] = Prediction(
                    label=classes[best],
                    score=rows[row][best],
                    probabilities=dict(zip(classes, rows[row], strict=True)),
                    rating=None if rating_list is None else rating_list[row],
                    reason=None,
                    flags=(
                        *check.flags,
                        *(("no_known_ngrams",) if nnz[row] == 0 else ()),
                        *(("unknown_category",) if unknown is not None and unknown[row] else ()),
                    ),
                    lang=check.lang,
                )
        return out

    def explain(self, text: Any, category: Any = None) -> Explanation:
        """Which words pushed the prediction, and how much (exact linear contributions, see `char_contributions`),
        with the weights of `category` when the model has them. Bad input gives an Explanation with a reason and
        no spans."""
        self._check_fitted()
        check = check_text(text, text_limit(self._cfg().max_text_chars), self.languages_)
        if not check.ok:
            return Explanation(str(text or ""), UNSCORABLE, None, [], reason=check.reason)
        pred = self.score_texts([check.text], categories=[category])[0]
        class_index = [str(c) for c in self.classes_].index(pred.label)
        index = self.category_index([category])
        contrib = char_contributions(self, check.text, class_index, -1 if index is None else int(index[0]))
        return Explanation(check.text, pred.label, pred.score, spans_from_contributions(check.text, contrib))

    # ---- persistence ------------------------------------------------------------------------------------------

    def save(self, out_dir: str | Path, metrics: dict[str, Any] | None = None) -> Path:
        """Write model.npz + sentiment_config.json + meta.json into `out_dir` (created); returns the folder."""
        self._check_fitted()
        arrays = {
            **self.vectorizer_.state(),
            "coef": self.linear_.coef,
            "intercept": self.linear_.intercept,
            "platt_a": self.linear_.platt_a,
            "platt_b": self.linear_.platt_b,
        }
        if self.linear_.category_coef is not None:
            cc = self.linear_.category_coef
            arrays.update(
                {
                    "category_coef_data": cc.data,
                    "category_coef_indices": cc.indices,
                    "category_coef_indptr": cc.indptr,
                    "category_coef_shape": np.array(cc.shape),
                }
            )
        if self.rating_coef_ is not None:
            arrays["rating_coef"] = self.rating_coef_
            arrays["rating_intercept"] = np.array([self.rating_intercept_])
        return save_array_model(
            out_dir,
            arrays,
            self._cfg(),
            CONFIG_FILE,
            kind="fast",
            format=FORMAT,
            format_version=FORMAT_VERSION,
            classes=[str(c) for c in self.classes_],
            languages=list(self.languages_),
            categories=list(self.categories_),
            n_train=self.n_train_,
            n_skipped=self.n_skipped_,
            n_features=self.vectorizer_.n_features_out_,
            metrics=metrics or {},
        )

    @classmethod
    def load(cls, model_dir: str | Path) -> FastSentimentModel:
        saved = load_array_model(
            model_dir,
            "fast sentiment model",
            format=FORMAT,
            format_version=FORMAT_VERSION,
            config_cls=FastSentimentConfig,
            config_files=(CONFIG_FILE,),
        )
        meta, config, arrays = saved.meta, saved.config, saved.arrays
        model = cls(config)
        model.vectorizer_ = CharNgramTfidf(
            config.ngram_range, config.min_df, config.max_features, config.sublinear_tf
        )
        model.vectorizer_.set_state(arrays)
        model.classes_ = np.array(meta["classes"])
        category_coef = None
        if "category_coef_data" in arrays:
            category_coef = sparse.csr_matrix(
                (
                    arrays["category_coef_data"],
                    arrays["category_coef_indices"],
                    arrays["category_coef_indptr"],
                ),
                shape=tuple(int(n) for n in arrays["category_coef_shape"]),
            )
        model.linear_ = _Linear(
            arrays["coef"],
            arrays["intercept"],
            arrays["platt_a"],
            arrays["platt_b"],
            list(meta["classes"]),
            category_coef,
        )
        model.categories_ = list(meta.get("categories", []))
        model.languages_ = tuple(meta.get("languages", ("zh", "en")))
        model.rating_coef_ = arrays.get("rating_coef")
        model.rating_intercept_ = (
            float(arrays["rating_intercept"][0]) if "rating_intercept" in arrays else 0.0
        )
        model.n_train_ = int(meta.get("n_train", 0))
        model.n_skipped_ = int(meta.get("n_skipped", 0))
        return model
