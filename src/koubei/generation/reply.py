"""Merchant reply drafts to reviews: address every aspect the review complains about, thank or apologise as fits,
promise only what the policy allows, never echo personal data, and not the same canned text for every review.

How: aspect sentiment of the (PII-masked) review comes from `koubei.analysis.aspects.rules`; each complained-about
aspect gets an acknowledgement chosen from several per-aspect variants, each praised aspect a thank-you, then one
remedy sentence the policy allows (refund / replacement / compensation only when `ReplyPolicy` says so; otherwise
an offer to look into it through the support channel). Variants are picked by a seeded hash of the review id (or
text), so two reviews rarely get the same words while the same review always gets the same draft. The review text
itself is never quoted: the reply names aspects, not what the customer wrote, so no phone, address or name can
leak; the draft still goes through the guard (`pii`, `ad_law`) before it is returned.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from typing import Any

from koubei.errors import BadInputError
from koubei.generation.flags import has_cjk
from koubei.results import Result

MAX_REVIEW_CHARS = 5000

_ZH_ACK: dict[str, tuple[str, ...]] = {
    "quality": (
        "商品质量没有达到您的期待，我们很抱歉",
        "关于您反馈的质量问题，我们已记录并转给品控同事核查",
        "质量问题让您失望了，真的很抱歉",
    ),
    "price": (
        "您对价格的意见我们收到了",
        "关于性价比的反馈，我们会认真考虑",
        "价格方面让您觉得不划算，我们会反思",
    ),
    "logistics": (
        "物流让您久等了，非常抱歉",
        "配送速度没有让您满意，我们会和快递方沟通改进",
        "关于发货和物流的问题，我们很抱歉给您添了麻烦",
    ),
    "service": (
        "客服的回应没有让您满意，我们向您道歉",
        "关于服务体验的问题，我们已反馈给服务团队",
        "服务没有做到位，非常抱歉",
    ),
    "packaging": (
        "包装没能保护好商品，我们很抱歉",
        "关于包装的问题，我们会改进打包方式",
        "包装让您不满意，我们已记下来",
    ),
    "appearance": (
        "外观与您的期待有差距，我们很抱歉",
        "关于外观的反馈，我们会转给设计同事",
        "实物外观让您失望了，抱歉",
    ),
    "size_fit": (
        "尺码不合适给您带来了不便，很抱歉",
        "关于尺码的反馈，我们会核对尺码表并标注得更清楚",
        "尺码问题让您费心了，抱歉",
    ),
    "function": (
        "功能上的问题给您添了麻烦，很抱歉",
        "关于功能的反馈，我们已转给技术同事排查",
        "使用中遇到的问题，我们会认真核查",
    ),
    "taste_freshness": (
        "口味或新鲜度没有让您满意，我们很抱歉",
        "关于新鲜度的反馈，我们会检查储运环节",
        "口味不合您的期待，抱歉",
    ),
}
_EN_ACK: dict[str, tuple[str, ...]] = {
    "quality": (
        "We're sorry the quality fell short of what you expected",
        "We've passed your note on quality to our quality team",
        "We're sorry the product's quality disappointed you",
    ),
    "price": (
        "Thank you for your feedback on the price",
        "We hear you on value for money and will take it into account",
        "We're sorry the price didn't feel fair to you",
    ),
    "logistics": (
        "We're sorry the delivery took so long",
        "We're following up with our carrier about the delivery",
        "We apologise for the trouble with shipping",
    ),
    "service": (
        "We apologise that our service let you down",
        "We've shared your experience with our support team",
        "We're sorry our team didn't help you as it should have",
    ),
    "packaging": (
        "We're sorry the packaging didn't protect your order",
        "We'll review how we pack orders like yours",
        "Thank you for telling us about the packaging",
    ),
    "appearance": (
        "We're sorry it didn't look the way you expected",
        "We've passed your comments on the look to our design team",
        "Thank you for your honest feedback on the appearance",
    ),
    "size_fit": (
        "We're sorry the size didn't work for you",
        "We'll check our size chart and make it clearer",
        "Thank you for letting us know about the fit",
    ),
    "function": (
        "We're sorry it didn't work as it should",
        "We've asked our technical team to look into the issue",
        "Thank you for reporting the problem",
    ),
    "taste_freshness": (
        "We're sorry it wasn't as fresh as it should be",
        "We're checking our storage and shipping for freshness",
        "We're sorry the taste disappointed you",
    ),
}
_ZH_GENERIC_ACK = ("您遇到的问题我们已经记录下来", "给您带来不好的体验，我们很抱歉")
_EN_GENERIC_ACK = ("We've noted the problem you ran into", "We're sorry for the poor experience")
_ZH_UNHAPPY = ("商品没有达到您的期待，我们很抱歉", "很抱歉这次购物让您不满意")
_EN_UNHAPPY = (
    "We're sorry the product did not live up to your expectations",
    "We're sorry this purchase disappointed you",
)
UNHAPPY_RATING = 2  # stars at or below which a review is a complaint whatever its aspects say
_ZH_THANKS = ("感谢您对{a}的认可", "很高兴您喜欢我们的{a}", "谢谢您肯定{a}")
_EN_THANKS = (
    "Thank you for your kind words about the {a}",
    "We're glad you liked the {a}",
    "Thanks for appreciating the {a}",
)
_ZH_OPEN = ("亲爱的顾客，您好！", "您好，感谢您的评价。", "感谢您抽空留下评价！")
_EN_OPEN = (
    "Dear customer,",
    "Hello, and thank you for your review.",
    "Thank you for taking the time to review us.",
)
_ZH_CLOSE = ("期待再次为您服务。", "祝您生活愉快！", "再次感谢您的反馈。")
_EN_CLOSE = ("We hope to serve you again.", "Thank you again for your feedback.", "Wishing you a good day.")
# Words that promise money or goods back: allowed only when the policy allows that remedy.
PROMISE_TERMS = {
    "refund": ("退款", "退货退款", "refund"),
    "replacement": ("换货", "补发", "replacement", "replace"),
    "compensation": ("赔偿", "补偿", "优惠券", "免单", "compensat", "coupon", "voucher"),
}


@dataclass(frozen=True)
class ReplyPolicy:
    """What a reply may offer. Default: nothing beyond looking into it through the support channel."""

    allow_refund: bool = False
    allow_replacement: bool = False
    allow_compensation: bool = False
    channel_zh: str = "店铺客服"
    channel_en: str = "our customer service"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReplyPolicy:
        known = {"allow_refund", "allow_replacement", "allow_compensation", "channel_zh", "channel_en"}
        unknown = set(data) - known
        if unknown:
            raise BadInputError(f"reply policy: unknown keys {sorted(unknown)}; known: {sorted(known)}")
        return cls(**data)

    def allowed(self) -> set[str]:
        return {
            k
            for k, ok in (
                ("refund", self.allow_refund),
                ("replacement", self.allow_replacement),
                ("compensation", self.allow_compensation),
            )
            if ok
        }


@dataclass
class ReplyDraft(Result):
    text: str
    lang: str
    complaints: list[str]
    praised: list[str]
    remedy: str
    passed: bool
    flags: list[dict[str, Any]] = field(default_factory=list)
    label: dict[str, Any] = field(default_factory=dict)


def _remedy(policy: ReplyPolicy, zh: bool) -> tuple[str, str]:
    allowed = policy.allowed()
    if zh:
        if allowed:
            names = {"refund": "退款", "replacement": "换货", "compensation": "补偿"}
            offer = "或".join(names[k] for k in ("refund", "replacement", "compensation") if k in allowed)
            return f"请联系{policy.channel_zh}，符合条件的订单可按规则办理{offer}。", "policy:" + "+".join(
                sorted(allowed)
            )
        return f"请通过{policy.channel_zh}联系我们，我们会尽快核实并跟进处理。", "follow-up"
    if allowed:
        names = {"refund": "a refund", "replacement": "a replacement", "compensation": "compensation"}
        offer = " or ".join(names[k] for k in ("refund", "replacement", "compensation") if k in allowed)
        return (
            f"Please contact {policy.channel_en}; eligible orders can receive {offer} under our policy.",
            "policy:" + "+".join(sorted(allowed)),
        )
    return f"Please reach out to {policy.channel_en} so we can look into it and follow up.", "follow-up"


def draft_reply(
    text: str,
    review_id: str | None = None,
    policy: ReplyPolicy | None = None,
    seed: int = 0,
    extractor: Any = None,
    guard: Any = None,
    rating: int | None = None,
) -> ReplyDraft:
    """A reply draft for one review's (masked) text; see the module docstring.

    `rating` (1-5 stars, when known): a 1-2 star review is an unhappy customer whatever the aspect rules read, so
    its reply thanks for nothing (a "praised" price in "the cables feel really cheap" is a misreading, and thanks
    would be tone-deaf) and apologises even when no complained-about aspect was found."""
    from koubei.analysis.aspects.rules import AspectExtractor, summarize_mentions
    from koubei.analysis.labels import NEGATIVE, POSITIVE
    from koubei.generation.guard import Guard
    from koubei.text.pii import mask_pii

    if not isinstance(text, str) or not text.strip():
        raise BadInputError("review text: empty; give the review to reply to")
    if len(text) > MAX_REVIEW_CHARS:
        raise BadInputError(f"review text: {len(text):,} characters, at most {MAX_REVIEW_CHARS:,}")
    if rating is not None and (
        isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5
    ):
        raise BadInputError(f"rating: {rating!r}; expected a whole number of stars from 1 to 5")
    unhappy = rating is not None and rating <= UNHAPPY_RATING
    policy = policy or ReplyPolicy()
    masked = mask_pii(text).text
    zh = has_cjk(masked)
    extractor = extractor or AspectExtractor()
    per_aspect = summarize_mentions(extractor.extract(masked))
    complaints = [a for a, s in per_aspect.items() if s == NEGATIVE]
    praised = [a for a, s in per_aspect.items() if s == POSITIVE] if not unhappy else []
    key = f"{seed}:{review_id or masked}".encode()
    rng = random.Random(int.from_bytes(hashlib.sha256(key).digest()[:8], "big"))
    labels = extractor.taxonomy.labels
    pieces = [rng.choice(_ZH_OPEN if zh else _EN_OPEN)]
    for a in praised[:2]:
        label = str(labels.get(a, a)).split("/")[0] if zh else a.replace("_", " ")
        pieces.append(rng.choice(_ZH_THANKS if zh else _EN_THANKS).format(a=label) + ("。" if zh else "."))
    acks = _ZH_ACK if zh else _EN_ACK
    for a in complaints:
        variants = acks.get(a, _ZH_GENERIC_ACK if zh else _EN_GENERIC_ACK)
        pieces.append(rng.choice(variants) + ("。" if zh else "."))
    if unhappy and not complaints:  # unhappy, but no aspect the rules recognise: apologise in general
        pieces.append(rng.choice(_ZH_UNHAPPY if zh else _EN_UNHAPPY) + ("。" if zh else "."))
    remedy_text, remedy = ("", "none")
    if complaints or unhappy:
        remedy_text, remedy = _remedy(policy, zh)
        pieces.append(remedy_text)
    elif not praised:
        pieces.append("您的意见对我们很重要。" if zh else "Your feedback matters to us.")
    pieces.append(rng.choice(_ZH_CLOSE if zh else _EN_CLOSE))
    reply = "".join(pieces) if zh else " ".join(pieces)
    forbidden = [
        t
        for k, terms in PROMISE_TERMS.items()
        if k not in policy.allowed()
        for t in terms
        if t in reply.lower()
    ]
    if forbidden:  # a template change that slipped a promise in: never return it
        raise AssertionError(f"reply template promises {forbidden} outside the policy")
    guard = guard or Guard()
    result = guard.check(reply)
    labeled = guard.label(reply)
    return ReplyDraft(
        labeled.text,
        "zh" if zh else "en",
        complaints,
        praised,
        remedy,
        result.passed,
        [f.to_dict() for f in result.flags],
        labeled.label,
    )
