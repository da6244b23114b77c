"""BG/NBD and Gamma-Gamma: exact likelihoods on tiny hand-computed cases, recovery of known parameters from
simulated customers, and the conditional expectation against a simulation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from koubei.analysis.profiles.value import (
    BetaGeoModel,
    GammaGammaModel,
    bgnbd_log_likelihood,
    gamma_gamma_log_likelihood,
    summarize_events,
)
from koubei.errors import BadInputError, NotFittedError


def test_bgnbd_likelihood_by_hand() -> None:
    # x = 0: only "no purchase in (0, T]" while alive: (alpha / (alpha + T))^r = (1/2)^1
    ll = bgnbd_log_likelihood((1.0, 1.0, 1.0, 1.0), np.array([0.0]), np.array([0.0]), np.array([1.0]))
    assert ll[0] == pytest.approx(math.log(0.5), abs=1e-12)
    # x = 1, t_x = 1, T = 2, r = alpha = a = b = 1:
    #   B(1,2)/B(1,1) * G(2)/(G(1) 3^2) + B(2,1)/B(1,1) * G(2)/(G(1) 2^2) = 1/18 + 1/8 = 13/72
    ll = bgnbd_log_likelihood((1.0, 1.0, 1.0, 1.0), np.array([1.0]), np.array([1.0]), np.array([2.0]))
    assert ll[0] == pytest.approx(math.log(13 / 72), abs=1e-12)


def test_gamma_gamma_likelihood_by_hand() -> None:
    # p = 1, q = 2, gamma = 1, one purchase of value 1: int nu e^{-nu} * nu e^{-nu} d nu = 2 / 2^3 = 1/4
    ll = gamma_gamma_log_likelihood((1.0, 2.0, 1.0), np.array([1.0]), np.array([1.0]))
    assert ll[0] == pytest.approx(math.log(0.25), abs=1e-12)
    # p = q = gamma = 1, mean 1 of two purchases: the sum is Gamma(2, nu), so f(m | nu) = 4 nu^2 e^{-2 nu};
    # against nu ~ Gamma(1, 1): 4 * int nu^2 e^{-3 nu} d nu = 8/27
    ll = gamma_gamma_log_likelihood((1.0, 1.0, 1.0), np.array([2.0]), np.array([1.0]))
    assert ll[0] == pytest.approx(math.log(8 / 27), abs=1e-12)


def test_p_alive_and_expected_value_by_hand() -> None:
    bg = BetaGeoModel()
    bg.params_ = np.array([1.0, 1.0, 1.0, 1.0])
    # 1 / (1 + a/(b+x-1) * ((alpha+T)/(alpha+t_x))^(r+x)) = 1 / (1 + 9/4) = 4/13
    assert bg.p_alive(np.array([1.0]), np.array([1.0]), np.array([2.0]))[0] == pytest.approx(4 / 13)
    assert bg.p_alive(np.array([0.0]), np.array([0.0]), np.array([5.0]))[0] == 1.0
    gg = GammaGammaModel()
    gg.params_ = np.array([2.0, 3.0, 4.0])
    # p (gamma + x m) / (p x + q - 1) = 2 (4 + 2*10) / (4 + 2) = 8; no repeat: p gamma / (q - 1) = 4
    assert gg.expected_value(np.array([2.0, 0.0]), np.array([10.0, np.nan])).tolist() == pytest.approx(
        [8.0, 4.0]
    )


def simulate_bgnbd(
    n: int, r: float, alpha: float, a: float, b: float, horizon: float, seed: int
) -> tuple[list[list[float]], np.ndarray]:
    """Purchase times after the first (at 0) of n customers up to `horizon`, and who is still alive."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(r, 1 / alpha, n)
    p = rng.beta(a, b, n)
    times: list[list[float]] = []
    for i in range(n):
        t, own = 0.0, []
        while True:
            t += rng.exponential(1 / lam[i])
            if t > horizon:
                break
            own.append(t)
            if rng.random() < p[i]:  # drops out right after a repeat purchase (never after the first)
                break
        times.append(own)
    return times, lam


