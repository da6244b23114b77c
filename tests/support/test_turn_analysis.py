"""One customer-service turn analyses (tokenises) its question once and hands the analysis on."""

from __future__ import annotations

import sys
from collections import Counter
from typing import Any

import pytest

from koubei.support.assistant import Assistant
from koubei.support.conversation import ConversationState
from koubei.text.analyzer import analyze, analyze_text, is_mostly_chinese


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Counter[tuple[str, str]]:
    """Count analyzer calls per (function, text), in the analyzer and wherever a support module imported it."""
    counted: Counter[tuple[str, str]] = Counter()

    def counting(name: str, real: Any) -> Any:
        def wrapper(text: str, *args: Any, **kwargs: Any) -> Any:
            counted[(name, text)] += 1
            return real(text, *args, **kwargs)

        return wrapper

    for module_name, module in list(sys.modules.items()):
        if module_name.startswith(("koubei.support", "koubei.text.analyzer")) and module is not None:
            for name, real in (("analyze", analyze), ("is_mostly_chinese", is_mostly_chinese)):
                if getattr(module, name, None) is real:
                    monkeypatch.setattr(module, name, counting(name, real))
    return counted


def _about(calls: Counter[tuple[str, str]], text: str) -> int:
    return sum(n for (_, t), n in calls.items() if text in t)


def test_a_turn_analyses_its_question_once(lsa_index: Any, calls: Counter[tuple[str, str]]) -> None:
    bot = Assistant(lsa_index)
    bot.ask("warm up the caches")
    for question, product in (
        ("What is the warranty?", "K2"),
        ("滤网可以水洗吗？", None),
        ("你们卖假货，我要投诉！", None),
    ):
        calls.clear()
        reply, _ = bot.ask(question, product_id=product)
        assert calls[("analyze", question)] == 1, calls
        assert _about(calls, question) == 1, (
            calls
        )  # not re-analysed under another name (language, follow-up...)
    assert reply.escalation is not None and reply.escalation.reason == "complaint"


def test_a_follow_up_reuses_the_question_and_analyses_the_previous_once(
    lsa_index: Any, calls: Counter[tuple[str, str]]
) -> None:
    bot = Assistant(lsa_index)
    _, state = bot.ask("What is the warranty?", product_id="K1")
    calls.clear()
    second, state = bot.ask("And the capacity?", state)
    assert second.follow_up and second.query == "What is the warranty? And the capacity?"
    assert calls[("analyze", "And the capacity?")] == 1 and calls[("analyze", "What is the warranty?")] == 1
    assert _about(calls, "And the capacity?") == 1, calls
    assert second.answer is not None and second.answer.citations[0]["doc_id"] == "attr:K1:capacity"


def test_joined_analysis_equals_analysing_the_joined_text() -> None:
    for a, b in (
        ("What is the warranty?", "And the capacity?"),
        ("滤网可以水洗吗", "那白色的呢？"),
        ("X200 续航", "ok 吗"),
    ):
        joined = analyze_text(a).then(analyze_text(b))
        direct = analyze_text(f"{a} {b}")
        assert joined == direct and joined.lang == direct.lang
    state = ConversationState(last_question="What is the warranty?")
    assert state.last_question is not None
