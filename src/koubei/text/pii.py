"""Masking personal data (PII) in free text before it is stored for training or shown on screen.

Each kind is replaced by a placeholder (`<PHONE>`, `<EMAIL>`, `<ID>`, `<CARD>`, `<URL>`, `<ADDRESS>`, `<NAME>`),
which the tokenizer keeps as one token. Patterns favour precision on what e-commerce text is full of: prices,
order numbers, dates and model numbers must survive. So numbers are only masked when their structure says so:
Chinese ID numbers must pass the GB 11643 checksum, bank cards the Luhn check and a card prefix, mobile numbers
need a valid 1[3-9] prefix, and numbers next to a currency sign, a unit of money, or an order/tracking label are
left alone. Names are masked only after an explicit cue ("我叫", "收货人", "my name is"), since a bare name cannot be
told from a word without a named-entity model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PLACEHOLDERS = {
    "phone": "<PHONE>",
    "email": "<EMAIL>",
    "id_number": "<ID>",
    "bank_card": "<CARD>",
    "url": "<URL>",
    "address": "<ADDRESS>",
    "name": "<NAME>",
}


@dataclass(frozen=True)
class PiiSpan:
    """Where a piece of personal data was found in the original text (the value itself is not kept)."""

    kind: str
    start: int
    end: int


@dataclass(frozen=True)
class MaskResult:
    text: str
    spans: tuple[PiiSpan, ...]


_NO_DIGIT_BEFORE = r"(?<![\d¥￥$€£.,])"
_NO_DIGIT_AFTER = r"(?![\d.]*\s*(?:元|块|圆|角|万|rmb|RMB|yuan|USD|usd|dollars?|%|％))(?!\d)"
_ORDER_CONTEXT = re.compile(
    r"(订单|单号|运单|快递|物流|编号|型号|批号|order|tracking|invoice|sku|model|no\.)[^\n]{0,6}$", re.IGNORECASE
)

_URL = re.compile(r"https?://[^\s<>\"'，。）)]+", re.IGNORECASE)
_URL_SECRET = re.compile(
    r"[?&#](?:access_?token|token|key|api_?key|sig|signature|auth|session|sid|password|pwd|passwd|secret|code|"
    r"ticket|uid|userid|user_id|phone|mobile|email)=",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])")
_CN_ID = re.compile(
    r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[0-9Xx](?![0-9A-Za-z])"
)
_CARD = re.compile(_NO_DIGIT_BEFORE + r"[3-6]\d{3}(?:[ -]?\d{2,4}){3,4}" + _NO_DIGIT_AFTER)
_CN_MOBILE = re.compile(_NO_DIGIT_BEFORE + r"(?:(?:\+|00)?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}" + _NO_DIGIT_AFTER)
_CN_LANDLINE = re.compile(_NO_DIGIT_BEFORE + r"(?:\(0\d{2,3}\)|0\d{2,3}-)[ ]?\d{7,8}(?:-\d{1,5})?" + _NO_DIGIT_AFTER)
_INTL_PHONE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[ -]?)?(?:\(\d{3}\)[ -]?|\d{3}[-. ])\d{3}[-. ]\d{4}(?!\d)"
)
_CN_ADDRESS = re.compile(
    r"(?:[\u4e00-\u9fa5]{2,7}?(?:省|自治区|市|区|县|镇|乡|街道)){1,4}"
    r"[\u4e00-\u9fa5\dA-Za-z]{0,12}?(?:路|街|道|巷|弄|胡同|大道|村)\d+(?:号|弄)"
    r"(?:[\u4e00-\u9fa5\dA-Za-z-]{0,10}?(?:栋|幢|座|楼|单元|室|号))*"
)
# Verbs that the lazy address pattern would otherwise swallow ("送到上海市..." masks from 上海).
_ADDRESS_LEAD = re.compile(r"^(?:送到|寄到|发到|住在|送至|寄至|发往|寄往|位于|地址|在|到)")
_CN_ADDRESS_CUE = re.compile(r"(?:收货地址|家庭住址|送货地址|住址|地址)\s*[:：是为在]\s*([^\s，。,;；！!？?]{4,40})")
_EN_ADDRESS = re.compile(
    r"\b\d{1,5}\s+(?:[A-Z][a-z]+\s+){1,3}(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|"
    r"Way|Place|Pl|Terrace)\b\.?(?:,?\s*(?:Apt|Suite|Unit)\.?\s*#?\w+)?"
)
_CN_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范"
    "金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
_CN_NAME_CUE = re.compile(
    r"(?:(?:姓名|联系人|收货人|收件人|签收人|客户)\s*[:：]?\s*|我叫|本人叫)"
    r"([" + _CN_SURNAMES + r"][\u4e00-\u9fa5]{1,2}?)(?=[\s，。,.!！?？;；:：、（(]|先生|女士|小姐|$|[0-9])"
)
_EN_NAME_CUE = re.compile(
    r"(?:\b[Mm]y name is|\b[Nn]ame\s*:|\b(?:Mr|Mrs|Ms|Miss|Dr)\.?)\s+([A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)"
)


def _id_checksum_ok(number: str) -> bool:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(number[:17], weights, strict=True))
    return "10X98765432"[total % 11] == number[17].upper()


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _after_order_label(text: str, start: int) -> bool:
    return bool(_ORDER_CONTEXT.search(text[max(0, start - 16) : start]))


# Every pattern above needs a digit, an '@' or a cue word; most reviews have none, and skipping them keeps ingest fast.
_ANY_TRIGGER = re.compile(
    r"\d|@|我叫|本人叫|姓名|联系人|收货人|收件人|签收人|客户|地址|住址|[Nn]ame|\b(?:Mr|Mrs|Ms|Miss|Dr)\b"
)


def _find_spans(text: str) -> list[PiiSpan]:
    found: list[PiiSpan] = []
    if not _ANY_TRIGGER.search(text):
        return found
    for m in _URL.finditer(text):
        if _URL_SECRET.search(m.group()):
            found.append(PiiSpan("url", m.start(), m.end()))
    found += [PiiSpan("email", m.start(), m.end()) for m in _EMAIL.finditer(text)]
    for m in _CN_ID.finditer(text):
        if _id_checksum_ok(m.group()):
            found.append(PiiSpan("id_number", m.start(), m.end()))
    for m in _CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if 15 <= len(digits) <= 19 and _luhn_ok(digits) and not _after_order_label(text, m.start()):
            found.append(PiiSpan("bank_card", m.start(), m.end()))
    for pattern in (_CN_MOBILE, _CN_LANDLINE, _INTL_PHONE):
        for m in pattern.finditer(text):
            if not _after_order_label(text, m.start()):
                found.append(PiiSpan("phone", m.start(), m.end()))
    for m in _CN_ADDRESS.finditer(text):
        lead = _ADDRESS_LEAD.match(m.group())
        found.append(PiiSpan("address", m.start() + (lead.end() if lead else 0), m.end()))
    for m in _CN_ADDRESS_CUE.finditer(text):
        found.append(PiiSpan("address", m.start(1), m.end(1)))
    found += [PiiSpan("address", m.start(), m.end()) for m in _EN_ADDRESS.finditer(text)]
    for pattern in (_CN_NAME_CUE, _EN_NAME_CUE):
        found += [PiiSpan("name", m.start(1), m.end(1)) for m in pattern.finditer(text)]
    return found


def _drop_overlaps(spans: list[PiiSpan]) -> list[PiiSpan]:
    """Keep the earliest-found (highest-priority) span where spans overlap; `_find_spans` lists by priority."""
    kept: list[PiiSpan] = []
    for span in spans:
        if all(span.end <= k.start or span.start >= k.end for k in kept):
            kept.append(span)
    return sorted(kept, key=lambda s: s.start)


def mask_pii(text: str) -> MaskResult:
    """Replace personal data in `text` with placeholders; return the masked text and where each piece was."""
    if not text:
        return MaskResult(text, ())
    spans = _drop_overlaps(_find_spans(text))
    if not spans:
        return MaskResult(text, ())
    pieces: list[str] = []
    cursor = 0
    for span in spans:
        pieces.append(text[cursor : span.start])
        pieces.append(PLACEHOLDERS[span.kind])
        cursor = span.end
    pieces.append(text[cursor:])
    return MaskResult("".join(pieces), tuple(spans))
