"""Customer value: BG/NBD (how many more purchases, and is the customer still active) and Gamma-Gamma (how much
each purchase is worth), fitted by maximum likelihood with numpy/scipy.

Written here rather than taken from `lifetimes` (unmaintained since 2020, breaks on current numpy/scipy) or
pymc-marketing (current, but pulls in PyMC and a compiler for two closed-form likelihoods). The formulas are
those of Fader, Hardie & Lee, "Counting Your Customers the Easy Way" (Marketing Science 2005) and "RFM and CLV"
(JMR 2005):

- a customer is summarised by (x, t_x, T): x repeat purchases (periods with a purchase after the first), t_x the
  time of the last purchase and T the age, both measured from the first purchase, in `time_unit_days` units;
- BG/NBD: while active, purchases follow a Poisson process with rate lambda ~ Gamma(r, alpha); after each
  purchase the customer drops out with probability p ~ Beta(a, b);
- Gamma-Gamma: the values of one customer's purchases are Gamma(p, nu) with nu ~ Gamma(q, gamma); fitted on
  customers with x > 0 and their mean value m_x (value and frequency assumed independent).

Both follow the scikit-learn contract (`fit` returns self, learned parameters end in `_`).
"""

from __future__ import annotations

import numpy as np
from scipy import optimize, special

from koubei.errors import BadInputError, NotFittedError


