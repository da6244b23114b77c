"""The profile model: per-user interests, aspect priorities, sentiment, activity (RFM), influence, advocate /
detractor status, customer value and a text embedding, from a `UserActivity`.

`ProfileModel` follows the scikit-learn contract: `fit(activity)` learns what is shared by all users (the time the
profiles are "as of", the category and aspect vocabularies, product mean ratings for rating bias, RFM quintile
edges, the text embedder, the BG/NBD + Gamma-Gamma value model) and `transform(activity, users)` computes the
profiles of the users asked for, so a rebuild recomputes only users with new data under the same fitted model.
The model holds no user ids: forgetting a user never needs a refit.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from koubei.analysis.profiles.activity import UserActivity, opted_out
from koubei.analysis.profiles.embedding import TextEmbedder
from koubei.analysis.profiles.influence import influence
from koubei.analysis.profiles.rfm import rfm_class, rfm_score
from koubei.analysis.profiles.value import BetaGeoModel, GammaGammaModel, summarize_events
from koubei.artifacts import check_format_version, read_json, read_meta, save_config, write_json, write_meta
from koubei.errors import BadInputError, KoubeiError, NotFittedError

FORMAT_VERSION = 1
KIND = "user_profiles"


@dataclass(frozen=True)
class ProfileConfig:
    """How profiles are computed."""

    half_life_days: float = 365.0  # interests decay: an event this old counts half
    embedding_dims: int = 32  # LSA dimensions of the text embedding
    top_categories: int = 20  # categories kept as features (the rest count as "other")
    top_products: int = 5  # product interests listed per user
    rating_prior: float = (
        2.0  # product mean ratings shrink toward the global mean by this many pseudo-ratings
    )
    advocate_threshold: float = 0.5  # mean voice >= this (and the latest review not negative): advocate
    detractor_threshold: float = -0.34  # mean voice <= this, or the latest review negative: detractor
    time_unit_days: float = 7.0  # value model period
    horizon_days: float = 365.0  # expected purchases / value over the next ...
    protected_features: tuple[
        str, ...
    ] = ()  # user attributes (e.g. gender) used as features: none by default
    seed: int = 0


@dataclass
class ProfileSet:
    """Profiles of some users: one dict each (the stored `features`), their status and their embeddings."""

    user_ids: list[str]
    profiles: list[dict[str, Any]]
    status: list[str]
    embeddings: np.ndarray  # [n, dims], zeros for users without text
    value_source: str
    notes: list[str] = field(default_factory=list)


class ProfileModel:
    """Estimator: fit(activity) learns the shared state; transform(activity, users) -> ProfileSet."""

    def __init__(self, config: ProfileConfig | None = None) -> None:
        self.config = config or ProfileConfig()

    # ---- fitting ------------------------------------------------------------------------------------------

    def fit(self, activity: UserActivity) -> ProfileModel:
        cfg = self.config
        if not activity.users:
            raise BadInputError(
                "no users to profile: the store has no reviews, orders or users (run `koubei ingest`)"
            )
        days = np.concatenate([activity.review_day, activity.order_day])
        known = days[np.isfinite(days)]
        self.as_of_day_ = float(known.max()) if len(known) else None
        counts: dict[str, int] = defaultdict(int)
        for category in [*activity.review_category, *activity.order_category]:
            if category:
                counts[str(category)] += 1
        self.categories_ = [
            c for c, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[: cfg.top_categories]
        ]
        self.aspects_ = sorted(set(activity.aspect_name))
        ratings = activity.review_rating
        rated = np.isfinite(ratings)
        self.global_rating_ = float(ratings[rated].mean()) if rated.any() else None
        sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
        for product, rating in zip(activity.review_product, ratings, strict=True):
            if product is not None and np.isfinite(rating):
                sums[str(product)][0] += float(rating)
                sums[str(product)][1] += 1
        prior = cfg.rating_prior
        g = self.global_rating_ or 0.0
        self.product_rating_ = {p: (s + prior * g) / (n + prior) for p, (s, n) in sums.items()}
        # RFM quintile edges over every user
        recency, frequency = self._recency_frequency(activity, activity.users)
        finite = recency[np.isfinite(recency)]
        self.recency_edges_ = np.quantile(finite, [0.2, 0.4, 0.6, 0.8]).tolist() if len(finite) else []
        self.frequency_edges_ = (
            np.quantile(frequency, [0.2, 0.4, 0.6, 0.8]).tolist() if len(frequency) else []
        )
        self.embedder_ = TextEmbedder(dims=cfg.embedding_dims, seed=cfg.seed).fit(activity.review_text)
        self._fit_value(activity)
        self.model_version_ = self.fitted_version()
        return self

    def _events(self, activity: UserActivity) -> tuple[list[str], np.ndarray, np.ndarray | None, str]:
        """The purchase events of the value model: orders when the store has them, else reviews as a proxy."""
        if activity.has_orders:
            amounts = activity.order_amount
            return (
                activity.order_user,
                activity.order_day,
                amounts if np.isfinite(amounts).any() else None,
                "orders",
            )
        return (
            activity.review_user,
            activity.review_day,
            None,
            "review times (proxy: the store has no orders)",
        )

    def _fit_value(self, activity: UserActivity) -> None:
        users, days, amounts, source = self._events(activity)
        self.value_source_ = source
        self.value_params_: dict[str, list[float]] = {}
        self.value_note_ = ""
        if self.as_of_day_ is None:
            self.value_note_ = "no event has a time: customer value cannot be estimated"
            return
        x, t_x, big_t, m_x = self._summary(users, days, amounts, activity.users)
        unit = self.config.time_unit_days
        try:
            bg = BetaGeoModel(penalizer=1e-4).fit(x, t_x / unit, big_t / unit)
            self.value_params_["bgnbd"] = bg.params_.tolist()
        except BadInputError as error:
            self.value_note_ = str(error)
            return
        if amounts is not None:
            try:
                gg = GammaGammaModel(penalizer=1e-4).fit(x, m_x)
                self.value_params_["gamma_gamma"] = gg.params_.tolist()
            except BadInputError as error:
                self.value_note_ = f"purchase value not modelled: {error}"
        else:
            self.value_note_ = "no purchase amounts: expected purchases only, no monetary value"

    def _summary(
        self, users: list[str], days: np.ndarray, amounts: np.ndarray | None, selected: list[str]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        index = {u: i for i, u in enumerate(selected)}
        rows = np.array([index.get(u, -1) for u in users], dtype=np.int64)
        keep = (rows >= 0) & np.isfinite(days)
        vals = None if amounts is None else amounts[keep]
        return summarize_events(rows[keep], days[keep], len(selected), float(self.as_of_day_ or 0.0), vals)

    def _recency_frequency(
        self, activity: UserActivity, selected: list[str]
    ) -> tuple[np.ndarray, np.ndarray]:
        users, days, _, _ = self._events(activity)
        index = {u: i for i, u in enumerate(selected)}
        rows = np.array([index.get(u, -1) for u in users], dtype=np.int64)
        keep = (rows >= 0) & np.isfinite(days)
        last = np.full(len(selected), -np.inf)
        np.maximum.at(last, rows[keep], days[keep])
        as_of = self.as_of_day_ if self.as_of_day_ is not None else np.nan
        recency = np.where(np.isfinite(last), np.maximum(as_of - last, 0.0), np.nan)
        event_days = {(int(r), int(np.floor(d))) for r, d in zip(rows[keep], days[keep], strict=True)}
        frequency = np.zeros(len(selected))
        for r, _ in event_days:
            frequency[r] += 1
        # events without a time still count once each
        undated = (rows >= 0) & ~np.isfinite(days)
        frequency += np.bincount(rows[undated], minlength=len(selected))
        return recency, frequency

    def fitted_version(self) -> str:
        """A digest of what fit learned (state and embedding space): the model version stored with each profile."""
        state = json.dumps(self._state(), sort_keys=True, default=str).encode("utf-8")
        digest = hashlib.sha1(state + self.embedder_.components_.tobytes()).hexdigest()[:12]
        return f"profiles-{digest}"

    def _state(self) -> dict[str, Any]:
        return {
            "as_of_day": self.as_of_day_,
            "categories": self.categories_,
            "aspects": self.aspects_,
            "global_rating": self.global_rating_,
            "product_rating": self.product_rating_,
            "recency_edges": self.recency_edges_,
            "frequency_edges": self.frequency_edges_,
            "value_source": self.value_source_,
            "value_params": self.value_params_,
            "value_note": self.value_note_,
        }

    def _check(self) -> None:
        if not hasattr(self, "model_version_"):
            raise NotFittedError("ProfileModel is not fitted: call fit(activity) or load() first")

    # ---- profiles -----------------------------------------------------------------------------------------

    def transform(self, activity: UserActivity, users: list[str] | None = None) -> ProfileSet:
        """Profiles of `users` (default: every user of `activity`), computed with the fitted state."""
        self._check()
        cfg = self.config
        selected = list(activity.users if users is None else users)
        n = len(selected)
        index = {u: i for i, u in enumerate(selected)}
        as_of = self.as_of_day_

        def rows_of(owner: list[str]) -> np.ndarray:
            return np.array([index.get(u, -1) for u in owner], dtype=np.int64)

        def decay(days: np.ndarray) -> np.ndarray:
            if as_of is None:
                return np.ones(len(days))
            age = np.where(np.isfinite(days), np.maximum(as_of - days, 0.0), cfg.half_life_days)
            return np.power(0.5, age / cfg.half_life_days)

        r_rows = rows_of(activity.review_user)
        o_rows = rows_of(activity.order_user)
        a_rows = rows_of(activity.aspect_user)
        r_sel = np.flatnonzero(r_rows >= 0)
        o_sel = np.flatnonzero(o_rows >= 0)
        a_sel = np.flatnonzero(a_rows >= 0)

        # interests: time-decayed weight of categories and products, reviews and orders alike
        cat_w: list[dict[str, float]] = [defaultdict(float) for _ in range(n)]
        prod_w: list[dict[str, float]] = [defaultdict(float) for _ in range(n)]
        r_decay = decay(activity.review_day[r_sel])
        for j, w in zip(r_sel, r_decay, strict=True):
            u = r_rows[j]
            if activity.review_category[j]:
                cat_w[u][str(activity.review_category[j])] += w
            if activity.review_product[j]:
                prod_w[u][str(activity.review_product[j])] += w
        o_decay = decay(activity.order_day[o_sel])
        for j, w in zip(o_sel, o_decay, strict=True):
            u = o_rows[j]
            if activity.order_category[j]:
                cat_w[u][str(activity.order_category[j])] += w
            if activity.order_product[j]:
                prod_w[u][str(activity.order_product[j])] += w

        # reviews: counts, ratings, voice, rating bias, length
        n_reviews = np.bincount(r_rows[r_sel], minlength=n).astype(float)
        n_orders = np.bincount(o_rows[o_sel], minlength=n)
        rating = activity.review_rating[r_sel]
        polarity = activity.review_polarity[r_sel]
        # the voice of a review: its rating when it has one (5 = +1, 4 = 0, 1-3 = -1, as promoters / detractors
        # are counted), else its sentiment label
        voice = np.where(
            np.isfinite(rating), np.where(rating >= 5, 1.0, np.where(rating >= 4, 0.0, -1.0)), polarity
        )
        expected = np.array(
            [
                self.product_rating_.get(str(p), self.global_rating_ or np.nan) if p is not None else np.nan
                for p in (activity.review_product[j] for j in r_sel)
            ]
        )
        sums = _grouped_means(
            r_rows[r_sel], n, rating=rating, polarity=polarity, voice=voice, bias=rating - expected
        )
        lengths = np.bincount(
            r_rows[r_sel], weights=[len(activity.review_text[j]) for j in r_sel], minlength=n
        )
        last_voice = np.full(n, np.nan)
        last_day = np.full(n, -np.inf)
        last_negative = np.full(n, np.nan)
        r_days = activity.review_day[r_sel]
        order = np.argsort(np.nan_to_num(r_days, nan=-np.inf), kind="stable")
        for k in order:  # in time order, so the last write wins
            u = r_rows[r_sel[k]]
            if np.isfinite(voice[k]):
                last_voice[u] = voice[k]
                if voice[k] < 0 and np.isfinite(r_days[k]):
                    last_negative[u] = r_days[k]
            if np.isfinite(r_days[k]):
                last_day[u] = max(last_day[u], r_days[k])

        # aspects: share of the user's reviews mentioning each, mean signed sentiment toward it
        aspect_reviews: list[dict[str, set[str]]] = [defaultdict(set) for _ in range(n)]
        aspect_score: list[dict[str, list[float]]] = [defaultdict(list) for _ in range(n)]
        for j in a_sel:
            u = a_rows[j]
            aspect_reviews[u][activity.aspect_name[j]].add(activity.aspect_review[j])
            aspect_score[u][activity.aspect_name[j]].append(float(activity.aspect_score[j]))

        # activity and value
        recency, frequency = self._recency_frequency(activity, selected)
        value = self._value(activity, selected)
        infl = influence(activity.graph, activity.cascades)

        # text embedding: mean of the user's review vectors
        embeddings = np.zeros((n, self.embedder_.dims_), np.float32)
        texts = [activity.review_text[j] for j in r_sel]
        if texts and self.embedder_.dims_:
            vectors = self.embedder_.encode(texts)
            np.add.at(embeddings, r_rows[r_sel], vectors)
            norms = np.linalg.norm(embeddings, axis=1, keepdims=True)
            embeddings = np.divide(embeddings, norms, out=np.zeros_like(embeddings), where=norms > 0)
        has_text = (
            np.bincount(r_rows[r_sel], weights=[1.0 if t.strip() else 0.0 for t in texts], minlength=n) > 0
        )

        profiles: list[dict[str, Any]] = []
        statuses: list[str] = []
        for u, user in enumerate(selected):
            total = sum(cat_w[u].values())
            categories = (
                {c: w / total for c, w in sorted(cat_w[u].items(), key=lambda kv: -kv[1])} if total else {}
            )
            top_products = sorted(prod_w[u].items(), key=lambda kv: (-kv[1], kv[0]))[: cfg.top_products]
            reviews_u = n_reviews[u]
            aspects = {
                a: {
                    "share": len(ids) / reviews_u if reviews_u else 0.0,
                    "mentions": len(ids),
                    "sentiment": sum(aspect_score[u][a]) / len(aspect_score[u][a]),
                }
                for a, ids in sorted(aspect_reviews[u].items(), key=lambda kv: (-len(kv[1]), kv[0]))
            }
            mean_voice = sums["voice"][u]
            status = "neutral"
            if np.isfinite(mean_voice):
                if mean_voice <= cfg.detractor_threshold or (
                    np.isfinite(last_voice[u]) and last_voice[u] < 0
                ):
                    status = "detractor"
                elif mean_voice >= cfg.advocate_threshold:
                    status = "advocate"
            r_score = rfm_score(recency[u], self.recency_edges_, False) if np.isfinite(recency[u]) else 1
            f_score = rfm_score(frequency[u], self.frequency_edges_, True)
            profile = {
                "reviews": int(reviews_u),
                "orders": int(n_orders[u]),
                "categories": {c: round(w, 4) for c, w in categories.items()},
                "products": [{"product_id": p, "weight": round(w, 4)} for p, w in top_products],
                "aspects": {a: {k: round(v, 4) for k, v in d.items()} for a, d in aspects.items()},
                "sentiment_tendency": _round(sums["polarity"][u]),
                "mean_rating": _round(sums["rating"][u]),
                "rating_bias": _round(sums["bias"][u]),
                "voice": _round(mean_voice),
                "status": status,
                "last_negative_day": _round(last_negative[u]),
                "mean_review_chars": _round(lengths[u] / reviews_u) if reviews_u else None,
                "has_text": bool(has_text[u]),
                "rfm": {
                    "recency_days": _round(recency[u]),
                    "frequency": int(frequency[u]),
                    "monetary": value["monetary"][u],
                    "r": r_score,
                    "f": f_score,
                    "class": rfm_class(r_score, f_score),
                },
                "influence": {
                    "in_graph": user in infl.pagerank,
                    "pagerank": _round(infl.pagerank.get(user, 0.0)),
                    "listeners": int(infl.listeners.get(user, 0)),
                    "cascade_reach": int(infl.reach.get(user, 0)),
                },
                "value": {k: value[k][u] for k in ("expected_purchases", "p_alive", "expected_value")},
                "attributes": {a: activity.attributes.get(user, {}).get(a) for a in cfg.protected_features},
                "opt_out": opted_out(activity.attributes.get(user, {})),
            }
            profiles.append(profile)
            statuses.append(status)
        notes = []
        if activity.graph is None or not infl.graph_nodes:
            notes.append("no follows or shares in the store: influence is 0 for every user")
        else:
            covered = sum(1 for u in selected if u in infl.pagerank)
            if covered < n:
                notes.append(
                    f"the social graph covers {covered:,} of {n:,} users; the others have influence 0"
                )
        if self.value_note_:
            notes.append(self.value_note_)
        return ProfileSet(selected, profiles, statuses, embeddings, self.value_source_, notes)

    def _value(self, activity: UserActivity, selected: list[str]) -> dict[str, list[float | None]]:
        n = len(selected)
        empty: list[float | None] = [None] * n
        out: dict[str, list[float | None]] = {
            "expected_purchases": list(empty),
            "p_alive": list(empty),
            "expected_value": list(empty),
            "monetary": list(empty),
        }
        if self.as_of_day_ is None or "bgnbd" not in self.value_params_:
            return out
        users, days, amounts, _ = self._events(activity)
        x, t_x, big_t, m_x = self._summary(users, days, amounts, selected)
        unit = self.config.time_unit_days
        bg = BetaGeoModel()
        bg.params_ = np.array(self.value_params_["bgnbd"])
        purchases = bg.expected_purchases(self.config.horizon_days / unit, x, t_x / unit, big_t / unit)
        alive = bg.p_alive(x, t_x / unit, big_t / unit)
        has_events = self._has_events(users, days, selected)
        out["expected_purchases"] = [
            _round(v) if h else None for v, h in zip(purchases, has_events, strict=True)
        ]
        out["p_alive"] = [_round(v) if h else None for v, h in zip(alive, has_events, strict=True)]
        if amounts is not None:
            mean_all = self._mean_amount(users, amounts, selected)
            out["monetary"] = [_round(v) for v in mean_all]
            if "gamma_gamma" in self.value_params_:
                gg = GammaGammaModel()
                gg.params_ = np.array(self.value_params_["gamma_gamma"])
                per = gg.expected_value(x, m_x)
                out["expected_value"] = [
                    _round(p * q) if h else None for p, q, h in zip(per, purchases, has_events, strict=True)
                ]
        return out

    @staticmethod
    def _has_events(users: list[str], days: np.ndarray, selected: list[str]) -> np.ndarray:
        dated = {u for u, d in zip(users, days, strict=True) if np.isfinite(d)}
        return np.array([u in dated for u in selected], dtype=bool)

    @staticmethod
    def _mean_amount(users: list[str], amounts: np.ndarray, selected: list[str]) -> list[float]:
        index = {u: i for i, u in enumerate(selected)}
        rows = np.array([index.get(u, -1) for u in users], dtype=np.int64)
        keep = (rows >= 0) & np.isfinite(amounts)
        total = np.bincount(rows[keep], weights=amounts[keep], minlength=len(selected))
        count = np.bincount(rows[keep], minlength=len(selected))
        return [float(t / c) if c else float("nan") for t, c in zip(total, count, strict=True)]

    # ---- artifact -----------------------------------------------------------------------------------------

    def save(self, folder: str | Path) -> Path:
        """Write the model folder: embedder arrays, state.json, config.json, then meta.json last."""
        self._check()
        path = Path(folder)
        path.mkdir(parents=True, exist_ok=True)
        self.embedder_.save(path)
        write_json(path / "state.json", self._state())
        save_config(path / "config.json", self.config)
        write_meta(path, KIND, FORMAT_VERSION, model_version=self.model_version_)
        return path

    @classmethod
    def load(cls, folder: str | Path) -> ProfileModel:
        path = Path(folder)
        meta = read_meta(path, "profile model", kinds=(KIND,))
        check_format_version(path, meta, FORMAT_VERSION, what="profile model")
        raw = read_json(path / "config.json", what="profile model config")
        known = set(ProfileConfig.__dataclass_fields__)
        values = {k: v for k, v in raw.items() if k in known}
        if "protected_features" in values:
            values["protected_features"] = tuple(values["protected_features"])
        model = cls(ProfileConfig(**values))
        state = read_json(path / "state.json", what="profile model state")
        try:
            model.as_of_day_ = state["as_of_day"]
            model.categories_ = state["categories"]
            model.aspects_ = state["aspects"]
            model.global_rating_ = state["global_rating"]
            model.product_rating_ = state["product_rating"]
            model.recency_edges_ = state["recency_edges"]
            model.frequency_edges_ = state["frequency_edges"]
            model.value_source_ = state["value_source"]
            model.value_params_ = state["value_params"]
            model.value_note_ = state["value_note"]
        except KeyError as missing:
            raise KoubeiError(
                f"profile model {str(path)!r} is damaged (state.json lacks {missing}); rebuild it"
            ) from None
        model.embedder_ = TextEmbedder.load(
            path, {"dims": model.config.embedding_dims, "seed": model.config.seed}
        )
        model.model_version_ = str(meta.get("model_version") or model.fitted_version())
        return model

    def config_dict(self) -> dict[str, Any]:
        return asdict(self.config)


def _round(value: Any, digits: int = 4) -> float | None:
    if value is None:
        return None
    v = float(value)
    return round(v, digits) if np.isfinite(v) else None


def _grouped_means(rows: np.ndarray, n: int, **columns: np.ndarray) -> dict[str, np.ndarray]:
    """Per-group mean of each column, NaN values left out (NaN where a group has none)."""
    out = {}
    for name, values in columns.items():
        ok = np.isfinite(values)
        total = np.bincount(rows[ok], weights=values[ok], minlength=n)
        count = np.bincount(rows[ok], minlength=n)
        out[name] = np.divide(total, count, out=np.full(n, np.nan), where=count > 0)
    return out
