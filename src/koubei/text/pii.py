"""Masking personal data (PII) in free text before it is stored for training or shown on screen.

Each kind is replaced by a placeholder (`<PHONE>`, `<EMAIL>`, `<ID>`, `<CARD>`, `<URL>`, `<ADDRESS>`, `<NAME>`,
`<ACCOUNT>` for WeChat ids and QQ numbers), which the tokenizer keeps as one token. This is the one masker: ingest
masks every text field with it and the support store masks every stored turn with it; masking masked text changes
nothing.

Patterns favour precision on what e-commerce text is full of: prices, order numbers, dates and model numbers must
survive. So numbers are masked when their structure says so (Chinese IDs need a province code, a birth date and the
GB 11643 checksum, bank cards the Luhn check and an issuer prefix, phones a valid mobile prefix or a national /
international layout) or when a cue right before them does (身份证 / 卡号 / QQ / 微信 / 电话 ...), and never after an
order / tracking / device cue (订单号, 快递单号, IMEI, SN, ...) or next to a currency sign or unit of money
(`koubei.text.pii_numbers`). Names are masked only after an explicit cue ("我叫", "收货人", "我是", "my name is",
"I'm", "Mr."), since a bare name cannot be told from a word without a named-entity model; word lists keep "服务客户周到",
"Dr Pepper" and "I'm Chinese" apart. An address cue followed by a question or an instruction ("收货地址为什么改不了")
is not an address. Matching runs on a same-length folded view (`koubei.text.pii_patterns.fold`), so text that was
not normalized (full-width digits, zero-width characters) masks the same and spans still point into the original.
"""

from __future__ import annotations

from dataclasses import dataclass

from koubei.text.pii_numbers import number_spans
from koubei.text.pii_patterns import (
    ADDRESS_LEAD,
    ADDRESS_WORD,
    CN_ADDRESS,
    CN_ADDRESS_CUE,
    CN_CUE_LATIN_NAME,
    CN_NAME_CUE,
    CN_NAME_WOSHI,
    EMAIL,
    EMAIL_OBFUSCATED,
    EN_ADDRESS,
    EN_NAME_CUE,
    EN_TITLE_NAME,
    HAS_CN_ADDRESS,
    HAS_CN_NAME_CUE,
    HAS_DIGIT_RUN,
    HAS_EN_ADDRESS,
    NOT_AN_ADDRESS_START,
    NOT_AN_ADDRESS_WORD,
    URL,
    WECHAT_ID,
    cn_name_ok,
    en_name_ok,
    fold,
    may_have_cn_address_cue,
    may_have_en_name,
    may_have_spelled_email,
    may_have_url,
    may_have_wechat,
    spelled_email_ok,
    url_has_secret,
    wechat_id_ok,
)

