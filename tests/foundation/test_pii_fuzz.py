"""Property tests of the PII masker (hypothesis, bounded: a few seconds in all).

They would have caught the classes of bugs found in review: an e-mail / phone / ID written right against a Chinese
character (or any other script) must come out masked; a number split by spaces, dots or soft hyphens likewise; and
prices, dates and numbers after an order / tracking / device cue must come out unchanged. On arbitrary text the
masker never raises, spans are sorted, disjoint and inside the text, and the masked text is rebuilt from them.
"""

from __future__ import annotations

import datetime
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from koubei.text import mask_pii, normalize_text
from koubei.text.pii import PLACEHOLDERS

_FAST = settings(max_examples=150, deadline=None)

# Surrounding text in many scripts, none of it personal data and none of it a cue word or a digit.
_FILLERS = (
    "质量很好",
    "物流很快",
    "包装不错",
    "性价比高",
    "颜色好看",
    "下次再来",
    "还行吧",
    "一般般",
    "非常满意",
    "有点小",
    "偏大",
    "发货慢",
    "客服态度好",
    "东西收到了",
    "謝謝",
    "很滿意",
    "とても良い",
    "ありがとう",
    "좋아요",
    "배송 빨라요",
    "хорошо",
    "спасибо",
    "très bien",
    "great",
    "fast shipping",
    "love it",
    "runs small",
    "👍",
    "😊",
    "👨\u200d👩\u200d👧\u200d👦",
    "，",
    "。",
    "！",
    "？",
    "：",
    "、",
    "~",
    "…",
    "（",
    "）",
    "【",
    "】",
    " ",
    "\n",
    ",",
    "!",
    "?",
    ";",
)
_GLUE = ("", " ", "，", "：", "\u3000")


def _surrounding() -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(_FILLERS), max_size=4).map("".join)


def _framed(pii: st.SearchStrategy[str]) -> st.SearchStrategy[tuple[str, str, str]]:
    """(before, pii, after) where the PII touches the surrounding script directly or through a separator."""
    before = st.tuples(_surrounding(), st.sampled_from(_GLUE)).map("".join)
    after = st.tuples(st.sampled_from(_GLUE), _surrounding()).map("".join)
    return st.tuples(before, pii, after)


def _join_digits(digits: str, groups: tuple[int, ...], sep: str) -> str:
    out, i = [], 0
    for n in groups:
        out.append(digits[i : i + n])
        i += n
    if i < len(digits):
        out.append(digits[i:])
    return sep.join(out)


def _digits(n: int) -> st.SearchStrategy[str]:
    return st.text(alphabet="0123456789", min_size=n, max_size=n)


_SEPARATORS = st.sampled_from(["", " ", "-", ".", "\u00ad", " - "])

_emails = st.builds(
    lambda local, domain, tld: f"{local}@{domain}.{tld}",
    st.tuples(
        st.sampled_from("abcxyz019"), st.text(alphabet="abcdz0189._+-", max_size=8), st.sampled_from("az09")
    ).map("".join),
    st.sampled_from(["163", "qq", "gmail", "sina.com", "example", "mail-box", "126"]),
    st.sampled_from(["com", "cn", "net", "com.cn", "org", "co.uk"]),
)


@st.composite
def _mobiles(draw: st.DrawFn) -> str:
    digits = "1" + draw(st.sampled_from("3456789")) + draw(_digits(9))
    layout = draw(st.sampled_from([(3, 4, 4), (3, 8), (7, 4), (1,) * 11, (11,)]))
    return _join_digits(digits, layout, draw(_SEPARATORS))


_PROVINCES = ["11", "31", "32", "37", "44", "51", "61", "65"]
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


@st.composite
def _ids(draw: st.DrawFn) -> str:
    born = draw(st.dates(min_value=datetime.date(1940, 1, 1), max_value=datetime.date(2010, 12, 31)))
    body = draw(st.sampled_from(_PROVINCES)) + draw(_digits(4))
    body += born.strftime("%Y%m%d") + draw(_digits(3))
    number = body + "10X98765432"[sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11]
    layout = draw(st.sampled_from([(18,), (6, 8, 4), (6, 4, 4, 4), (4, 4, 4, 4, 2)]))
    return _join_digits(number, layout, draw(st.sampled_from(["", " ", "-", "."])))


def _no_pii_left(masked: str, pii: str) -> bool:
    if "@" in pii:
        return pii not in masked and "@" not in masked
    return not re.search(r"\d", masked)  # the surroundings have no digits, so any digit left is the PII's


