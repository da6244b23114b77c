"""Target ranking: exclusions, the seeded holdout, positive word of mouth on a hand-drawn graph, next products."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest

from koubei.analysis.profiles.targets import (
    TargetConfig,
    WordOfMouth,
    positive_word_of_mouth,
    rank_targets,
    recent_detractors,
    top_items,
)
from koubei.errors import BadInputError

USERS = [f"u{i}" for i in range(20)]
INTEREST = np.arange(20, 0, -1, dtype=np.float64)  # u0 most interested ... u19 least
ALL = np.ones(20, dtype=bool)
NO_HOLDOUT = TargetConfig(holdout=0.0)


def test_rank_by_interest_without_holdout() -> None:
    ranked = rank_targets(USERS, INTEREST, ALL, 3, config=NO_HOLDOUT)
    assert [u.user_id for u in ranked.users] == ["u0", "u1", "u2"]
    assert ranked.holdout == [] and ranked.eligible == 20 and ranked.audience == 3
    z = (INTEREST - INTEREST.mean()) / INTEREST.std()
    assert [u.score for u in ranked.users] == pytest.approx(z[:3].tolist())


def test_ineligible_users_are_never_listed_and_ties_go_to_the_first() -> None:
    eligible = ALL.copy()
    eligible[[0, 2]] = False
    flat = np.ones(20)
    assert [u.user_id for u in rank_targets(USERS, INTEREST, eligible, 2, config=NO_HOLDOUT).users] == [
        "u1",
        "u3",
    ]
    assert [u.user_id for u in rank_targets(USERS, flat, eligible, 2, config=NO_HOLDOUT).users] == [
        "u1",
        "u3",
    ]


def test_holdout_is_a_seeded_random_share_of_the_audience() -> None:
    config = TargetConfig(holdout=0.1, seed=7)
    ranked = rank_targets(USERS, INTEREST, ALL, 9, config=config)
    listed = [u.user_id for u in ranked.users]
    # audience = ceil(9 / 0.9) = 10 best users; one of them, drawn with the seed, is held out
    assert ranked.audience == 10 and len(ranked.holdout) == 1 and len(listed) == 9
    assert set(listed) | set(ranked.holdout) == {f"u{i}" for i in range(10)}
    assert listed == sorted(listed, key=lambda u: int(u[1:]))  # rank order kept
    again = rank_targets(USERS, INTEREST, ALL, 9, config=config)
    assert again.holdout == ranked.holdout
    draws = {
        tuple(rank_targets(USERS, INTEREST, ALL, 9, config=TargetConfig(seed=s)).holdout) for s in range(6)
    }
    assert len(draws) > 1  # the seed matters


def test_budget_larger_than_the_user_base_lists_everyone_eligible() -> None:
    eligible = np.zeros(20, dtype=bool)
    eligible[:4] = True
    ranked = rank_targets(USERS, INTEREST, eligible, 50, config=TargetConfig(holdout=0.5, seed=1))
    assert ranked.eligible == 4 and len(ranked.users) + len(ranked.holdout) == 4 and len(ranked.holdout) == 2
    assert rank_targets(USERS, INTEREST, np.zeros(20, dtype=bool), 5).users == []


@pytest.mark.parametrize(("budget", "holdout"), [(0, 0.1), (-3, 0.1), (5, 1.0), (5, -0.1), (5, float("nan"))])
def test_bad_budget_or_holdout(budget: int, holdout: float) -> None:
    with pytest.raises(BadInputError, match=r"budget|holdout"):
        rank_targets(USERS, INTEREST, ALL, budget, config=TargetConfig(holdout=holdout))


def test_recent_detractors_by_hand() -> None:
    day = lambda d: datetime(2026, 1, 1 + d)  # noqa: E731
    reviews = [
        {"review_id": "1", "user_id": "a", "rating": 5, "created_at": day(0)},
        {"review_id": "2", "user_id": "a", "rating": 1, "created_at": day(20)},  # latest, negative, recent
        {"review_id": "3", "user_id": "b", "rating": 1, "created_at": day(1)},
        {"review_id": "4", "user_id": "b", "rating": 5, "created_at": day(25)},  # latest is positive
        {"review_id": "5", "user_id": "c", "rating": 2, "created_at": day(2)},  # negative but 28 days old
        {"review_id": "6", "user_id": "d", "rating": None, "label": "negative", "created_at": day(30)},
    ]
    assert recent_detractors(reviews, days=10) == {"a", "d"}
    assert recent_detractors(reviews, days=30) == {"a", "c", "d"}
    assert recent_detractors(reviews, days=30, max_rating=1) == {"a", "d"}
    undated = [
        {"review_id": "1", "user_id": "e", "rating": 5},
        {"review_id": "2", "user_id": "e", "rating": 2},
    ]
    assert recent_detractors(undated) == {"e"}


def _star() -> tuple[object, np.ndarray]:
    from koubei.social.graph import SocialGraph

    graph = SocialGraph.from_edges([("hub", "x"), ("hub", "y"), ("hub", "z"), ("x", "w")], directed=True)
    return graph, np.ones(graph.m)  # every arc always fires


def test_positive_word_of_mouth_on_a_star() -> None:
    graph, probs = _star()
    wom = positive_word_of_mouth(graph, probs, ["hub", "x", "y"], 1, TargetConfig(rr_sets=2000))
    # With certain arcs, hub reaches all 5 users, x reaches itself and w, y only itself.
    assert wom.reach["hub"] == pytest.approx(5.0)
    assert wom.reach["x"] == pytest.approx(2.0, rel=0.15)  # RR sets rooted at x or w: 2 of 5 roots
    assert wom.imm_seeds == ["hub"]
    not_advocate = positive_word_of_mouth(graph, probs, ["x", "y"], 1, TargetConfig(rr_sets=2000))
    assert not_advocate.imm_seeds == ["x"]  # the hub is not likely to speak well: never a seed


def test_word_of_mouth_lifts_an_advocate_above_a_slightly_more_interested_user() -> None:
    users = ["keen", "hub", "quiet"]
    interest = np.array([1.0, 0.9, 0.0])
    wom = WordOfMouth({"hub": 30.0, "keen": 1.0}, ["hub"], 1000, 3)
    p_pos = np.array([0.9, 0.9, 0.9])
    ranked = rank_targets(users, interest, np.ones(3, bool), 2, p_positive=p_pos, wom=wom, config=NO_HOLDOUT)
    assert [u.user_id for u in ranked.users] == ["hub", "keen"]
    assert any("IMM seed" in r for r in ranked.users[0].reasons)
    plain = rank_targets(users, interest, np.ones(3, bool), 2, config=NO_HOLDOUT)
    assert [u.user_id for u in plain.users] == ["keen", "hub"]
    unlikely = rank_targets(
        users,
        interest,
        np.ones(3, bool),
        2,
        p_positive=np.array([0.9, 0.55, 0.9]),
        wom=WordOfMouth({"hub": 30.0, "keen": 1.0}, [], 1000, 3),
        config=NO_HOLDOUT,
    )
    assert [u.user_id for u in unlikely.users] == [
        "keen",
        "hub",
    ]  # an unlikely advocate's reach does not count


def test_top_items_skips_seen_and_handles_k_larger_than_the_catalog() -> None:
    scores = np.array([0.1, 0.9, 0.5, 0.9])
    assert top_items(scores, np.array([2]), 2) == [1, 3]
    assert top_items(scores, np.array([0, 1]), 10) == [3, 2]
    with pytest.raises(BadInputError, match="k must be"):
        top_items(scores, np.array([], dtype=np.int64), 0)
