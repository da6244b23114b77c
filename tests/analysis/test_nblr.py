from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse
from sklearn.linear_model import LogisticRegression

from koubei.analysis.sentiment.fast import FastSentimentConfig, FastSentimentModel
from koubei.analysis.sentiment.nblr import NBLogisticRegression, nb_log_ratio, stack_linear
from koubei.errors import BadInputError, NotFittedError


def test_nb_log_ratio_exact() -> None:
    # Column 0 is in both positive docs, column 1 in the negative doc only, column 2 everywhere (tf is ignored).
    X = sparse.csr_matrix(np.array([[1.0, 0.0, 3.0], [2.0, 0.0, 1.0], [0.0, 5.0, 1.0]]))
    r = nb_log_ratio(X, np.array([True, True, False]), alpha=1.0)
    p, q = np.array([3.0, 1.0, 3.0]), np.array([1.0, 2.0, 2.0])
    np.testing.assert_allclose(r, np.log(p / p.sum()) - np.log(q / q.sum()))
    assert r[0] > 0 > r[1]


def test_nb_logreg_folds_the_ratios_into_its_weights() -> None:
    rng = np.random.default_rng(0)
    X = sparse.random(60, 12, density=0.4, random_state=1, format="csr")
    y = np.where(rng.random(60) > 0.5, "positive", "negative")
    model = NBLogisticRegression(C=2.0).fit(X, y)
    r = nb_log_ratio(X, y == "positive")
    ref = LogisticRegression(C=2.0, max_iter=3000).fit(X @ sparse.diags(r), y == "positive")
    np.testing.assert_allclose(
        model.decision_function(X), ref.decision_function(X @ sparse.diags(r)), rtol=1e-6, atol=1e-8
    )
    assert list(model.classes_) == ["negative", "positive"]
    assert (model.predict(X) == np.where(ref.predict(X @ sparse.diags(r)), "positive", "negative")).all()
    three = NBLogisticRegression().fit(X, np.array(["a", "b", "c"] * 20))
    assert three.decision_function(X).shape == (60, 3) and set(three.predict(X)) <= {"a", "b", "c"}
    with pytest.raises(NotFittedError):
        NBLogisticRegression().decision_function(X)


def test_stack_linear_recovers_the_mixture() -> None:
    rng = np.random.default_rng(0)
    d1, d2 = rng.normal(size=20000), rng.normal(size=20000)
    y = np.where(rng.random(20000) < 1 / (1 + np.exp(-(2.0 * d1 + 0.5 * d2 - 1.0))), "positive", "negative")
    c1, c2 = np.array([[1.0, 0.0, 2.0]]), np.array([[0.0, 4.0, 1.0]])
    coef, intercept = stack_linear(
        [c1, c2],
        [np.array([0.5]), np.array([-1.0])],
        [d1[:, None], d2[:, None]],
        y,
        np.array(["negative", "positive"]),
    )
    w1, w2 = 2.0, 0.5
    np.testing.assert_allclose(coef, w1 * c1 + w2 * c2, atol=0.15)
    assert intercept[0] == pytest.approx(w1 * 0.5 + w2 * -1.0 - 1.0, abs=0.1)


def test_stack_linear_falls_back_to_the_mean_margin_when_a_member_is_upside_down() -> None:
    d = np.array([[1.0], [2.0], [-1.0], [-2.0]])
    y = np.array(
        ["negative", "negative", "positive", "positive"]
    )  # out-of-fold decisions contradict the labels
    coef, intercept = stack_linear(
        [np.array([[2.0, 0.0]]), np.array([[0.0, 4.0]])],
        [np.zeros(1), np.ones(1)],
        [d, d],
        y,
        np.array(["negative", "positive"]),
    )
    np.testing.assert_allclose(coef, [[1.0, 2.0]])
    np.testing.assert_allclose(intercept, [0.5])


def test_fast_model_with_and_without_the_nb_member(tiny_reviews: tuple[list[str], list[str]]) -> None:
    texts, labels = tiny_reviews
    both = FastSentimentModel(FastSentimentConfig(min_df=1)).fit(texts, labels)
    alone = FastSentimentModel(FastSentimentConfig(min_df=1, nb_C=None)).fit(texts, labels)
    assert list(both.predict(texts)) == labels and list(alone.predict(texts)) == labels
    assert not np.allclose(both.linear_.coef, alone.linear_.coef)  # the NB member changed the weights
    # Still one linear model with a logistic link: what explanations and the saved format rely on.
    X = both.transform(texts)
    p = 1 / (1 + np.exp(-(np.asarray(X @ both.linear_.coef.T)[:, 0] + both.linear_.intercept[0])))
    np.testing.assert_allclose(both.predict_proba(texts)[:, 1], p)
    for bad in ({"nb_C": 0.0}, {"nb_alpha": -1.0}):
        with pytest.raises(BadInputError, match=next(iter(bad))):
            FastSentimentModel(FastSentimentConfig(**bad)).fit(texts, labels)  # type: ignore[arg-type]
