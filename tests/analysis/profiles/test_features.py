"""The profile model on a tiny hand-made activity: exact interests, aspects, voice, rating bias and RFM; the
estimator contract; save -> load -> the same profiles."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from koubei.analysis.profiles.activity import UserActivity
from koubei.analysis.profiles.features import ProfileConfig, ProfileModel
from koubei.analysis.profiles.rfm import rfm_class
from koubei.errors import BadInputError, NotFittedError


def _by_user(model: ProfileModel, activity: UserActivity) -> dict[str, dict]:
    built = model.transform(activity)
    return dict(zip(built.user_ids, built.profiles, strict=True))


def test_exact_profile_values(activity: UserActivity) -> None:
    model = ProfileModel().fit(activity)
    assert model.as_of_day_ == pytest.approx(100.0)
    p = _by_user(model, activity)
    u1, u2, u4 = p["u1"], p["u2"], p["u4"]
    # category A now (weight 1), B a half-life ago (weight 0.5): 2/3 and 1/3
    assert u1["categories"] == {"A": pytest.approx(2 / 3, abs=1e-4), "B": pytest.approx(1 / 3, abs=1e-4)}
    # quality in both reviews (+0.9 and -0.7), price in one (neutral)
    assert u1["aspects"]["quality"] == {"share": 1.0, "mentions": 2, "sentiment": pytest.approx(0.1)}
    assert u1["aspects"]["price"] == {"share": 0.5, "mentions": 1, "sentiment": 0.0}
    # voice: 5 stars -> +1, 4 stars -> 0: mean 0.5, the latest review positive -> advocate
    assert u1["voice"] == 0.5 and u1["status"] == "advocate"
    assert u2["voice"] == -1.0 and u2["status"] == "detractor" and u2["last_negative_day"] == 50.0
    assert u4["status"] == "neutral" and u4["reviews"] == 0 and u4["voice"] is None
    # rating bias against product means shrunk toward the global mean (10/3) by 2 pseudo-ratings
    g = 10 / 3
    m1, m2 = (5 + 1 + 2 * g) / 4, (4 + 2 * g) / 3
    assert u1["rating_bias"] == pytest.approx(((5 - m1) + (4 - m2)) / 2, abs=1e-4)
    assert u2["rating_bias"] == pytest.approx(1 - m1, abs=1e-4)
    assert u1["sentiment_tendency"] == 0.5  # positive + neutral labels
    # RFM: u1 seen today on 2 days, u2 50 days ago once, u4 never
    assert (u1["rfm"]["recency_days"], u1["rfm"]["frequency"]) == (0.0, 2)
    assert (u1["rfm"]["r"], u1["rfm"]["f"], u1["rfm"]["class"]) == (5, 5, "Champions")
    assert (u2["rfm"]["r"], u2["rfm"]["f"], u2["rfm"]["class"]) == (1, 3, "At risk")
    assert u4["rfm"]["class"] == "Hibernating" and u4["rfm"]["recency_days"] is None
    # value: from review times (no orders), said so; none for a user without events
    assert "proxy" in model.value_source_
    assert u4["value"]["p_alive"] is None
    assert 0.0 <= u1["value"]["p_alive"] <= 1.0 and u1["value"]["expected_purchases"] >= 0.0
    assert u1["value"]["expected_value"] is None  # no amounts: no monetary value
    # influence: no graph
    assert u1["influence"] == {"in_graph": False, "pagerank": 0.0, "listeners": 0, "cascade_reach": 0}
    # protected attributes are not part of the profile unless turned on
    assert u4["attributes"] == {}


def test_protected_attributes_only_when_turned_on(activity: UserActivity) -> None:
    on = ProfileModel(ProfileConfig(protected_features=("gender",))).fit(activity)
    assert _by_user(on, activity)["u4"]["attributes"] == {"gender": "f"}


def test_half_life_changes_interests(activity: UserActivity) -> None:
    fast = ProfileModel(ProfileConfig(half_life_days=365 / 2)).fit(activity)
    # B is two half-lives old: 0.25 against 1
    assert _by_user(fast, activity)["u1"]["categories"]["B"] == pytest.approx(0.2, abs=1e-4)


def test_rfm_grid() -> None:
    assert rfm_class(5, 5) == "Champions"
    assert rfm_class(3, 4) == "Loyal"
    assert rfm_class(4, 2) == "Potential loyalists"
    assert rfm_class(5, 1) == "New customers"
    assert rfm_class(3, 1) == "Need attention"
    assert rfm_class(1, 4) == "At risk"
    assert rfm_class(2, 2) == "Hibernating"


def test_embedding_follows_what_users_write(activity: UserActivity) -> None:
    model = ProfileModel().fit(activity)
    built = model.transform(activity)
    emb = dict(zip(built.user_ids, built.embeddings, strict=True))
    assert np.linalg.norm(emb["u1"]) == pytest.approx(1.0, abs=1e-5)
    assert not emb["u4"].any()  # no text: zeros
    assert built.profiles[built.user_ids.index("u4")]["has_text"] is False


def test_transform_only_asked_users(activity: UserActivity) -> None:
    model = ProfileModel().fit(activity)
    part = model.transform(activity, ["u2"])
    assert part.user_ids == ["u2"]
    assert part.profiles[0] == _by_user(model, activity)["u2"]


def test_save_load_same_profiles(activity: UserActivity, tmp_path: Path) -> None:
    model = ProfileModel().fit(activity)
    before = model.transform(activity)
    model.save(tmp_path / "m")
    loaded = ProfileModel.load(tmp_path / "m")
    after = loaded.transform(activity)
    assert loaded.model_version_ == model.model_version_
    assert after.profiles == before.profiles
    np.testing.assert_allclose(after.embeddings, before.embeddings, atol=1e-6)
    # the model holds no user id (forgetting a user never needs a refit)
    for f in (tmp_path / "m").iterdir():
        text = f.read_bytes()
        assert b'"u1"' not in text and b'"u2"' not in text


def test_estimator_contract(activity: UserActivity, tmp_path: Path) -> None:
    model = ProfileModel(ProfileConfig(embedding_dims=4))
    assert not hasattr(model, "model_version_")
    with pytest.raises(NotFittedError):
        model.transform(activity)
    assert model.fit(activity) is model
    with pytest.raises(BadInputError, match="no users"):
        ProfileModel().fit(UserActivity(users=[]))
    with pytest.raises(BadInputError, match="not a koubei profile model"):
        ProfileModel.load(tmp_path)


def test_signatures_change_only_for_the_changed_user(activity: UserActivity) -> None:
    before = activity.signatures()
    activity.review_rating[2] = 2.0  # u2's review
    after = activity.signatures()
    assert before["u1"] == after["u1"] and before["u4"] == after["u4"]
    assert before["u2"] != after["u2"]


def test_users_with_one_textless_review_and_no_times() -> None:
    activity = UserActivity.from_rows(
        reviews=[
            {"review_id": "a", "user_id": "x", "product_id": "p", "text": "", "rating": 2},
            {
                "review_id": "b",
                "user_id": "y",
                "product_id": "p",
                "text": "fine",
                "rating": None,
                "label": "positive",
            },
        ]
    )
    model = ProfileModel().fit(activity)
    built = model.transform(activity)
    x, y = built.profiles
    assert x["has_text"] is False and not built.embeddings[0].any()
    assert x["status"] == "detractor" and y["status"] == "advocate"  # rating 2; label positive without rating
    # no event has a time: no recency, no value, and the reason is given
    assert x["rfm"]["recency_days"] is None and x["value"]["p_alive"] is None
    assert any("no event has a time" in note for note in built.notes)
