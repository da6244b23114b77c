"""The customer-service assistant: one turn = route the intent, retrieve evidence, answer or refuse, escalate.

DB-free: it is handed an index, a router and the conversation state, and returns a `Reply` plus the next state.
The pipeline (`koubei.pipelines.support`) loads those from the store and saves the turn back (PII-masked).
The question is analysed once per turn (`analyzer.analyze_text`) and that analysis is what follow-up detection,
retrieval, evidence selection and the answer's language all use.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any

from koubei.errors import BadInputError
from koubei.support.answer import Answer, AnswerConfig, compose_extractive
from koubei.support.conversation import ConversationState, resolve_turn
from koubei.support.escalation import Escalation, decide
from koubei.support.index import ServiceIndex
from koubei.support.intent import IntentRouter, Route
from koubei.text.analyzer import Analysis, analyze_text

_CHIT_CHAT = {
    "en": "Hello! I can answer questions about our products, your orders and returns. What would you like to know?",
    "zh": "您好！我可以解答商品、订单物流和退换货方面的问题，请问有什么可以帮您？",
}


@dataclass
class Reply:
    conversation_id: str
    question: str
    query: str  # what retrieval searched (the question, or previous question + follow-up)
    product_id: str | None
    follow_up: bool
    route: Route
    answer: Answer | None  # None for chit-chat and complaints
    text: str  # what the customer sees
    escalation: Escalation | None
    latency_ms: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "conversation_id": self.conversation_id,
            "question": self.question,
            "query": self.query,
            "product_id": self.product_id,
            "follow_up": self.follow_up,
            "intent": self.route.to_dict(),
            "answer": self.text,
            "citations": self.answer.citations if self.answer else [],
            "evidence": [h.to_dict() for h in self.answer.evidence] if self.answer else [],
            "refused": bool(self.answer and self.answer.refused),
            "mode": self.answer.mode if self.answer else "canned",
            "escalation": self.escalation.to_dict() if self.escalation else None,
            "latency_ms": round(self.latency_ms, 2),
        }


class Assistant:
    """Answers one question at a time from a ServiceIndex; `ask` returns (Reply, next ConversationState)."""

    def __init__(
        self,
        index: ServiceIndex,
        router: IntentRouter | None = None,
        answer_config: AnswerConfig | None = None,
        top_k: int = 8,
        contact: str | None = None,
    ) -> None:
        self.index = index
        self.router = router or IntentRouter.default()
        self.answer_config = answer_config or AnswerConfig()
        self.top_k = top_k
        self.contact = contact  # who can help, named in refusals (e.g. "our service desk, 400-000-0000")

    def compose(self, question: str | Analysis, query: str | Analysis, product_id: str | None) -> Answer:
        hits = self.index.search(query, product_id=product_id, k=self.top_k)
        if self.answer_config.generator_dir:
            from koubei.support.generate import compose_generative

            return compose_generative(
                question, hits, self.answer_config, self.index.dense_spec_, self.contact, query
            )
        return compose_extractive(
            question, hits, self.answer_config, self.index.dense_spec_, self.contact, query
        )

    def ask(
        self, question: str, state: ConversationState | None = None, product_id: str | None = None
    ) -> tuple[Reply, ConversationState]:
        start = time.perf_counter()
        question = (question or "").strip()
        if not question:
            raise BadInputError("question is empty; ask something, e.g. koubei ask 'does it come in blue?'")
        state = state or ConversationState()
        if product_id is not None and product_id not in self.index.product_ids():
            raise BadInputError(
                f"product {product_id!r} has no evidence in the service index (unknown product id?)"
            )
        q = analyze_text(question)
        query, focus, follow = resolve_turn(q, state, self.index, product_id)
        route = self.router.route(question)
        if follow and state.last_intent and not route.confident:
            # "what about the blue one?" alone is ambiguous; it continues the previous turn's intent.
            route = replace(route, intent=state.last_intent, confident=True)
        answer: Answer | None = None
        if route.intent == "chit_chat":
            text = _CHIT_CHAT[q.lang]
        else:
            # Complaints are escalated whatever the evidence says, but the evidence still goes to the agent.
            answer = self.compose(q, query, focus)
            text = answer.text
        escalation = decide(route, answer, focus)
        if escalation is not None and route.intent == "complaint":
            text = (
                "非常抱歉给您带来困扰，我已把您的问题转给人工客服优先处理，请稍候。"
                if q.lang == "zh"
                else "I'm sorry about this. I have passed your message to a member of our team, who will take it "
                "from here as a priority."
            )
        next_state = ConversationState(
            conversation_id=state.conversation_id,
            product_id=focus,
            last_question=state.last_question
            if follow
            else (question if route.intent != "chit_chat" else state.last_question),
            last_intent=route.intent if route.intent != "chit_chat" else state.last_intent,
            turns=state.turns + 1,
        )
        reply = Reply(
            conversation_id=state.conversation_id,
            question=question,
            query=query.text,
            product_id=focus,
            follow_up=follow,
            route=route,
            answer=answer,
            text=text,
            escalation=escalation,
            latency_ms=(time.perf_counter() - start) * 1000,
        )
        return reply, next_state
