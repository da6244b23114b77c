"""Typed results turn into strict JSON."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from koubei.results import Result, to_jsonable


@dataclass
class Inner(Result):
    path: Path
    score: float


@dataclass
class Outer(Result):
    name: str
    inner: Inner
    items: list[Inner]
    extra: dict[str, object]
    hidden: str = field(default="secret", repr=False)


def test_to_dict_is_strict_json_with_nested_results() -> None:
    outer = Outer(
        "x", Inner(Path("a/b"), math.nan), [Inner(Path("c"), math.inf)], {"n": np.int64(3), "t": (1, 2)}
    )
    out = outer.to_dict()
    assert out == {
        "name": "x",
        "inner": {"path": "a/b", "score": None},
        "items": [{"path": "c", "score": None}],
        "extra": {"n": 3, "t": [1, 2]},
    }
    json.dumps(out, allow_nan=False)  # NaN/inf would raise here


def test_a_nested_result_with_its_own_to_dict_is_used() -> None:
    @dataclass
    class Custom(Result):
        a: int

        def to_dict(self) -> dict[str, object]:
            return {**super().to_dict(), "doubled": self.a * 2}

    assert to_jsonable({"c": Custom(2)}) == {"c": {"a": 2, "doubled": 4}}
