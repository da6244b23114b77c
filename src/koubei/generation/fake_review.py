"""Refusal of fake reviews: requests to write customer reviews or testimonials, and copy that poses as a buyer.

koubei never writes text that poses as a customer's review (DESIGN.md's first product decision): it is illegal
(《电子商务法》第十七条 and 《反不正当竞争法》第八条 forbid 编造用户评价 and 虚假交易; the FTC's 2024 rule on consumer
reviews and testimonials, 16 CFR Part 465, bans fake reviews) and against every platform's rules. Where marketing
wants "user voice" it gets a summary of real reviews with their ids (`koubei.generation.summarize`).

Two checks, by patterns (a request is short and formulaic; a model would need labelled requests we do not have):
- `detect_request`: a request to write reviews ("写10条五星好评", "帮我写几条买家评价", "刷好评", "write 5 customer
  reviews", "fake testimonials", "以买家的口吻写") -> `refuse()` raises `FakeReviewRequest` (a `BadInputError`: the
  CLI exits 2, the API answers 422) with the refusal and the offer to summarise real reviews. Requests that mention
  reviews for an honest purpose (reply to a review, summarise or quote reviews, ask customers for reviews) pass;
- `poses_as_customer`: generated copy written in a buyer's voice ("我给老婆买了一件", "I bought this for my wife")
  is flagged `fake_review` by the guard.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from koubei.errors import BadInputError
from koubei.generation.flags import Flag, has_cjk

_ZH_WRITE = r"(?:帮我写|帮忙写|代写|撰写|编写|写|编|造|生成|来|弄|整|搞|拟|伪造|虚构|做)"
_ZH_NOUN = (
    r"(?:五星好评|5星好评|好评|差评|买家评价|用户评价|顾客评价|客户评价|评价|评论|买家秀|晒单|追评|使用心得|使用体验|"
    r"用户反馈|客户反馈|顾客反馈|推荐语|用户证言|证言|买家留言|试用报告)"
)
_ZH_REQUEST = re.compile(_ZH_WRITE + r"[^，。！？；,.!?;\n]{0,12}?" + _ZH_NOUN)
_ZH_ALWAYS = re.compile(
    r"刷(?:好评|单|评论|五星|销量|评分|信誉)|水军|控评|买好评|好评返现|"
    r"(?:以|用)(?:顾客|买家|消费者|用户|客户)的?(?:口吻|身份|语气|视角)|冒充(?:顾客|买家|消费者|用户)|假装(?:是|成)?(?:顾客|买家|消费者|用户)"
)
_EN_REQUEST = re.compile(
    r"\b(?:write|generate|create|make|produce|draft|compose|give me|come up with|invent|fabricate|craft|post|need|want)\b"
    r"[^.!?;\n]{0,40}?\b(?:reviews?|testimonials?|ratings?|endorsements?)\b",
    re.IGNORECASE,
)
_EN_ALWAYS = re.compile(
    r"\bfake\s+(?:\w+\s+)?(?:reviews?|testimonials?|ratings?|endorsements?)\b|\bastroturf\w*|\bsock\s?puppet\w*|"
    r"\b(?:pose|posing)\s+as\s+(?:a\s+)?(?:customer|buyer|user)s?\b|\bpretend(?:ing)?\s+to\s+be\s+(?:a\s+)?(?:customer|buyer)s?\b|"
    r"\bin\s+the\s+voice\s+of\s+(?:a\s+)?(?:customer|buyer)s?\b",
    re.IGNORECASE,
)
# Honest purposes that mention reviews: answering, summarising, quoting or asking customers for them.
_HONEST = re.compile(
    r"回复|回应|答复|回评|总结|汇总|归纳|分析|摘要|提炼|引用|统计|邀请|邀评|"
    r"\b(?:repl(?:y|ies)|respond|response|answer|summar\w*|analy[sz]\w*|quote|quoting|cite|show|display|collect|"
    r"request|ask(?:s|ing|ed)?|invite|invitation|encourage|widget|page|monitor)\b",
    re.IGNORECASE,
)
_ZH_POSE = re.compile(
    r"我(?:已经|刚|终于|前几天|上周)?(?:买了|入手了?|收到了?|下单了?|回购了?|用了|穿了|"
    r"给(?:我)?(?:老公|老婆|孩子|女儿|儿子|妈妈|爸爸|女朋友|男朋友|家人)买)"
)
_EN_POSE = re.compile(
    r"\bI\s+(?:just\s+)?(?:bought|purchased|ordered|received)\s+(?:this|these|it|one|two|a\s+pair)\b|"
    r"\bI(?:'ve|\s+have)\s+been\s+using\s+(?:this|these|it)\b|"
    r"\bmy\s+(?:wife|husband|kids?|son|daughter|mom|dad|mother|father|girlfriend|boyfriend)\s+loves?\s+(?:it|this|these|them)\b",
    re.IGNORECASE,
)
REFUSAL_ZH = (
    "不能代写顾客评价或推荐语：冒充顾客的评价属于虚构评价（《电子商务法》第十七条、《反不正当竞争法》第八条禁止编造用户评价），"
    "也违反平台规则。可以改为：用真实评价生成摘要（koubei copy summarize --product 商品ID），"
    "或在文案中引用真实评价并注明评价编号。"
)
REFUSAL_EN = (
    "I can't write customer reviews or testimonials: reviews that pose as customers are fake reviews (banned by "
    "the FTC rule on consumer reviews and testimonials, 16 CFR Part 465, and by platform rules). I can "
    "summarise your real reviews instead, with the id of every review each line quotes: "
    "koubei copy summarize --product ID."
)


class FakeReviewRequest(BadInputError):
    """A request to write customer reviews or testimonials: refused (exit 2, HTTP 422), with what to do instead."""

    def __init__(self, message: str, span: str = "", lang: str = "zh") -> None:
        super().__init__(message)
        self.span = span
        self.lang = lang


@dataclass(frozen=True)
class RequestMatch:
    """Where a text asks for fake reviews, and in which language to answer."""

    start: int
    end: int
    span: str
    lang: str


def refusal_message(lang: str = "zh") -> str:
    """The refusal with the offer to summarise real reviews, in Chinese (zh) or English (anything else)."""
    return REFUSAL_ZH if lang == "zh" else REFUSAL_EN


def detect_request(text: str) -> RequestMatch | None:
    """The first place `text` asks for reviews or testimonials to be written, or None for an ordinary request."""
    lang = "zh" if has_cjk(text) else "en"
    for pattern in (_ZH_ALWAYS, _EN_ALWAYS):
        m = pattern.search(text)
        if m:
            return RequestMatch(m.start(), m.end(), m.group(), lang)
    for pattern in (_ZH_REQUEST, _EN_REQUEST):
        for m in pattern.finditer(text):
            # "写一条对差评的回复" / "write a reply to this review": the honest purpose sits in or right after the match.
            if not _HONEST.search(text, m.start(), min(len(text), m.end() + 6)):
                return RequestMatch(m.start(), m.end(), m.group(), lang)
    return None


def refuse(text: str) -> None:
    """Raise `FakeReviewRequest` when `text` asks for fake reviews; return quietly otherwise."""
    match = detect_request(text)
    if match is not None:
        raise FakeReviewRequest(refusal_message(match.lang), match.span, match.lang)


def poses_as_customer(text: str) -> list[Flag]:
    """`fake_review` flags where copy speaks as a buyer who bought or used the product."""
    out = []
    for pattern in (_ZH_POSE, _EN_POSE):
        for m in pattern.finditer(text):
            zh = has_cjk(m.group())
            rule = (
                "以买家口吻描述购买或使用经历，会被视为编造用户评价（《电子商务法》第十七条）"
                if zh
                else "written as a buyer's own purchase or use: reads as a fake review (FTC 16 CFR Part 465)"
            )
            tip = (
                "改用商家口吻，或引用真实评价并注明评价编号"
                if zh
                else "write in the brand's voice, or quote a real review with its id"
            )
            out.append(Flag("fake_review", m.start(), m.end(), m.group(), rule, tip))
    return sorted(out, key=lambda f: f.start)


def fake_review_flags(text: str) -> list[Flag]:
    """The guard's `fake_review` flags: a request for fake reviews, and copy that poses as a customer."""
    flags = poses_as_customer(text)
    match = detect_request(text)
    if match is not None:
        rule = (
            "请求代写顾客评价或推荐语：编造用户评价违反《电子商务法》第十七条、《反不正当竞争法》第八条"
            if match.lang == "zh"
            else "asks for customer reviews or testimonials to be written: fake reviews (FTC 16 CFR Part 465)"
        )
        flags.append(
            Flag("fake_review", match.start, match.end, match.span, rule, refusal_message(match.lang))
        )
    return sorted(flags, key=lambda f: f.start)