def test_bgnbd_recovers_known_parameters() -> None:
    truth = (0.24, 4.41, 0.79, 2.43)  # CDNOW estimates of the paper
    times, _ = simulate_bgnbd(6000, *truth, horizon=39.0, seed=1)
    x = np.array([len(t) for t in times], dtype=float)
    t_x = np.array([t[-1] if t else 0.0 for t in times])
    big_t = np.full(len(times), 39.0)
    fitted = BetaGeoModel().fit(x, t_x, big_t)
    assert fitted.converged_
    r, alpha, a, b = fitted.params_
    assert r == pytest.approx(truth[0], rel=0.15)
    assert alpha == pytest.approx(truth[1], rel=0.25)
    assert a == pytest.approx(truth[2], rel=0.35)
    assert b == pytest.approx(truth[3], rel=0.45)
    # the fitted likelihood is at least that of the truth (it is the maximum)
    assert fitted.log_likelihood_ >= np.sum(bgnbd_log_likelihood(truth, x, t_x, big_t)) - 1e-6


def test_conditional_expectation_matches_simulation() -> None:
    truth = (0.5, 2.0, 1.5, 3.0)
    times, _ = simulate_bgnbd(40000, *truth, horizon=20.0, seed=2)
    cut = 10.0
    before = [[s for s in t if s <= cut] for t in times]
    after = np.array([sum(1 for s in t if s > cut) for t in times], dtype=float)
    x = np.array([len(t) for t in before], dtype=float)
    t_x = np.array([t[-1] if t else 0.0 for t in before])
    model = BetaGeoModel()
    model.params_ = np.array(truth)
    predicted = model.expected_purchases(10.0, x, t_x, np.full(len(x), cut))
    for group in (x == 0, (x >= 1) & (x <= 2), x >= 3):
        assert predicted[group].mean() == pytest.approx(after[group].mean(), rel=0.08)


def test_gamma_gamma_recovers_known_parameters() -> None:
    rng = np.random.default_rng(3)
    p, q, g = 6.25, 3.74, 15.44
    nu = rng.gamma(q, 1 / g, 8000)
    x = rng.integers(1, 8, 8000).astype(float)
    m = np.array([rng.gamma(p, 1 / v, int(k)).mean() for v, k in zip(nu, x, strict=True)])
    fitted = GammaGammaModel().fit(x, m)
    assert fitted.params_[0] == pytest.approx(p, rel=0.2)
    assert fitted.params_[1] == pytest.approx(q, rel=0.2)
    assert fitted.params_[2] == pytest.approx(g, rel=0.3)


def test_summarize_events_counts_days_once() -> None:
    # user 0: days 0, 0 (same day), 3, 10 -> x = 2, t_x = 10, T = 20 - 0; values per day 1+2=3, 4, 5 -> m = 4.5
    # user 1: one day -> x = 0; user 2: nothing
    users = np.array([0, 0, 0, 0, 1])
    days = np.array([0.2, 0.7, 3.0, 10.0, 15.0])
    values = np.array([1.0, 2.0, 4.0, 5.0, 7.0])
    x, t_x, big_t, m = summarize_events(users, days, 3, 20.0, values)
    assert x.tolist() == [2, 0, 0]
    assert t_x.tolist() == [10, 0, 0]
    assert big_t.tolist() == [20, 5, 0]
    assert m[0] == pytest.approx(4.5) and np.isnan(m[1]) and np.isnan(m[2])


def test_bad_input_and_not_fitted() -> None:
    with pytest.raises(NotFittedError):
        BetaGeoModel().p_alive(np.array([1.0]), np.array([1.0]), np.array([2.0]))
    with pytest.raises(BadInputError, match="no customer has a repeat purchase"):
        BetaGeoModel().fit(np.zeros(3), np.zeros(3), np.ones(3))
    with pytest.raises(BadInputError, match="t_x <= T"):
        BetaGeoModel().fit(np.array([1.0]), np.array([3.0]), np.array([2.0]))
    with pytest.raises(BadInputError, match="at least 2 customers"):
        GammaGammaModel().fit(np.array([0.0, 1.0]), np.array([np.nan, 5.0]))
