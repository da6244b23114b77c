"""The interest recommender: exact answers on hand-made interaction matrices, and overfit -> save -> load."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from koubei.analysis.profiles.recommend import Recommender, RecommenderConfig, build_interactions
from koubei.errors import BadInputError, NotFittedError

ONLY_CF = RecommenderConfig(
    ease_lambda=1.0, w_cf=1.0, w_text=0.0, w_category_next=0.0, w_category_targets=0.0, w_popularity_next=0.0
)


def _rows(pairs: list[tuple[str, str]], category: str = "music", text: str = "") -> list[dict]:
    return [{"user_id": u, "product_id": p, "category": category, "text": text} for u, p in pairs]


# users a, b: items i0 + i1; c: i2; d: i0 only.  X^T X + I = [[4,2,0],[2,3,0],[0,0,2]].
PAIRS = [("a", "i0"), ("a", "i1"), ("b", "i0"), ("b", "i1"), ("c", "i2"), ("d", "i0")]


def test_build_interactions_sorts_ids_and_joins_text() -> None:
    data = build_interactions(
        [
            {"user_id": "z", "product_id": "p2", "category": "beauty", "text": "soft"},
            {"user_id": "y", "product_id": "p1", "category": None, "text": "loud"},
            {"user_id": "z", "product_id": "p1", "category": "music", "text": "bright"},
        ],
        [{"user_id": "x", "product_id": "p3"}],
        [{"product_id": "p4", "title": "new capo", "category": "music"}],
    )
    assert data.user_ids == ["x", "y", "z"]
    assert data.item_ids == ["p1", "p2", "p3", "p4"]
    assert data.item_category == ["music", "beauty", "", "music"]
    assert data.user_text == ["", "loud", "soft bright"]
    assert data.item_text == ["loud bright", "soft", "", "new capo"]
    assert sorted(zip(data.user_index.tolist(), data.item_index.tolist(), strict=True)) == [
        (0, 2),
        (1, 0),
        (2, 0),
        (2, 1),
    ]


def test_no_interactions_is_a_clear_error() -> None:
    with pytest.raises(BadInputError, match="user_id and a product_id"):
        build_interactions([], [], [{"product_id": "p1"}])


def test_ease_weights_by_hand() -> None:
    model = Recommender(ONLY_CF).fit(build_interactions(_rows(PAIRS)))
    # inverse of [[4,2],[2,3]] is [[3,-2],[-2,4]] / 8; B_ij = -P_ij / P_jj.
    assert model.b_[0, 1] == pytest.approx(0.5)
    assert model.b_[1, 0] == pytest.approx(2 / 3)
    assert model.b_[0, 2] == pytest.approx(0.0) and model.b_[2, 0] == pytest.approx(0.0)
    assert np.diag(model.b_).tolist() == [0.0, 0.0, 0.0]
    d = model.user_position("d")
    assert model.item_scores(d).tolist() == pytest.approx([0.0, 0.5, 0.0])
    # users scored for item i1: everyone holding i0 gets B[0,1] = 0.5 (their own i1 adds B[1,1] = 0); c gets 0
    assert model.user_scores(model.item_position("i1")).tolist() == pytest.approx([0.5, 0.5, 0.0, 0.5])
    why = model.explain(d, model.item_position("i1"))
    assert why["via_products"] == ["i0"] and why["collaborative"] == pytest.approx(0.5)


def test_category_affinity_and_popularity_by_hand() -> None:
    rows = [*_rows([("a", "m1"), ("b", "m1"), ("b", "m2")], "music"), *_rows([("b", "s1")], "beauty")]
    config = RecommenderConfig(
        w_cf=0.0, w_text=0.0, w_category_next=1.0, w_category_targets=1.0, w_popularity_next=1.0
    )
    model = Recommender(config).fit(build_interactions(rows))
    a = model.user_position("a")
    # a: 1 of 1 interactions in music -> (1 + 0.1) / (1 + 0.2); beauty (0 + 0.1) / 1.2.
    music, beauty = math.log(1.1 / 1.2), math.log(0.1 / 1.2)
    # items sorted: m1 (2 interactions), m2 (1), s1 (1)
    assert model.item_scores(a).tolist() == pytest.approx(
        [music + math.log(3), music + math.log(2), beauty + math.log(2)]
    )
    b_share = math.log(1.1 / 3.2)  # b: 1 of 3 interactions in beauty
    assert model.user_scores(model.item_position("s1")).tolist() == pytest.approx([beauty, b_share])


def test_text_signal_prefers_the_user_who_writes_about_the_product() -> None:
    rows = [
        {"user_id": "g", "product_id": "p1", "category": "x", "text": "guitar strings bright tone guitar"},
        {"user_id": "h", "product_id": "p2", "category": "x", "text": "lipstick colour lasts lipstick"},
        {"user_id": "k", "product_id": "p3", "category": "x", "text": "guitar strings warm"},
        {"user_id": "m", "product_id": "p4", "category": "x", "text": "lipstick shade smooth"},
    ]
    config = RecommenderConfig(text_min_df=1, w_cf=0.0, w_category_targets=0.0, w_text=1.0)
    model = Recommender(config).fit(build_interactions(rows))
    scores = model.user_scores(model.item_position("p3"))
    g, h = model.user_position("g"), model.user_position("h")
    assert scores[g] > 0.0 and scores[h] == 0.0
    why = model.explain(g, model.item_position("p3"))
    assert set(why["shared_words"]) <= {"guitar", "string"} and why["shared_words"]
    assert why["text"] == pytest.approx(scores[g], rel=1e-5)


def test_no_text_at_all_leaves_the_text_signal_zero() -> None:
    model = Recommender().fit(build_interactions(_rows(PAIRS)))
    assert model.vocabulary_ == []
    assert np.isfinite(model.user_scores(0)).all() and model.explain(0, 1)["shared_words"] == []


def test_use_before_fit_and_too_many_items() -> None:
    with pytest.raises(NotFittedError):
        Recommender().item_scores(0)
    with pytest.raises(BadInputError, match="max_items"):
        Recommender(RecommenderConfig(max_items=2)).fit(build_interactions(_rows(PAIRS)))


def test_overfit_save_load_same_predictions(tmp_path: Path) -> None:
    rows = [
        {"user_id": f"u{u}", "product_id": f"p{(u * 3 + j) % 7}", "category": "ab"[j % 2], "text": t}
        for u in range(12)
        for j, t in enumerate(
            ["bright guitar strings", "smooth lipstick shade", "tuner clip accurate"][: 1 + u % 3]
        )
    ]
    model = Recommender(RecommenderConfig(text_min_df=1)).fit(build_interactions(rows))
    model.save(tmp_path / "rec", data_version={"reviews": [len(rows), None]})
    loaded = Recommender.load(tmp_path / "rec")
    assert loaded.config == model.config and loaded.user_ids_ == model.user_ids_
    for u in range(len(model.user_ids_)):
        assert np.allclose(loaded.item_scores(u), model.item_scores(u))
    for i in range(len(model.item_ids_)):
        assert np.allclose(loaded.user_scores(i), model.user_scores(i))
        assert loaded.explain(0, i) == model.explain(0, i)
    meta = json.loads((tmp_path / "rec" / "meta.json").read_text())
    assert meta["kind"] == "targeting_recommender" and meta["data_version"] == {"reviews": [len(rows), None]}


def test_damaged_or_newer_artifacts_are_refused(tmp_path: Path) -> None:
    model = Recommender().fit(build_interactions(_rows(PAIRS)))
    model.save(tmp_path / "rec")
    (tmp_path / "rec" / "arrays.npz").write_bytes(b"not a zip")
    with pytest.raises(BadInputError, match="damaged"):
        Recommender.load(tmp_path / "rec")
    model.save(tmp_path / "new")
    meta = json.loads((tmp_path / "new" / "meta.json").read_text())
    (tmp_path / "new" / "meta.json").write_text(json.dumps({**meta, "format_version": 99}))
    with pytest.raises(BadInputError, match="newer"):
        Recommender.load(tmp_path / "new")
    with pytest.raises(BadInputError, match="not a koubei targeting model"):
        Recommender.load(tmp_path)
