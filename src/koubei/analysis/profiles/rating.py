"""The rating a user will give a product: a distribution over 1..5 stars, its median, mean and P(>= 4 stars).

Features of a (user, product) pair are the smoothed rating histograms of the user and of the product (mean, share
of 5s, share of 1-2s, log count, each shrunk toward the global figure by `prior_strength` pseudo-ratings). A
multinomial logistic regression (scikit-learn) maps them to P(rating = r). Training rows use leave-one-out
histograms (the row's own rating removed), so the model learns to predict a rating it has not seen, as at use.

The point estimate is the *median* of the predicted distribution, because the figure that matters is the mean
absolute error and the median minimizes expected absolute error (ratings are skewed toward 5: a user's mean, the
usual baseline, is pulled down by one bad review). P(rating >= 4) is what targeting reads as "likely to speak
well". The fitted coefficients are saved as plain arrays (no pickle) and the prediction is recomputed from them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

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

KIND = "rating_model"
FORMAT_VERSION = 1
STARS = np.arange(1, 6)


@dataclass(frozen=True)
class RatingConfig:
    """Hyperparameters of the rating model."""

    prior_strength: float = 2.0  # pseudo-ratings at the global distribution added to every histogram
    c: float = (
        1.0  # inverse L2 strength of the logistic regression (chosen on the benchmark's validation part)
    )
    max_iter: int = 2000  # lbfgs iterations


def _features(hist: np.ndarray, prior: np.ndarray, strength: float) -> np.ndarray:
    """Per-row features of rating histograms `hist` (rows x 5 counts of 1..5 stars)."""
    n = hist.sum(axis=1)
    smoothed = (hist + strength * prior[None, :]) / (n + strength)[:, None]
    return np.column_stack([smoothed @ STARS, smoothed[:, 4], smoothed[:, 0] + smoothed[:, 1], np.log1p(n)])


class RatingModel:
    """P(rating | user, product); scikit-learn estimator contract."""

    def __init__(self, config: RatingConfig = RatingConfig()) -> None:
        self.config = config

    def fit(self, user_ids: Sequence[str], item_ids: Sequence[str], ratings: Sequence[int]) -> RatingModel:
        y = np.asarray(ratings, dtype=np.int64)
        if not (len(user_ids) == len(item_ids) == y.size):
            raise BadInputError("user_ids, item_ids and ratings must have the same length")
        if y.size == 0:
            raise BadInputError("no rated reviews to learn ratings from (reviews need a rating 1-5)")
        if ((y < 1) | (y > 5)).any():
            raise BadInputError(
                f"ratings must be 1-5 stars, got {sorted(set(y[(y < 1) | (y > 5)].tolist()))}"
            )
        self.user_hist_: dict[str, np.ndarray] = {}
        self.item_hist_: dict[str, np.ndarray] = {}
        for user, item, rating in zip(user_ids, item_ids, y, strict=True):
            self.user_hist_.setdefault(str(user), np.zeros(5))[rating - 1] += 1
            self.item_hist_.setdefault(str(item), np.zeros(5))[rating - 1] += 1
        counts = np.bincount(y - 1, minlength=5).astype(np.float64)
        self.prior_ = counts / counts.sum()
        own = np.eye(5)[y - 1]
        users = np.array([self.user_hist_[str(u)] for u in user_ids]) - own  # leave-one-out
        items = np.array([self.item_hist_[str(i)] for i in item_ids]) - own
        x = self._design(users, items)
        classes = np.unique(y)
        if classes.size == 1:  # every rating the same: the model is that rating, certainly
            self.coef_ = np.zeros((5, x.shape[1]))
            self.intercept_ = np.full(5, -50.0)
            self.intercept_[classes[0] - 1] = 0.0
            return self
        from sklearn.linear_model import LogisticRegression

        fitted = LogisticRegression(C=self.config.c, max_iter=self.config.max_iter).fit(x, y)
        coef = np.asarray(fitted.coef_, dtype=np.float64)
        intercept = np.asarray(fitted.intercept_, dtype=np.float64)
        if classes.size == 2:  # scikit-learn's binary form: one row for the second class
            coef = np.vstack([-coef[0] / 2, coef[0] / 2])
            intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
        # One row per star 1..5; a star never seen in training gets a logit far below the others.
        self.coef_ = np.zeros((5, x.shape[1]))
        self.intercept_ = np.full(5, -50.0)
        for row, star in enumerate(fitted.classes_):
            self.coef_[int(star) - 1] = coef[row]
            self.intercept_[int(star) - 1] = intercept[row]
        return self

    def _design(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        s = self.config.prior_strength
        return np.hstack([_features(users, self.prior_, s), _features(items, self.prior_, s)])

    def _check(self) -> None:
        if not hasattr(self, "coef_"):
            from koubei.errors import NotFittedError

            raise NotFittedError("this RatingModel is not fitted yet; call fit(user_ids, item_ids, ratings)")

    def predict_proba(self, user_ids: Sequence[str], item_ids: Sequence[str]) -> np.ndarray:
        """P(rating = 1..5) per pair (rows x 5). Unknown users or products fall back to the global prior."""
        self._check()
        zero = np.zeros(5)
        users = np.array([self.user_hist_.get(str(u), zero) for u in user_ids]).reshape(-1, 5)
        items = np.array([self.item_hist_.get(str(i), zero) for i in item_ids]).reshape(-1, 5)
        logits = self._design(users, items) @ self.coef_.T + self.intercept_[None, :]
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        return p / p.sum(axis=1, keepdims=True)

    def predict(self, user_ids: Sequence[str], item_ids: Sequence[str]) -> np.ndarray:
        """The median predicted rating (whole stars), which minimizes the expected absolute error."""
        cdf = np.cumsum(self.predict_proba(user_ids, item_ids), axis=1)
        return STARS[np.argmax(cdf >= 0.5, axis=1)]

    def expected(self, user_ids: Sequence[str], item_ids: Sequence[str]) -> np.ndarray:
        return self.predict_proba(user_ids, item_ids) @ STARS

    def p_positive(self, user_ids: Sequence[str], item_ids: Sequence[str]) -> np.ndarray:
        """P(rating >= 4): how likely the user is to speak well of the product."""
        return self.predict_proba(user_ids, item_ids)[:, 3:].sum(axis=1)

    def knows_user(self, user_id: str) -> bool:
        self._check()
        return str(user_id) in self.user_hist_

    # ---- artifact ---------------------------------------------------------------------------------------

    def save(self, folder: str | Path, **record: Any) -> Path:
        self._check()
        path = Path(folder)
        path.mkdir(parents=True, exist_ok=True)
        users, items = list(self.user_hist_), list(self.item_hist_)
        arrays = {
            "coef": self.coef_,
            "intercept": self.intercept_,
            "prior": self.prior_,
            "user_hist": np.array([self.user_hist_[u] for u in users]).reshape(-1, 5),
            "item_hist": np.array([self.item_hist_[i] for i in items]).reshape(-1, 5),
        }
        with atomic_path(path / "arrays.npz") as tmp, tmp.open("wb") as handle:
            np.savez(handle, **arrays)
        write_json(path / "ids.json", {"users": users, "items": items})
        save_config(path / CONFIG_FILE, self.config)
        write_meta(path, KIND, FORMAT_VERSION, **record)
        return path

    @classmethod
    def load(cls, folder: str | Path) -> RatingModel:
        path = Path(folder)
        meta = read_meta(path, "rating model", kinds=(KIND,))
        check_format_version(path, meta, FORMAT_VERSION, what="rating model")
        model = cls(load_config(path / CONFIG_FILE, RatingConfig, what="rating model config"))
        ids = read_json(path / "ids.json", what="rating model ids")
        try:
            with np.load(path / "arrays.npz", allow_pickle=False) as arrays:
                model.coef_ = arrays["coef"]
                model.intercept_ = arrays["intercept"]
                model.prior_ = arrays["prior"]
                user_hist, item_hist = arrays["user_hist"], arrays["item_hist"]
        except (OSError, KeyError, ValueError) as error:
            raise BadInputError(f"rating model {str(path)!r} is damaged ({error}); refit it") from None
        model.user_hist_ = {u: user_hist[k] for k, u in enumerate(ids["users"])}
        model.item_hist_ = {i: item_hist[k] for k, i in enumerate(ids["items"])}
        return model
