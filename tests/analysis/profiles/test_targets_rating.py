"""The rating model: hand-made histories, the median rule, leave-one-out training, and overfit -> save -> load."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from koubei.analysis.profiles.rating import RatingConfig, RatingModel, _features
from koubei.errors import BadInputError, NotFittedError


def _history() -> tuple[list[str], list[str], list[int]]:
    users, items, ratings = [], [], []
    for n in range(30):  # "happy" users rate 5, "grumpy" users rate 2, on products seen by both
        for item in ("p1", "p2", "p3"):
            users.append(f"happy{n}")
            items.append(item)
            ratings.append(5)
            users.append(f"grumpy{n}")
            items.append(item)
            ratings.append(2)
    return users, items, ratings


def test_features_by_hand() -> None:
    prior = np.array([0.0, 0.0, 0.0, 0.5, 0.5])
    f = _features(np.array([[0, 0, 0, 0, 2.0]]), prior, strength=2.0)
    # (2 fives + 2 pseudo-ratings at 4.5) / 4 = 4.75; share of 5s (2 + 1) / 4; no 1-2s; log(1 + 2)
    assert f[0].tolist() == pytest.approx([4.75, 0.75, 0.0, np.log(3)])


def test_learns_who_rates_low_and_predicts_the_median() -> None:
    users, items, ratings = _history()
    model = RatingModel().fit(users, items, ratings)
    assert model.predict(["happy0", "grumpy0"], ["p1", "p1"]).tolist() == [5, 2]
    p = model.predict_proba(["happy0", "grumpy0"], ["p2", "p2"])
    assert p.shape == (2, 5) and np.allclose(p.sum(axis=1), 1.0)
    assert model.p_positive(["happy0"], ["p1"])[0] > 0.9 > 0.1 > model.p_positive(["grumpy0"], ["p1"])[0]
    assert model.expected(["grumpy0"], ["p3"])[0] < 3.0


def test_training_features_leave_the_row_out() -> None:
    # Each user has one review: with leave-one-out their training history is empty, so nothing can be learned
    # from the user side; without it the model would learn "a user's mean predicts the rating" perfectly.
    users = [f"u{n}" for n in range(40)]
    items = ["p1"] * 40
    ratings = [5 if n % 2 else 1 for n in range(40)]
    model = RatingModel().fit(users, items, ratings)
    p = model.predict_proba(["u1", "u0"], ["p1", "p1"])
    assert abs(p[0, 4] - p[1, 4]) < 0.5  # barely tells them apart (both near the 50/50 prior)


def test_one_rating_everywhere_and_unknown_users() -> None:
    model = RatingModel().fit(["a", "b"], ["p", "q"], [4, 4])
    assert model.predict(["a", "nobody"], ["p", "nothing"]).tolist() == [4, 4]
    assert not model.knows_user("nobody") and model.knows_user("a")


def test_bad_input() -> None:
    with pytest.raises(BadInputError, match="1-5 stars"):
        RatingModel().fit(["a"], ["p"], [6])
    with pytest.raises(BadInputError, match="no rated reviews"):
        RatingModel().fit([], [], [])
    with pytest.raises(BadInputError, match="same length"):
        RatingModel().fit(["a", "b"], ["p"], [5, 4])
    with pytest.raises(NotFittedError):
        RatingModel().predict(["a"], ["p"])


def test_overfit_save_load_same_predictions(tmp_path: Path) -> None:
    users, items, ratings = _history()
    users += ["mixed", "mixed", "mixed"]
    items += ["p1", "p2", "p4"]
    ratings += [3, 4, 1]
    model = RatingModel(RatingConfig(c=10.0)).fit(users, items, ratings)
    model.save(tmp_path / "rating")
    loaded = RatingModel.load(tmp_path / "rating")
    ask_users, ask_items = [*users, "new"], [*items, "p9"]
    assert np.array_equal(
        loaded.predict_proba(ask_users, ask_items), model.predict_proba(ask_users, ask_items)
    )
    assert loaded.config == model.config
    (tmp_path / "rating" / "arrays.npz").write_bytes(b"broken")
    with pytest.raises(BadInputError, match="damaged"):
        RatingModel.load(tmp_path / "rating")
