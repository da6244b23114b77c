"""Exact values that break when calibration breaks: the fast model's stacked (Platt) calibration, the neural
models' temperature, and the bin weights of the expected calibration error."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from koubei.analysis.sentiment.fast import FastSentimentConfig, FastSentimentModel
from koubei.analysis.sentiment.neural import fit_temperature
from koubei.pipelines.sentiment import expected_calibration_error

NOUNS = ["质量", "物流", "包装", "服务", "价格", "外观"]
POS = ["很好", "不错", "满意", "很棒", "喜欢"]
NEG = ["很差", "太慢", "失望", "糟糕", "退货"]
# 60 short reviews: enough for the out-of-fold decisions to carry signal, so the stacker (not its fallback) runs.
TEXTS = [n + a for n in NOUNS for a in POS] + [n + a for n in NOUNS for a in NEG]
LABELS = ["positive"] * 30 + ["negative"] * 30
PROBE = ["质量很好", "物流太慢", "服务", "价格很好但是包装糟糕"]


def test_fast_model_probabilities_are_the_calibrated_ones() -> None:
    model = FastSentimentModel(FastSentimentConfig(min_df=1)).fit(TEXTS, LABELS)
    # Golden values of this seed-0 fit. Without the calibrating stacker (members averaged, no bias) they are
    # 0.763, 0.220, 0.502, 0.468: much less sure of the clear cases.
    np.testing.assert_allclose(
        model.predict_proba(PROBE)[:, 1], [0.995099, 0.002358, 0.487092, 0.316473], atol=1e-4
    )


def test_stack_linear_weighs_and_calibrates_the_members() -> None:
    """One linear model from two members: per output, a logistic regression on their out-of-fold decisions."""
    from sklearn.linear_model import LogisticRegression

    from koubei.analysis.sentiment.nblr import stack_linear

    y = np.array(["neg"] * 4 + ["pos"] * 4)
    oof = [
        np.array([[-3.0], [-2.0], [-1.0], [0.5], [-0.5], [1.0], [2.0], [3.0]]),
        np.array([[-1.0], [-1.0], [0.2], [-0.4], [0.4], [0.1], [1.0], [1.0]]),
    ]
    coefs = [np.array([[1.0, 0.0]]), np.array([[0.0, 2.0]])]
    intercepts = [np.array([0.5]), np.array([-1.0])]
    coef, intercept = stack_linear(coefs, intercepts, oof, y, np.array(["neg", "pos"]))
    stacker = LogisticRegression().fit(np.column_stack([d[:, 0] for d in oof]), y == "pos")
    w, b = stacker.coef_[0], stacker.intercept_[0]
    assert np.all(w > 0)
    np.testing.assert_allclose(coef, [[w[0], 2 * w[1]]])
    np.testing.assert_allclose(intercept, [0.5 * w[0] - 1.0 * w[1] + b])


def test_fit_temperature_finds_the_nll_optimum() -> None:
    # Four reviews scored (2, 0); three are class 0. The NLL is lowest where softmax(2 / T) gives 3/4:
    # 2 / T = ln 3, T = 1.820. The grid over log T has 64 points from 0.25 to 8.
    logits = np.array([[2.0, 0.0]] * 4)
    t = fit_temperature(logits, np.array([0, 0, 0, 1]))
    step = math.log(8.0 / 0.25) / 63
    assert abs(math.log(t) - math.log(2 / math.log(3))) <= step / 2 + 1e-12
    # Over-confident logits are softened (T > 1), under-confident ones sharpened (T < 1).
    assert fit_temperature(np.array([[0.5, 0.0]] * 10), np.zeros(10, dtype=int)) < 1


def test_neural_model_applies_the_temperature_it_fitted(
    tiny_reviews: tuple[list[str], list[str]], tmp_path: Path
) -> None:
    from scipy.special import softmax

    from koubei.analysis.sentiment.neural import calibration_split
    from koubei.analysis.sentiment.transfer import TransferConfig, TransferSentimentModel
    from tests.analysis.tiny_lm import make_tiny_lm

    texts, labels = tiny_reviews
    lm = make_tiny_lm(tmp_path / "lm", texts * 3)
    config = TransferConfig(
        base_model=str(lm),
        epochs=3,
        batch_size=6,
        learning_rate=5e-3,
        max_length=32,
        calibration_fraction=0.4,
    )
    model = TransferSentimentModel(config).fit(texts, labels)
    _, cal = calibration_split(texts, labels, 0.4, 0)
    index = {c: i for i, c in enumerate(model.classes_)}
    expected = fit_temperature(
        model.logits([texts[i] for i in cal]), np.array([index[labels[i]] for i in cal])
    )
    assert model.temperature_ == pytest.approx(expected) and model.temperature_ != 1.0
    np.testing.assert_allclose(
        model.predict_proba(texts), softmax(model.logits(texts) / expected, axis=1), rtol=1e-6
    )


def test_calibration_error_weighs_each_bin_by_its_share() -> None:
    # Bin (0.8, 0.9]: three right at 0.9 (gap 0.1); bin (0.5, 0.6]: one wrong at 0.6 (gap 0.6).
    # Weighted by share: 3/4 * 0.1 + 1/4 * 0.6 = 0.225 (unweighted the gaps would give 0.35 or 0.7).
    assert expected_calibration_error([(0.9, True)] * 3 + [(0.6, False)]) == 0.225
    assert expected_calibration_error([(0.95, True)] * 9 + [(0.15, True)]) == pytest.approx(
        0.9 * 0.05 + 0.1 * 0.85
    )
