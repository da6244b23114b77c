"""Demo step: customer service — build the evidence index from the store and answer questions with sources.

The bundled corpus holds reviews only (no catalog or FAQ), so answers come from review sentences; products and FAQ
entries in the store (from `koubei ingest products|faq`) are indexed too when present. Shows two answered
questions with their citations and one complaint handed off to a human with a suggested reply. Rendered by
`koubei.cli.demo_views.support`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from koubei.results import Result

ORDER = 50
TITLE = "Customer service: grounded answers with sources, hand-off to a human"
SHOWS = (
    "customer-service answers grounded in review sentences, with citations, and a complaint handed to a human"
)
SECONDS = (8, 30)

QUESTIONS = ("这本书的翻译质量怎么样？", "印刷和纸张质量好吗？")
COMPLAINT = "你们卖的是盗版书，我要投诉！"
QUICK_REVIEWS = 600  # seconds, not minutes, in quick mode
FULL_REVIEWS = 8000  # ~25k sentences: about a minute to index on 2 cores


@dataclass
class SupportStep(Result):
    index: dict[str, Any]  # the build: path, docs, added, updated, unchanged, removed, dense, seconds
    conversation_id: str
    answers: list[dict[str, Any]]  # question, answer, citations, refused, intent, latency_ms
    escalation: dict[str, Any]  # the complaint: question, answer, reason, priority, suggested_reply, ...
    seconds: float = field(default=0.0)


def run(ctx: Any) -> SupportStep:
    from koubei.pipelines.support import ask, build_index, open_assistant

    directory = ctx.workdir / "indexes" / "service"
    _, build = build_index(
        ctx.store,
        directory=directory,
        review_limit=QUICK_REVIEWS if ctx.quick else FULL_REVIEWS,
        progress=getattr(ctx, "progress", None),
    )
    assistant = open_assistant(directory)
    answers = []
    conversation: str | None = None
    for question in QUESTIONS:
        reply = ask(ctx.store, question, conversation_id=conversation, assistant=assistant)
        conversation = reply.conversation_id
        answers.append(
            {
                "question": reply.question,
                "answer": reply.answer,
                "citations": reply.citations,
                "refused": reply.refused,
                "intent": reply.intent["intent"],
                "latency_ms": reply.latency_ms,
            }
        )
    complaint = ask(ctx.store, COMPLAINT, conversation_id=conversation, assistant=assistant)
    return SupportStep(
        index=build.to_dict(),
        conversation_id=complaint.conversation_id,
        answers=answers,
        escalation={
            "question": complaint.question,
            "answer": complaint.answer,
            **(complaint.escalation or {}),
        },
    )
