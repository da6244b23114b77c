"""Demo step: customer service — build the evidence index from the store and answer questions with sources.

The bundled corpus holds reviews only (no catalog or FAQ), so answers come from review sentences; products and FAQ
entries in the store (from `koubei ingest products|faq`) are indexed too when present. Shows two answered
questions with their citations and one complaint handed off to a human with a suggested reply.
"""

from __future__ import annotations

from typing import Any

ORDER = 50
TITLE = "Customer service: grounded answers with sources, hand-off to a human"

QUESTIONS = ("这本书的翻译质量怎么样？", "印刷和纸张质量好吗？")
COMPLAINT = "你们卖的是盗版书，我要投诉！"
QUICK_REVIEWS = 600  # seconds, not minutes, in quick mode
FULL_REVIEWS = 8000  # ~25k sentences: about a minute to index on 2 cores


def run(ctx: Any) -> dict[str, Any]:
    from koubei.pipelines.support import ask, build_index, open_assistant

    directory = ctx.workdir / "indexes" / "service"
    _, build = build_index(
        ctx.store, directory=directory, review_limit=QUICK_REVIEWS if ctx.quick else FULL_REVIEWS,
        progress=not ctx.quick,
    )
    assistant = open_assistant(directory)
    answers = []
    conversation: str | None = None
    for question in QUESTIONS:
        reply = ask(ctx.store, question, conversation_id=conversation, assistant=assistant)
        conversation = reply["conversation_id"]
        answers.append(reply)
    complaint = ask(ctx.store, COMPLAINT, conversation_id=conversation, assistant=assistant)

    ctx.console.print(
        f"Index: {build.docs:,} evidence pieces ({build.added:,} new, {build.unchanged:,} unchanged), "
        f"dense retriever: {build.dense}, built in {build.seconds} s"
    )
    for reply in answers:
        ctx.console.print(f"\n[bold]Q: {reply['question']}[/]  (intent {reply['intent']['intent']}, "
                          f"{reply['latency_ms']:.0f} ms)")
        ctx.console.print(reply["answer"])
        for c in reply["citations"]:
            ctx.console.print(f"  [dim][{c['n']}] {c['kind']} {c['id']}" + (f" sentence {c['sentence']}" if "sentence" in c else "") + "[/]")
    esc = complaint["escalation"] or {}
    ctx.console.print(f"\n[bold]Q: {COMPLAINT}[/]\n{complaint['answer']}")
    ctx.console.print(f"[yellow]→ escalated ({esc.get('reason')}, priority {esc.get('priority')}); suggested reply "
                      f"for the agent: {esc.get('suggested_reply')}[/]")
    return {
        "index": build.to_dict(),
        "conversation_id": conversation,
        "answers": [
            {"question": r["question"], "answer": r["answer"], "citations": r["citations"], "refused": r["refused"],
             "intent": r["intent"]["intent"], "latency_ms": r["latency_ms"]}
            for r in answers
        ],
        "escalation": {"question": complaint["question"], **esc},
    }
