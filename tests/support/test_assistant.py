"""A whole turn: routing, answer or refusal, escalation with a suggested reply, and multi-turn carry-over."""

from __future__ import annotations

from typing import Any

import pytest

from koubei.errors import BadInputError
from koubei.support.assistant import Assistant
from koubei.support.conversation import (
    ConversationState,
    is_follow_up,
    mentioned_product,
    resolve_turn,
    variant_of,
)


def test_product_question_answered_with_citation(lsa_index: Any) -> None:
    reply, state = Assistant(lsa_index).ask("What is the kettle's material?", product_id="K1")
    data = reply.to_dict()
    assert data["intent"]["intent"] == "product_question"
    assert data["citations"][0]["doc_id"] == "attr:K1:material" and "stainless steel" in data["answer"]
    assert data["escalation"] is None and state.product_id == "K1" and state.turns == 1


def test_complaint_is_escalated_with_reason_and_suggested_reply(lsa_index: Any) -> None:
    reply, _ = Assistant(lsa_index).ask("This is a scam, I will sue you!", product_id="K1")
    assert reply.escalation is not None
    assert reply.escalation.reason == "complaint" and reply.escalation.priority == "high"
    assert "order number" in reply.escalation.suggested_reply and "K1" in reply.escalation.suggested_reply
    zh, _ = Assistant(lsa_index).ask("卖假货，我要投诉！", product_id="V1")
    assert (
        zh.escalation is not None
        and zh.escalation.reason == "complaint"
        and "订单号" in zh.escalation.suggested_reply
    )


def test_missing_evidence_is_refused_and_escalated(lsa_index: Any) -> None:
    reply, _ = Assistant(lsa_index).ask("Does it have bluetooth?", product_id="K1")
    assert reply.to_dict()["refused"] and reply.escalation is not None
    assert reply.escalation.reason == "no_supporting_evidence"
    order, _ = Assistant(lsa_index).ask(
        "Where is my parcel? The tracking number does not work", product_id="K1"
    )
    assert order.escalation is not None and order.escalation.reason == "order_lookup_needed"


def test_order_question_answered_from_faq_is_not_escalated(lsa_index: Any) -> None:
    reply, _ = Assistant(lsa_index).ask("How long does delivery take?", product_id="K1")
    assert reply.route.intent == "order_logistics"
    assert reply.escalation is None and reply.answer is not None and reply.answer.citations[0]["id"] == "F4"


def test_chit_chat_needs_no_evidence(lsa_index: Any) -> None:
    reply, state = Assistant(lsa_index).ask("hello")
    assert reply.answer is None and reply.escalation is None and "products" in reply.text
    assert state.last_question is None


def test_conversation_carries_product_and_topic(lsa_index: Any) -> None:
    bot = Assistant(lsa_index)
    first, state = bot.ask("What is the warranty?", product_id="K1")
    assert "2 years" in first.text
    second, state = bot.ask("what about the blue one?", state)
    assert second.follow_up and second.product_id == "K2" and second.query == "What is the warranty?"
    assert second.answer is not None and second.answer.citations[0]["doc_id"] == "attr:K2:warranty"
    third, state = bot.ask("And the capacity?", state)
    assert third.product_id == "K2"  # focus carries over
    assert third.answer is not None and third.answer.citations[0]["doc_id"] == "attr:K2:capacity"
    assert state.turns == 3 and state.conversation_id == first.conversation_id == third.conversation_id


def test_conversation_helpers(lsa_index: Any) -> None:
    assert is_follow_up("what about the blue one?") and is_follow_up("那白色的呢？")
    assert not is_follow_up("What is the warranty of this kettle and does it come with a filter?")
    assert mentioned_product("Is the X200 吸尘器 heavy?", lsa_index) == "V1"
    assert mentioned_product("tell me about K2", lsa_index) == "K2"
    assert variant_of("the blue one", "K1", lsa_index) == "K2"
    assert variant_of("the red one", "K1", lsa_index) is None  # K1 is the red one
    state = ConversationState(product_id="K1", last_question="warranty?")
    turn = resolve_turn("is it heavy?", state, lsa_index)
    assert (turn.query.text, turn.product_id, turn.follow_up) == ("is it heavy?", "K1", False)
    follow = resolve_turn("and the capacity?", state, lsa_index)
    assert (follow.query.text, follow.query.tokens, follow.follow_up) == (
        "warranty? and the capacity?",
        ("warranti", "capac"),
        True,
    )
    assert ConversationState.from_dict(state.to_dict()) == state


def test_bad_input(lsa_index: Any) -> None:
    with pytest.raises(BadInputError, match="empty"):
        Assistant(lsa_index).ask("  ")
    with pytest.raises(BadInputError, match="unknown product"):
        Assistant(lsa_index).ask("warranty?", product_id="NOPE")
