"""Intent routing: shipped examples, rules, overfit -> save -> load -> same predictions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from koubei.errors import BadInputError, NotFittedError
from koubei.support.intent import INTENTS, IntentRouter, RouterConfig, load_examples, rule_hits


def test_shipped_examples_cover_every_intent_in_both_languages() -> None:
    examples = load_examples()
    pairs = {(e["intent"], e["lang"]) for e in examples}
    assert pairs == {(i, lang) for i in INTENTS for lang in ("en", "zh")}
    assert len(examples) >= 200


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("How long does the battery last?", "product_question"),
        ("这个是什么材质的？", "product_question"),
        ("Where is my package? The tracking has not updated", "order_logistics"),
        ("我的快递怎么还没到", "order_logistics"),
        ("How do I get a refund?", "returns_after_sales"),
        ("收到坏了，怎么退货", "returns_after_sales"),
        ("This is a scam, I will call my lawyer", "complaint"),
        ("卖假货，我要投诉", "complaint"),
        ("hello", "chit_chat"),
        ("谢谢", "chit_chat"),
    ],
)
def test_default_router(text: str, intent: str) -> None:
    route = IntentRouter.default().route(text)
    assert route.intent == intent
    assert abs(sum(route.probabilities.values()) - 1) < 1e-3


def test_rules_fire_on_keywords() -> None:
    assert rule_hits("我要投诉你们") == ("complaint",)
    assert rule_hits("what is the tracking number") == ("order_logistics",)
    assert rule_hits("is it waterproof") == ()


def test_overfit_save_load_same_predictions(tmp_path: Path) -> None:
    texts = [
        "where is my parcel",
        "refund please",
        "what colour is it",
        "you are cheats",
        "hi there",
        "包裹到哪了",
    ]
    labels = [
        "order_logistics",
        "returns_after_sales",
        "product_question",
        "complaint",
        "chit_chat",
        "order_logistics",
    ]
    router = IntentRouter(RouterConfig(C=1000.0, rule_boost=0.0)).fit(texts, labels)
    assert router.predict(texts) == labels
    loaded = IntentRouter.load(router.save(tmp_path / "router"))
    np.testing.assert_allclose(loaded.predict_proba(texts), router.predict_proba(texts), rtol=1e-6)
    assert loaded.config == router.config


def test_router_errors() -> None:
    with pytest.raises(NotFittedError):
        IntentRouter().route("hi")
    with pytest.raises(BadInputError, match="unknown intents"):
        IntentRouter().fit(["a"], ["shopping"])
    with pytest.raises(BadInputError, match="empty"):
        IntentRouter.default().route("   ")


def test_unsure_complaint_without_keyword_falls_back_to_runner_up() -> None:
    texts = ["you are cheats", "bad bad bad", "what colour is it", "how big is it"]
    labels = ["complaint", "complaint", "product_question", "product_question"]
    strict = IntentRouter(RouterConfig(C=1.0, rule_boost=0.0, complaint_min_confidence=0.99)).fit(
        texts, labels
    )
    lenient = IntentRouter(RouterConfig(C=1.0, rule_boost=0.0, complaint_min_confidence=0.0)).fit(
        texts, labels
    )
    assert lenient.route("you are cheats").intent == "complaint"
    route = strict.route("you are cheats")
    assert (
        route.intent == "product_question"
        and route.probabilities["complaint"] > route.probabilities["product_question"]
    )
    assert strict.predict(["you are cheats"]) == ["product_question"]  # predict() decides as route() does
    assert strict.route("you are cheats, a scam").intent == "complaint"  # a complaint keyword keeps the label