def summarize_events(
    user_index: np.ndarray, days: np.ndarray, n_users: int, as_of_day: float, values: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x, t_x, T, m_x) per user from events (user index, day number, value): purchases on the same day count
    once (their values summed), the first day is the start, m_x is the mean value of the repeat days (NaN when
    x = 0 or no values). Times are in days; users with no events get x = t_x = T = 0."""
    x = np.zeros(n_users)
    t_x = np.zeros(n_users)
    big_t = np.zeros(n_users)
    m_x = np.full(n_users, np.nan)
    if len(user_index) == 0:
        return x, t_x, big_t, m_x
    day = np.floor(days).astype(np.int64)
    vals = np.zeros(len(day)) if values is None else np.nan_to_num(np.asarray(values, dtype=float))
    # one row per (user, day): the distinct purchase periods
    keys = user_index.astype(np.int64) * (1 << 32) + (day - day.min())
    uniq, inverse = np.unique(keys, return_inverse=True)
    day_value = np.bincount(inverse, weights=vals, minlength=len(uniq))
    u = (uniq >> 32).astype(np.int64)
    d = (uniq & ((1 << 32) - 1)) + day.min()
    first = np.full(n_users, np.inf)
    np.minimum.at(first, u, d)
    last = np.full(n_users, -np.inf)
    np.maximum.at(last, u, d)
    count = np.bincount(u, minlength=n_users).astype(float)
    has = count > 0
    x[has] = count[has] - 1
    t_x[has] = last[has] - first[has]
    big_t[has] = np.maximum(as_of_day - first[has], t_x[has])
    if values is not None:
        # the repeat days' values: all of a user's days except the first
        is_first = d == first[u]
        repeat_sum = np.bincount(u[~is_first], weights=day_value[~is_first], minlength=n_users)
        ok = x > 0
        m_x[ok] = repeat_sum[ok] / x[ok]
    return x, t_x, big_t, m_x


def bgnbd_log_likelihood(
    params: tuple[float, float, float, float], x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray
) -> np.ndarray:
    """Per-customer log-likelihood of BG/NBD with params (r, alpha, a, b) (FHL 2005, equation 6)."""
    r, alpha, a, b = params
    x = np.asarray(x, dtype=float)
    common = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    a1 = special.betaln(a, b + x) - special.betaln(a, b) + common - (r + x) * np.log(alpha + big_t)
    with np.errstate(divide="ignore", invalid="ignore"):
        a2 = np.where(
            x > 0,
            special.betaln(a + 1, np.maximum(b + x - 1, 1e-12))
            - special.betaln(a, b)
            + common
            - (r + x) * np.log(alpha + t_x),
            -np.inf,
        )
    return np.logaddexp(a1, a2)


def gamma_gamma_log_likelihood(
    params: tuple[float, float, float], x: np.ndarray, m_x: np.ndarray
) -> np.ndarray:
    """Per-customer log-likelihood of the mean value m_x of x > 0 purchases, params (p, q, gamma) (FHL 2005 RFM/CLV,
    the density of the sample mean under the Gamma-Gamma model)."""
    p, q, g = params
    x = np.asarray(x, dtype=float)
    m = np.asarray(m_x, dtype=float)
    return (
        special.gammaln(p * x + q)
        - special.gammaln(p * x)
        - special.gammaln(q)
        + q * np.log(g)
        + (p * x - 1) * np.log(m)
        + p * x * np.log(x)
        - (p * x + q) * np.log(g + m * x)
    )


def _fit(neg_ll: object, n_params: int, penalizer: float, max_iter: int) -> tuple[np.ndarray, float, bool]:
    """Minimise a negative log-likelihood over log-parameters (positivity for free), from a few starts."""
    best: optimize.OptimizeResult | None = None
    for start in (np.zeros(n_params), np.full(n_params, -1.0)):

        def objective(theta: np.ndarray) -> float:
            value = float(neg_ll(np.exp(theta))) + penalizer * float(np.sum(theta**2))  # type: ignore[operator]
            return value if np.isfinite(value) else 1e300

        found = optimize.minimize(
            objective,
            start,
            method="L-BFGS-B",
            bounds=[(-12.0, 12.0)] * n_params,
            options={"maxiter": max_iter},
        )
        if best is None or found.fun < best.fun:
            best = found
    assert best is not None
    return np.exp(best.x), float(best.fun), bool(best.success)


class BetaGeoModel:
    """BG/NBD: expected repeat purchases over a horizon and P(alive), from (x, t_x, T) in model periods."""

    def __init__(self, penalizer: float = 0.0, max_iter: int = 500) -> None:
        self.penalizer = penalizer
        self.max_iter = max_iter

    def fit(self, x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray) -> BetaGeoModel:
        x, t_x, big_t = (np.asarray(v, dtype=float) for v in (x, t_x, big_t))
        if len(x) == 0:
            raise BadInputError("BG/NBD needs at least one customer with a purchase; got none")
        if np.any(x < 0) or np.any(t_x < 0) or np.any(big_t < t_x):
            raise BadInputError("BG/NBD input: expected x >= 0 and 0 <= t_x <= T for every customer")
        if not np.any(x > 0):
            raise BadInputError(
                "BG/NBD cannot be fitted: no customer has a repeat purchase (every user was seen on one day only)"
            )
        n = len(x)
        # customers with the same (x, t_x, T) have the same likelihood: fit on the distinct triples, weighted
        # (100k users have a few thousand distinct ones, so each likelihood evaluation is that much cheaper)
        triples, weight = np.unique(np.stack([x, t_x, big_t], axis=1), axis=0, return_counts=True)
        ux, ut, uT = triples[:, 0], triples[:, 1], triples[:, 2]
        params, nll, ok = _fit(
            lambda p: -np.sum(weight * bgnbd_log_likelihood(tuple(p), ux, ut, uT)) / n,
            4,
            self.penalizer,
            self.max_iter,
        )
        self.params_ = params  # r, alpha, a, b
        self.log_likelihood_ = -nll * n
        self.converged_ = ok
        self.n_customers_ = n
        return self

    def _check(self) -> tuple[float, float, float, float]:
        if not hasattr(self, "params_"):
            raise NotFittedError("BetaGeoModel is not fitted: call fit(x, t_x, T) first")
        r, alpha, a, b = (float(v) for v in self.params_)
        return r, alpha, a, b

    def p_alive(self, x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray) -> np.ndarray:
        """P(the customer is still active at T | x, t_x, T) (FHL 2005, equation 11)."""
        r, alpha, a, b = self._check()
        x, t_x, big_t = (np.asarray(v, dtype=float) for v in (x, t_x, big_t))
        with np.errstate(divide="ignore", invalid="ignore"):
            log_ratio = (
                np.log(a)
                - np.log(np.maximum(b + x - 1, 1e-12))
                + (r + x) * np.log((alpha + big_t) / (alpha + t_x))
            )
        return np.where(x > 0, 1.0 / (1.0 + np.exp(np.minimum(log_ratio, 700))), 1.0)

    def expected_purchases(self, t: float, x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray) -> np.ndarray:
        """E[purchases in (T, T + t] | x, t_x, T] (FHL 2005, equation 10)."""
        r, alpha, a, b = self._check()
        x, t_x, big_t = (np.asarray(v, dtype=float) for v in (x, t_x, big_t))
        if a <= 1:  # the closed form's (a - 1) denominator: the estimate is unbounded; say so with a cap
            a = 1.0 + 1e-6
        z = t / (alpha + big_t + t)
        hyp = special.hyp2f1(r + x, b + x, a + b + x - 1, z)
        numerator = (a + b + x - 1) / (a - 1) * (1 - ((alpha + big_t) / (alpha + big_t + t)) ** (r + x) * hyp)
        return np.maximum(numerator * self.p_alive(x, t_x, big_t), 0.0)


class GammaGammaModel:
    """Gamma-Gamma: the expected value of a customer's future purchases from the mean of their past ones."""

    def __init__(self, penalizer: float = 0.0, max_iter: int = 500) -> None:
        self.penalizer = penalizer
        self.max_iter = max_iter

    def fit(self, x: np.ndarray, m_x: np.ndarray) -> GammaGammaModel:
        x = np.asarray(x, dtype=float)
        m = np.asarray(m_x, dtype=float)
        keep = (x > 0) & np.isfinite(m) & (m > 0)
        if keep.sum() < 2:
            raise BadInputError(
                "Gamma-Gamma needs at least 2 customers with a repeat purchase and a positive value; "
                f"got {int(keep.sum())}"
            )
        xs, ms = x[keep], m[keep]
        n = len(xs)
        params, nll, ok = _fit(
            lambda p: -np.sum(gamma_gamma_log_likelihood(tuple(p), xs, ms)) / n,
            3,
            self.penalizer,
            self.max_iter,
        )
        self.params_ = params  # p, q, gamma
        self.log_likelihood_ = -nll * n
        self.converged_ = ok
        self.n_customers_ = n
        return self

    def expected_value(
        self, x: np.ndarray, m_x: np.ndarray, population_mean: float | None = None
    ) -> np.ndarray:
        """E[value of one purchase | x, m_x]: the posterior mean, shrinking m_x toward the population mean p*gamma/(q-1);
        customers with no repeat purchase get the population mean."""
        if not hasattr(self, "params_"):
            raise NotFittedError("GammaGammaModel is not fitted: call fit(x, m_x) first")
        p, q, g = (float(v) for v in self.params_)
        x = np.asarray(x, dtype=float)
        m = np.nan_to_num(np.asarray(m_x, dtype=float))
        prior = p * g / (q - 1) if q > 1 else (population_mean if population_mean is not None else np.nan)
        posterior = p * (g + x * m) / (p * x + q - 1)
        return np.where(x > 0, posterior, prior)
