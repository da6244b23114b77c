"""Hand-off to a human agent: when to escalate, why, and a suggested first reply for the agent.

Escalate when (in this order of priority):
- the customer complains (intent `complaint`): a person must own it, whatever the evidence says;
- an order / logistics question has no supporting evidence: it needs a lookup in the order system;
- any other question has no supporting evidence (the assistant refused): someone who knows must answer;
- the router is unsure of the intent *and* the evidence is weak: we may have misunderstood the question.
A confident answer from evidence is not escalated even when the router is unsure: the evidence speaks for itself.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from koubei.support.answer import Answer
from koubei.support.intent import Route

REASONS = ("complaint", "order_lookup_needed", "no_supporting_evidence", "low_intent_confidence")


@dataclass(frozen=True)
class Escalation:
    reason: str  # one of REASONS
    detail: str  # one line for the agent's queue
    priority: str  # high | normal
    suggested_reply: str  # a first reply the agent can send or edit
    evidence: list[str]  # doc ids of what retrieval found, so the agent starts from there

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


_REPLIES = {
    ("complaint", "en"): (
        "I'm sorry about this, and thank you for telling us. I have read your message{product} and I am taking "
        "it over personally. Could you share your order number so I can check what happened and make it right today?"
    ),
    (
        "complaint",
        "zh",
    ): "非常抱歉给您带来不好的体验，感谢您告诉我们。您的问题{product}由我来负责跟进，麻烦提供一下订单号，我马上核实并尽快给您处理方案。",
    ("order_lookup_needed", "en"): (
        "Thanks for your patience. Could you send me your order number? I will check the shipment status{product} "
        "with the courier and update you right away."
    ),
    (
        "order_lookup_needed",
        "zh",
    ): "感谢您的耐心，麻烦发一下订单号，我马上帮您查询{product}的物流状态并第一时间回复您。",
    ("no_supporting_evidence", "en"): (
        "Thanks for your question{product}. I want to give you an accurate answer, so I am checking it with our "
        "product team and will get back to you shortly."
    ),
    (
        "no_supporting_evidence",
        "zh",
    ): "感谢您的提问{product}。为了给您准确的答复，我正在和商品团队核实，稍后回复您。",
    ("low_intent_confidence", "en"): (
        "Thanks for reaching out{product}. To make sure I help with the right thing: is your question about the "
        "product itself, an order or delivery, or a return?"
    ),
    (
        "low_intent_confidence",
        "zh",
    ): "您好{product}，为了更好地帮您处理：请问您咨询的是商品本身、订单物流，还是退换货售后呢？",
}


def suggested_reply(reason: str, lang: str, product_id: str | None) -> str:
    product = ""
    if product_id:
        product = f"（商品 {product_id}）" if lang == "zh" else f" about product {product_id}"
    return _REPLIES[(reason, "zh" if lang == "zh" else "en")].format(product=product)


def decide(route: Route, answer: Answer | None, product_id: str | None) -> Escalation | None:
    """The escalation for this turn, or None when the assistant's answer can stand on its own."""
    lang = answer.lang if answer is not None else "en"
    evidence = [h.doc.doc_id for h in answer.evidence] if answer is not None else []
    refused = answer is None or answer.refused
    if route.intent == "complaint":
        reason, detail, priority = "complaint", f"complaint (confidence {route.confidence:.2f})", "high"
    elif route.intent == "chit_chat":
        return None
    elif refused and route.intent == "order_logistics":
        reason, detail, priority = (
            "order_lookup_needed",
            "order/logistics question not covered by the FAQ",
            "normal",
        )
    elif refused and not route.confident:
        reason = "low_intent_confidence"
        detail = f"unsure of the intent ({route.intent}, {route.confidence:.2f}) and no supporting evidence"
        priority = "normal"
    elif refused:
        reason, detail, priority = (
            "no_supporting_evidence",
            f"{route.intent}: no evidence supports an answer",
            "normal",
        )
    else:
        return None
    return Escalation(reason, detail, priority, suggested_reply(reason, lang, product_id), evidence)
