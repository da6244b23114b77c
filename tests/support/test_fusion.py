"""Fusion math on hand-computed examples."""

from __future__ import annotations

import pytest

from koubei.errors import BadInputError
from koubei.support.fusion import fuse, minmax, rrf, weighted


def test_rrf_exact_scores_and_order() -> None:
    a = [("x", 9.0), ("y", 5.0)]
    b = [("y", 0.9), ("z", 0.8), ("x", 0.1)]
    out = dict(rrf([a, b], k=1))
    assert out["x"] == pytest.approx(1 / 2 + 1 / 4)
    assert out["y"] == pytest.approx(1 / 3 + 1 / 2)
    assert out["z"] == pytest.approx(1 / 3)
    assert [d for d, _ in rrf([a, b], k=1)] == ["y", "x", "z"]


def test_rrf_weights_and_tie_break_by_first_appearance() -> None:
    a = [("x", 1.0)]
    b = [("y", 1.0)]
    assert [d for d, _ in rrf([a, b])] == ["x", "y"]  # equal scores: first seen wins
    assert [d for d, _ in rrf([a, b], weights=[1.0, 2.0])] == ["y", "x"]
    assert dict(rrf([a, b], k=60, weights=[1.0, 2.0]))["y"] == pytest.approx(2 / 61)


def test_minmax_and_weighted_fusion() -> None:
    assert minmax([("a", 3.0), ("b", 1.0), ("c", 2.0)]) == {"a": 1.0, "b": 0.0, "c": 0.5}
    assert minmax([("a", 7.0)]) == {"a": 1.0}
    out = dict(weighted([[("a", 3.0), ("b", 1.0)], [("b", 0.9), ("c", 0.1)]], weights=[1.0, 2.0]))
    assert out == pytest.approx({"a": 1.0, "b": 2.0, "c": 0.0})


def test_fusion_rejects_bad_parameters() -> None:
    with pytest.raises(BadInputError, match="weights"):
        rrf([[("a", 1.0)]], weights=[1.0, 2.0])
    with pytest.raises(BadInputError, match="k"):
        rrf([[("a", 1.0)]], k=0)
    with pytest.raises(BadInputError, match="rrf, weighted"):
        fuse([[("a", 1.0)]], method="borda")
