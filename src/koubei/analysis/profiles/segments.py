"""Segments of users: k-means on standardized profile features, k chosen by silhouette, each segment named in
plain words (zh and en) from the features that set it apart.

The criterion: for every k in `k_range` the mean silhouette (on a seeded sample of at most `silhouette_sample`
users: the exact score is quadratic in users) is computed, and the k with the highest score is kept (ties: the
smaller k). k-means itself is seeded (`n_init` restarts), so the same seed and data give the same segments.
A segment's name lists up to three of its distinguishing features: those whose segment mean is furthest from the
user base's, in standard deviations (at least `min_effect`). Protected attributes are never clustering features.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from koubei.errors import BadInputError

ASPECT_ZH = {
    "quality": "质量",
    "price": "价格",
    "logistics": "物流",
    "service": "服务",
    "packaging": "包装",
    "appearance": "外观",
    "size_fit": "尺码",
    "function": "功能",
    "taste_freshness": "口味新鲜度",
}
ASPECT_EN = {"size_fit": "size/fit", "taste_freshness": "taste/freshness"}

# feature -> ((phrase en, phrase zh) when higher than the base, (..) when lower); None = not worth naming
_PHRASES: dict[str, tuple[tuple[str, str] | None, tuple[str, str] | None]] = {
    "recency": (("long inactive", "久未活跃"), ("recently active", "近期活跃")),
    "frequency": (("highly active", "高活跃"), None),
    "voice": (("enthusiastic", "好评为主"), ("critical", "差评较多")),
    "rating_bias": (("rates generously", "打分偏高"), ("rates harshly", "打分偏低")),
    "review_chars": (("writes long", "长文详评"), ("writes briefly", "简短评价")),
    "influence": (("influential", "有影响力"), None),
    "p_alive": (None, ("likely lapsed", "可能流失")),
}


@dataclass(frozen=True)
class SegmentConfig:
    k_min: int = 2
    k_max: int = 8
    seed: int = 0
    n_init: int = 4
    silhouette_sample: int = 4000
    min_effect: float = 0.5  # a feature names a segment when its mean is this many standard deviations away
    examples: int = 5


@dataclass
class Segmentation:
    """The chosen k, the silhouette of every k tried, each user's segment and each segment's description."""

    k: int
    silhouettes: dict[int, float]
    labels: np.ndarray
    segments: list[dict[str, Any]]
    feature_names: list[str]
    notes: list[str] = field(default_factory=list)


def feature_matrix(profiles: Sequence[dict[str, Any]]) -> tuple[np.ndarray, list[str]]:
    """The clustering features of stored profile dicts (the `features` column), and their names."""
    aspects = sorted({a for p in profiles for a in (p.get("aspects") or {})})
    categories = Counter(c for p in profiles for c in (p.get("categories") or {}))
    top_categories = [c for c, _ in categories.most_common(10)]
    names = ["recency", "frequency", "voice", "rating_bias", "review_chars", "influence", "p_alive"]
    names += [f"aspect:{a}" for a in aspects] + [f"feel:{a}" for a in aspects]
    names += [f"category:{c}" for c in top_categories]
    rows = []
    for p in profiles:
        rfm = p.get("rfm") or {}
        infl = p.get("influence") or {}
        value = p.get("value") or {}
        own_aspects = p.get("aspects") or {}
        cats = p.get("categories") or {}
        row = [
            math.log1p(rfm.get("recency_days") or 0.0),
            math.log1p(rfm.get("frequency") or 0),
            p.get("voice") or 0.0,
            p.get("rating_bias") or 0.0,
            math.log1p(p.get("mean_review_chars") or 0.0),
            math.log1p((infl.get("pagerank") or 0.0) + (infl.get("cascade_reach") or 0)),
            1.0 if value.get("p_alive") is None else float(value["p_alive"]),
        ]
        row += [float((own_aspects.get(a) or {}).get("share", 0.0)) for a in aspects]
        # feeling toward an aspect, weighted by how often it is mentioned (0 when never)
        row += [
            float((own_aspects.get(a) or {}).get("sentiment", 0.0))
            * float((own_aspects.get(a) or {}).get("share", 0.0))
            for a in aspects
        ]
        row += [float(cats.get(c, 0.0)) for c in top_categories]
        rows.append(row)
    return np.asarray(rows, dtype=float).reshape(len(profiles), len(names)), names


def _phrase(name: str, effect: float) -> tuple[str, str] | None:
    if name in _PHRASES:
        return _PHRASES[name][0 if effect > 0 else 1]
    kind, _, key = name.partition(":")
    if kind == "aspect" and effect > 0:
        if key == "price":
            return ("price-sensitive", "价格敏感")
        return (f"cares about {ASPECT_EN.get(key, key)}", f"看重{ASPECT_ZH.get(key, key)}")
    if kind == "feel":
        if effect < 0:
            return (f"complains about {ASPECT_EN.get(key, key)}", f"常抱怨{ASPECT_ZH.get(key, key)}")
        return (f"praises {ASPECT_EN.get(key, key)}", f"称赞{ASPECT_ZH.get(key, key)}")
    if kind == "category" and effect > 0:
        label = key.replace("_", " ")
        return (f"{label} buyers", f"{label}买家")
    return None


def name_segment(effects: dict[str, float], min_effect: float) -> tuple[str, str, list[dict[str, Any]]]:
    """(name en, name zh, distinguishing features) from per-feature effects (segment mean - base mean) / std."""
    ranked = sorted(effects.items(), key=lambda kv: (-abs(kv[1]), kv[0]))
    chosen: list[dict[str, Any]] = []
    used: set[str] = set()
    for feature, effect in ranked:
        if abs(effect) < min_effect or len(chosen) == 3:
            break
        phrase = _phrase(feature, effect)
        if phrase is None or phrase[0] in used:
            continue
        used.add(phrase[0])
        chosen.append({"feature": feature, "effect": round(effect, 3), "en": phrase[0], "zh": phrase[1]})
    if not chosen:
        return "Typical customers", "普通用户", chosen
    en = ", ".join(c["en"] for c in chosen)
    zh = "、".join(c["zh"] for c in chosen) + "的用户"
    return en[0].upper() + en[1:], zh, chosen


def persona(name_en: str, profiles: Sequence[dict[str, Any]]) -> str:
    """A one-line audience description for `koubei copy generate --persona` (no words that ask for reviews)."""
    aspects = Counter(
        a for p in profiles for a, d in (p.get("aspects") or {}).items() if d.get("share", 0) > 0
    )
    cats = Counter(c for p in profiles for c in list(p.get("categories") or {})[:1])
    cares = ", ".join(ASPECT_EN.get(a, a) for a, _ in aspects.most_common(2))
    buys = ", ".join(c.replace("_", " ") for c, _ in cats.most_common(2))
    text = f"Shoppers: {name_en}"
    if buys:
        text += f"; they mostly buy {buys}"
    if cares:
        text += f"; they care most about {cares}"
    return text[:200]


def segment_profiles(
    user_ids: Sequence[str], profiles: Sequence[dict[str, Any]], config: SegmentConfig | None = None
) -> Segmentation:
    """Cluster the profiles and describe every segment."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    cfg = config or SegmentConfig()
    n = len(profiles)
    if cfg.k_min < 2 or cfg.k_max < cfg.k_min:
        raise BadInputError(f"k range {cfg.k_min}..{cfg.k_max}: expected 2 <= k_min <= k_max")
    if n < cfg.k_min + 1:
        raise BadInputError(
            f"segments need at least {cfg.k_min + 1} profiled users, the store has {n}: run `koubei profile build` "
            "on more data"
        )
    raw, names = feature_matrix(profiles)
    mean = raw.mean(axis=0)
    std = raw.std(axis=0)
    varying = std > 1e-9
    if not varying.any():
        raise BadInputError("every profiled user has the same features: there is nothing to segment")
    z = (raw[:, varying] - mean[varying]) / std[varying]
    kept = [nm for nm, v in zip(names, varying, strict=True) if v]
    distinct = len(np.unique(np.round(z, 6), axis=0))
    k_max = min(cfg.k_max, distinct - 1, n - 1)
    notes = []
    if k_max < cfg.k_max:
        notes.append(f"k capped at {k_max}: only {distinct} distinct feature rows")
    if k_max < cfg.k_min:
        raise BadInputError(f"only {distinct} distinct profiles: too few to split into {cfg.k_min} segments")
    sample = min(n, cfg.silhouette_sample)
    silhouettes: dict[int, float] = {}
    fits: dict[int, np.ndarray] = {}
    for k in range(cfg.k_min, k_max + 1):
        labels = KMeans(n_clusters=k, n_init=cfg.n_init, random_state=cfg.seed).fit_predict(z)
        if len(set(labels.tolist())) < 2:
            continue
        silhouettes[k] = float(silhouette_score(z, labels, sample_size=sample, random_state=cfg.seed))
        fits[k] = labels
    if not silhouettes:
        raise BadInputError("k-means found no split of these profiles into two or more segments")
    best = max(silhouettes, key=lambda k: (round(silhouettes[k], 6), -k))
    labels = fits[best]
    # number segments by size, largest first, so ids are stable across equivalent runs
    order = [c for c, _ in Counter(labels.tolist()).most_common()]
    remap = {old: new for new, old in enumerate(order)}
    labels = np.array([remap[c] for c in labels.tolist()])
    segments = []
    seen_names: Counter[str] = Counter()
    for seg in range(best):
        members = np.flatnonzero(labels == seg)
        centre = z[members].mean(axis=0)
        effects = {nm: float(e) for nm, e in zip(kept, centre, strict=True)}
        en, zh, distinguishing = name_segment(effects, cfg.min_effect)
        seen_names[en] += 1
        if seen_names[en] > 1:  # two segments with the same words: tell them apart
            en, zh = f"{en} ({seen_names[en]})", f"{zh}（{seen_names[en]}）"
        closest = members[
            np.argsort(np.linalg.norm(z[members] - centre, axis=1), kind="stable")[: cfg.examples]
        ]
        member_profiles = [profiles[int(i)] for i in members]
        segments.append(
            {
                "segment": seg,
                "name_en": en,
                "name_zh": zh,
                "persona": persona(en, member_profiles),
                "size": len(members),
                "share": round(len(members) / n, 4),
                "distinguishing": distinguishing,
                "rfm_overlap": _rfm_overlap(member_profiles),
                "value": _value(member_profiles),
                "status": dict(Counter(p.get("status", "neutral") for p in member_profiles)),
                "examples": [user_ids[i] for i in closest],
            }
        )
    return Segmentation(best, silhouettes, labels, segments, kept, notes)


def _rfm_overlap(profiles: Sequence[dict[str, Any]]) -> dict[str, dict[str, float]]:
    counts = Counter((p.get("rfm") or {}).get("class", "unknown") for p in profiles)
    total = len(profiles)
    return {c: {"users": n, "share": round(n / total, 4)} for c, n in counts.most_common()}


def _value(profiles: Sequence[dict[str, Any]]) -> dict[str, float | None]:
    def values(key: str) -> list[float]:
        return [float(v) for p in profiles if (v := (p.get("value") or {}).get(key)) is not None]

    purchases, alive, money = values("expected_purchases"), values("p_alive"), values("expected_value")
    return {
        "expected_purchases_total": round(sum(purchases), 2) if purchases else None,
        "expected_purchases_mean": round(float(np.mean(purchases)), 4) if purchases else None,
        "p_alive_mean": round(float(np.mean(alive)), 4) if alive else None,
        "expected_value_total": round(sum(money), 2) if money else None,
    }
