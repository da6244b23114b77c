"""Tiny hand-made review sets shared by the analysis tests."""

from __future__ import annotations

import pytest

POSITIVE_TEXTS = [
    "质量很好，非常满意",
    "物流很快，好评",
    "很喜欢，推荐购买",
    "东西不错，价格实惠",
    "great product, love it",
    "works great, very happy",
]
NEGATIVE_TEXTS = [
    "质量太差，非常失望",
    "物流太慢，差评",
    "很讨厌，不推荐",
    "东西坏了，要退货",
    "terrible product, broke fast",
    "awful quality, very unhappy",
]


@pytest.fixture
def tiny_reviews() -> tuple[list[str], list[str]]:
    texts = POSITIVE_TEXTS + NEGATIVE_TEXTS
    labels = ["positive"] * len(POSITIVE_TEXTS) + ["negative"] * len(NEGATIVE_TEXTS)
    return texts, labels