@_FAST
@given(_framed(st.one_of(_emails, _mobiles(), _ids())))
def test_pii_in_any_surrounding_script_is_masked(parts: tuple[str, str, str]) -> None:
    before, pii, after = parts
    text = normalize_text(before + pii + after)
    result = mask_pii(text)
    assert _no_pii_left(result.text, pii), (text, result.text)
    assert any(p in result.text for p in PLACEHOLDERS.values())
    assert mask_pii(result.text).text == result.text


@_FAST
@given(st.lists(_framed(st.one_of(_emails, _mobiles(), _ids())), min_size=2, max_size=4))
def test_several_pii_in_one_text_are_all_masked(pieces: list[tuple[str, str, str]]) -> None:
    text = normalize_text("".join(b + p + a + "。" for b, p, a in pieces))
    masked = mask_pii(text).text
    assert not re.search(r"\d|@", masked), (text, masked)


_amounts = st.builds(
    lambda lead, rest, cents: lead + rest + cents,
    st.sampled_from("123456789"),
    st.text(alphabet="0123456789", max_size=11),
    st.sampled_from(["", ".00", ".99", ".5"]),
)
_prices = st.one_of(
    st.builds(lambda cur, n: f"{cur}{n}", st.sampled_from(["¥", "￥", "$", "€", "£", "RMB "]), _amounts),
    st.builds(
        lambda n, unit: f"{n}{unit}",
        _amounts,
        st.sampled_from(["元", "块", " 元", "%", "万", " yuan", " USD"]),
    ),
)
_dates = st.builds(
    lambda d, fmt, time: d.strftime(fmt) + time,
    st.dates(min_value=datetime.date(1990, 1, 1), max_value=datetime.date(2030, 12, 31)),
    st.sampled_from(["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d", "%m月%d日"]),
    st.sampled_from(["", " 13:45", " 09:05:59"]),
)
_ORDER_CUES = [
    "订单号",
    "订单号：",
    "订单编号 ",
    "快递单号",
    "运单号：",
    "物流单号 ",
    "IMEI：",
    "IMEI ",
    "SN: ",
    "S/N ",
    "序列号",
    "串号 ",
    "order #",
    "order number: ",
    "tracking number ",
    "型号 ",
    "发票号 ",
    "顺丰 ",
]
# Any digits at all after the cue, including ones that are valid phones, IDs (checksum) or cards (Luhn).
_order_numbers = st.builds(
    lambda cue, number: cue + number,
    st.sampled_from(_ORDER_CUES),
    st.one_of(
        st.builds(
            str.__add__, st.sampled_from("123456789"), st.text(alphabet="0123456789", min_size=9, max_size=19)
        ),
        _mobiles().map(lambda m: m.replace("\u00ad", "")),
        _ids(),
    ),
)


@_FAST
@given(
    st.lists(st.tuples(_surrounding(), st.one_of(_prices, _dates, _order_numbers)), min_size=1, max_size=3)
)
def test_prices_dates_and_order_numbers_are_left_alone(pieces: list[tuple[str, str]]) -> None:
    # An English cue word is written after a space, as English is ("great order #..."; "great" + "order" glued is
    # "greatorder", not a cue); Chinese cues and IMEI / SN touch whatever comes before them.
    text = normalize_text(
        "".join(f"{filler}{' ' if item[:1].islower() else ''}{item}。" for filler, item in pieces)
    )
    result = mask_pii(text)
    assert result.text == text, [(s.kind, text[s.start : s.end]) for s in result.spans]


@_FAST
@given(st.lists(st.sampled_from(_FILLERS), max_size=12).map("".join))
def test_plain_text_is_left_alone(text: str) -> None:
    assert mask_pii(text).text == text


@settings(max_examples=300, deadline=None)
@given(
    st.text(max_size=200)
    | st.text(alphabet="0123456789 -.+()@#xX\u00ad:：号码电话微信QQ订单身份证我是abc", max_size=80)
)
def test_never_raises_and_spans_are_consistent(text: str) -> None:
    result = mask_pii(text)
    cursor, rebuilt = 0, []
    for span in result.spans:
        assert cursor <= span.start < span.end <= len(text)
        rebuilt += [text[cursor : span.start], PLACEHOLDERS[span.kind]]
        cursor = span.end
    assert "".join([*rebuilt, text[cursor:]]) == result.text