PLACEHOLDERS = {
    "phone": "<PHONE>",
    "email": "<EMAIL>",
    "id_number": "<ID>",
    "bank_card": "<CARD>",
    "url": "<URL>",
    "address": "<ADDRESS>",
    "name": "<NAME>",
    "wechat": "<ACCOUNT>",
    "qq": "<ACCOUNT>",
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


def _find_spans(text: str) -> list[PiiSpan]:
    """Every candidate span, highest priority first (URLs and e-mails before the numbers inside them, numbers before
    addresses, addresses before names); `_drop_overlaps` keeps the first of overlapping ones."""
    view = fold(text)
    found: list[PiiSpan] = []
    if may_have_url(view):
        for m in URL.finditer(view):
            if url_has_secret(m.group()):
                found.append(PiiSpan("url", m.start(), m.end()))
    if "@" in view:
        found += [PiiSpan("email", m.start(), m.end()) for m in EMAIL.finditer(view)]
    if may_have_spelled_email(view):
        for m in EMAIL_OBFUSCATED.finditer(view):
            if spelled_email_ok(m.group()):
                found.append(PiiSpan("email", m.start(), m.end()))
    if may_have_wechat(view):
        for m in WECHAT_ID.finditer(view):
            if m.group("wxid"):
                found.append(PiiSpan("wechat", m.start("wxid"), m.end("wxid")))
            elif wechat_id_ok(m.group("cue"), m.group("suffix") or "", m.group("sep"), m.group("id")):
                found.append(PiiSpan("wechat", m.start("id"), m.end("id")))
    if HAS_DIGIT_RUN.search(view):
        found += [PiiSpan(kind, start, end) for start, end, kind, _ in number_spans(view)]
    if HAS_CN_ADDRESS.search(view):
        for m in CN_ADDRESS.finditer(view):
            lead = ADDRESS_LEAD.match(m.group())
            found.append(PiiSpan("address", m.start() + (lead.end() if lead else 0), m.end()))
    if may_have_cn_address_cue(view):
        for m in CN_ADDRESS_CUE.finditer(view):
            value = m.group("value")
            if NOT_AN_ADDRESS_START.match(value) or NOT_AN_ADDRESS_WORD.search(value):
                continue
            if m.group("link") != "在" or ADDRESS_WORD.search(value):
                found.append(PiiSpan("address", m.start("value"), m.end("value")))
    if HAS_EN_ADDRESS.search(view):
        found += [PiiSpan("address", m.start(), m.end()) for m in EN_ADDRESS.finditer(view)]
    if HAS_CN_NAME_CUE.search(view):
        found += [PiiSpan("name", m.start(1), m.end(1)) for m in CN_CUE_LATIN_NAME.finditer(view)]
        for pattern in (CN_NAME_CUE, CN_NAME_WOSHI):
            found += [
                PiiSpan("name", m.start(1), m.end(1))
                for m in pattern.finditer(view)
                if cn_name_ok(m.group(1))
            ]
    if may_have_en_name(view):
        for pattern, after_title in ((EN_NAME_CUE, False), (EN_TITLE_NAME, True)):
            for m in pattern.finditer(view):
                if en_name_ok(m.group(1), after_title=after_title):
                    found.append(PiiSpan("name", m.start(1), m.end(1)))
    return found
    for m in URL.finditer(view):
        if url_has_secret(m.group()):
            found.append(PiiSpan("url", m.start(), m.end()))
    found += [PiiSpan("email", m.start(), m.end()) for m in EMAIL.finditer(view)]
    for m in EMAIL_OBFUSCATED.finditer(view):
        if spelled_email_ok(m.group()):
            found.append(PiiSpan("email", m.start(), m.end()))
    for m in WECHAT_ID.finditer(view):
        if m.group("wxid"):
            found.append(PiiSpan("wechat", m.start("wxid"), m.end("wxid")))
        elif wechat_id_ok(m.group("cue"), m.group("suffix") or "", m.group("sep"), m.group("id")):
            found.append(PiiSpan("wechat", m.start("id"), m.end("id")))
    found += [
        PiiSpan(kind, start, end) for start, end, kind, _ in sorted(number_spans(view), key=lambda c: c[3])
    ]
    for m in CN_ADDRESS.finditer(view):
        lead = ADDRESS_LEAD.match(m.group())
        found.append(PiiSpan("address", m.start() + (lead.end() if lead else 0), m.end()))
    for m in CN_ADDRESS_CUE.finditer(view):
        value = m.group("value")
        if NOT_AN_ADDRESS_START.match(value) or NOT_AN_ADDRESS_WORD.search(value):
            continue
        if m.group("link") != "在" or ADDRESS_WORD.search(value):
            found.append(PiiSpan("address", m.start("value"), m.end("value")))
    found += [PiiSpan("address", m.start(), m.end()) for m in EN_ADDRESS.finditer(view)]
    for pattern in (CN_NAME_CUE, CN_NAME_WOSHI):
        found += [
            PiiSpan("name", m.start(1), m.end(1)) for m in pattern.finditer(view) if cn_name_ok(m.group(1))
        ]
    for pattern, after_title in ((EN_NAME_CUE, False), (EN_TITLE_NAME, True)):
        for m in pattern.finditer(view):
            if en_name_ok(m.group(1), after_title=after_title):
                found.append(PiiSpan("name", m.start(1), m.end(1)))
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
