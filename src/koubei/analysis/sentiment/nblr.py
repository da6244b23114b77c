"""Naive-Bayes-weighted logistic regression, and the stacking that folds several linear models into one.

NB weighting (Wang & Manning 2012, "NBSVM"): scale every feature by its log-count ratio
r = log((p / |p|) / (q / |q|)), where p and q count the documents of each side that contain it (+ alpha). Features
that separate the classes get larger values, so the L2 penalty shrinks them less. On its own it is no better than
the SVM on our char n-grams, but its errors differ, so stacking the two is more accurate than either alone where
the data are large enough (measured in benchmarks/results/sentiment_notes.md).

Because X * r followed by a linear model is a linear model in X (weights coef * r), the fitted member stores the
folded weights; `stack_linear` then combines members into one weight matrix, so scoring and explanations cost the
same as for a single model.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin

from koubei.errors import NotFittedError


def nb_log_ratio(X: sparse.csr_matrix, positive: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """Log-count ratio of every column: how much more often documents of the positive side contain it."""
    X = sparse.csr_matrix(X)
    present = X.copy()
    present.data = np.ones_like(present.data)
    p = alpha + np.asarray(present[positive].sum(axis=0)).ravel()
    q = alpha + np.asarray(present[~positive].sum(axis=0)).ravel()
    return np.asarray(np.log(p / p.sum()) - np.log(q / q.sum()), dtype=np.float64)


class NBLogisticRegression(ClassifierMixin, BaseEstimator):
    """Logistic regression on NB-scaled features (one-vs-rest for more than two classes).

    `coef_` is already multiplied by the ratios, so `decision_function(X)` takes the unscaled features.
    """

    def __init__(
        self, C: float = 3.0, alpha: float = 1.0, max_iter: int = 3000, random_state: int | None = None
    ) -> None:
        self.C = C
        self.alpha = alpha
        self.max_iter = max_iter
        self.random_state = random_state

    def fit(self, X: Any, y: Any) -> NBLogisticRegression:
        from sklearn.linear_model import LogisticRegression

        X = sparse.csr_matrix(X)
        y = np.asarray(y)
        self.classes_ = np.unique(y)
        # Binary: one model for classes_[1] (sklearn's convention); otherwise one per class against the rest.
        targets = self.classes_[1:] if self.classes_.shape[0] == 2 else self.classes_
        coefs, intercepts = [], []
        for target in targets:
            positive = y == target
            ratio = nb_log_ratio(X, positive, self.alpha)
            lr = LogisticRegression(C=self.C, max_iter=self.max_iter, random_state=self.random_state)
            lr.fit(X @ sparse.diags(ratio), positive)
            coefs.append(lr.coef_[0] * ratio)
            intercepts.append(float(lr.intercept_[0]))
        self.coef_ = np.vstack(coefs)
        self.intercept_ = np.array(intercepts)
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        if not hasattr(self, "coef_"):
            raise NotFittedError("NBLogisticRegression is not fitted yet; call fit() first")
        d = np.asarray(sparse.csr_matrix(X) @ self.coef_.T) + self.intercept_
        return d[:, 0] if d.shape[1] == 1 else d

    def predict(self, X: Any) -> np.ndarray:
        d = self.decision_function(X)
        if d.ndim == 1:
            return self.classes_[(d > 0).astype(int)]
        return self.classes_[np.argmax(d, axis=1)]


def stack_linear(
    coefs: list[np.ndarray],
    intercepts: list[np.ndarray],
    oof: list[np.ndarray],
    y: np.ndarray,
    classes: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """One linear model from several: per output, a logistic regression on the members' out-of-fold decisions.

    coefs[k] is (n_outputs, n_features), intercepts[k] (n_outputs,), oof[k] (n_samples, n_outputs): member k's
    decision values for samples it was not trained on. The stacker's weights both balance the members (an SVM
    margin and a logistic log-odds differ in scale) and calibrate the sum, so the result is a log-odds:
    p = 1 / (1 + exp(-(X @ coef.T + intercept))). With one member this is Platt scaling on out-of-fold decisions.
    """
    from sklearn.linear_model import LogisticRegression

    n_outputs = coefs[0].shape[0]
    coef = np.zeros_like(coefs[0])
    intercept = np.zeros(n_outputs)
    for j in range(n_outputs):
        target = y == (classes[1] if n_outputs == 1 else classes[j])
        F = np.column_stack([d[:, j] for d in oof])
        weights, bias = np.full(len(coefs), 1.0 / len(coefs)), 0.0
        if 0 < target.sum() < target.shape[0]:
            stacker = LogisticRegression().fit(F, target)
            # On tiny data out-of-fold decisions can be anti-correlated with the labels; a non-positive weight
            # would turn a member upside down, so fall back to the plain logistic of the mean margin then.
            if np.all(stacker.coef_[0] > 0):
                weights, bias = stacker.coef_[0], float(stacker.intercept_[0])
        for k, w in enumerate(weights):
            coef[j] += w * coefs[k][j]
            intercept[j] += w * intercepts[k][j]
        intercept[j] += bias
    return coef, intercept
