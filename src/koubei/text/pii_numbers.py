"""Numbers that are personal data: phones, Chinese IDs, payment cards, QQ / WeChat numbers (used by `koubei.text.pii`).

A *run* is a stretch of digit groups joined by one separator each (a space, '-', '.', a soft hyphen, a bracket), the
way people write numbers: `138 1234 5678`, `0755-8888 8888`, `110105 19491231 002X`, `(555) 123-4567`,
`1 3 8 1 2 3 4 5 6 7 8`. Every contiguous sequence of whole groups in a run is tried against the structures below,
so a phone written after a date (`2023-11-28 13812345678`) is still found, while digits are never cut mid-group
(a 13-digit timestamp is not a phone). Context decides before structure: a run right after an order / tracking /
device cue (订单号, 快递单号, IMEI, SN, ...) is not personal data whatever its digits; one right after an id, card,
QQ, WeChat or phone cue is masked even when its structure alone would not say so. Amounts (a currency sign before,
元/%/... after) are never masked.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from koubei.text.pii_patterns import (
    CARD_CUE,
    ID_CUE,
    ORDER_CUE,
    PHONE_CUE,
    QQ_CUE,
    WECHAT_CUE,
    card_prefix_ok,
    id15_ok,
    id18_ok,
    looks_like_date,
    luhn_ok,
)

_SEP = r"(?:[ ]?[\-.\u00ad\u2010-\u2013\u2212][ ]?|[ ]|\)[ ]?|[ ]?\()"
RUN = re.compile(r"(?:\+[ ]?|\([ ]?\+?)?\d+(?:" + _SEP + r"\d+)*(?:[ ]?[Xx])?")
_GROUP = re.compile(r"\d+")
_MONEY_AFTER = re.compile(
    r"(?:[.,]\d+)*\s*(?:元|块|圆|角|万|rmb|yuan|usd|dollars?|%|％|円|港币|美元|刀)", re.IGNORECASE
)
_CURRENCY_BEFORE = re.compile(r"[¥￥$€£]\s*$|(?:rmb|usd|hk\$|us\$)\s*$", re.IGNORECASE)
_CN_MOBILE = re.compile(r"(?:(?:00)?86)?(1[3-9]\d{9})")
_HK_MO = re.compile(r"(?:00)?85[23][2-9]\d{7}")
_TW_MOBILE = re.compile(r"(?:00)?886(9\d{8})|(09\d{8})")
_UK_MOBILE = re.compile(r"07[1-9]\d{8}")
# The subscriber part after a trunk-0 area code: 6-8 digits, whole or split 3-4 / 4-4 (not "099 0818 300").
_SUBSCRIBER_LAYOUTS = {(6,), (7,), (8,), (3, 4), (4, 4), (3, 3)}
# A business's service line (400 / 800 numbers in China, toll-free 1-8xx in North America) is not personal data.
_SERVICE_LINE = re.compile(r"[48]00\d{7}|1?8(?:00|33|44|55|66|77|88)\d{7}")

# Higher priority first where candidates overlap.
_PRIORITY = {
    "cue_id": 0,
    "cue_card": 0,
    "id18": 1,
    "card": 2,
    "id15": 3,
    "phone": 4,
    "qq": 5,
    "wechat": 5,
    "cue_phone": 6,
}
KIND = {
    "cue_id": "id_number",
    "id18": "id_number",
    "id15": "id_number",
    "cue_card": "bank_card",
    "card": "bank_card",
    "phone": "phone",
    "cue_phone": "phone",
    "qq": "qq",
    "wechat": "wechat",
}


@dataclass(frozen=True)
class _Group:
    start: int
    end: int
    digits: str


def _card_grouping_ok(lens: list[int]) -> bool:
    if len(lens) == 1 or all(n == 1 for n in lens):
        return True
    if all(n == 4 for n in lens[:-1]) and 1 <= lens[-1] <= 4:
        return True
    return lens in ([4, 6, 5], [4, 6, 4]) or (len(lens) == 2 and lens[0] == 6)


def _id_grouping_ok(lens: list[int]) -> bool:
    return len(lens) == 1 or all(n == 1 for n in lens) or lens[0] in (3, 4, 6)


# How people group a mobile number (after a country code, when it is a group of its own).
_CN_LAYOUTS = {(11,), (3, 4, 4), (3, 8), (7, 4), (4, 3, 4), (3, 3, 5)}
_TW_LAYOUTS = {(10,), (4, 3, 3), (4, 6), (2, 4, 4), (3, 3, 4), (9,), (3, 3, 3), (3, 6)}
_UK_LAYOUTS = {(11,), (5, 6), (5, 3, 3)}


def _layout_ok(lens: list[int], n_prefix: int, layouts: set[tuple[int, ...]]) -> bool:
    if len(lens) == 1 or all(k == 1 for k in lens):
        return True
    if n_prefix:
        if lens[0] != n_prefix:
            return False
        lens = lens[1:]
    return tuple(lens) in layouts


def _mobile_ok(digits: str, lens: list[int]) -> bool:
    if m := _CN_MOBILE.fullmatch(digits):
        return _layout_ok(lens, m.start(1), _CN_LAYOUTS)
    if m := _TW_MOBILE.fullmatch(digits):
        return _layout_ok(lens, m.start(1) if m.group(1) else 0, _TW_LAYOUTS)
    return bool(_UK_MOBILE.fullmatch(digits)) and _layout_ok(lens, 0, _UK_LAYOUTS)


def _service_line(digits: str, lens: list[int]) -> bool:
    """400/800 and toll-free numbers, unless written as a Chinese mobile (180/183/185-188 ... are mobiles)."""
    return bool(_SERVICE_LINE.fullmatch(digits)) and not _mobile_ok(digits, lens)


def _brackets_ok(seps: list[str], i: int, j: int, plus: bool, opens: bool) -> bool:
    """Brackets belong to a number only around its first group, "(0755) 8888 8888", or after a country code,
    "+1 (415) 555-0100"; "1799（1999-200）" is two prices, not a phone."""
    for k in range(i, j):
        if "(" in seps[k] and not (plus and i == k == 0):
            return False
        if ")" in seps[k] and not (i == 0 and ((k == 0 and opens) or (k == 1 and plus and "(" in seps[0]))):
            return False
    return True


def _structural(digits: str, lens: list[int], plus: bool, has_x: bool) -> str | None:
    """What a digit sequence is by its structure alone (no context), or None."""
    n = len(digits)
    if has_x:
        return "id18" if n == 17 and _id_grouping_ok(lens) and id18_ok(digits + "X") else None
    if n == 18 and _id_grouping_ok(lens) and id18_ok(digits):
        return "id18"
    if 15 <= n <= 19 and _card_grouping_ok(lens) and card_prefix_ok(digits) and luhn_ok(digits):
        return "card"
    if n == 15 and _id_grouping_ok(lens) and id15_ok(digits):
        return "id15"
    if plus:  # +CC or 00CC, then the national number; "+44 (0)20 ..." keeps its trunk 0 in brackets
        rest = lens[2:] if len(lens) > 2 and lens[1] == 1 else lens[1:]
        return (
            "phone" if (10 <= n <= 15 or (n >= 9 and len(lens) > 1)) and min(rest, default=2) >= 2 else None
        )
    if _mobile_ok(digits, lens):
        return "phone"
    if _HK_MO.fullmatch(digits) and (
        len(lens) == 1 or "".join(digits[: lens[0]]).lstrip("0") in ("852", "853")
    ):
        return "phone"
    if len(lens) >= 2 and digits[0] == "0" and digits[1] != "0":
        # A national number with its trunk 0 and area code: CN 010-6234 5678 / 0755-8888 8888, TW (02) 2345-6789,
        # UK 020 7946 0958 / 01632 960123, FR 01 23 45 67 89.
        if 2 <= lens[0] <= 5 and 9 <= n <= 12 and tuple(lens[1:]) in _SUBSCRIBER_LAYOUTS:
            return "phone"
        if lens == [2, 2, 2, 2, 2]:
            return "phone"
    if n == 10 and lens in ([3, 3, 4],) and digits[0] != "0":
        return "phone"  # North American (555) 123-4567, 555.123.4567
    if n == 11 and lens == [1, 3, 3, 4] and digits[0] == "1":
        return "phone"  # 1-800-555-1234
    return None


def _cue_kind(before: str) -> str | None:
    """The cue right before a run: 'order' (not personal data), one of the cue kinds, or None."""
    if ID_CUE.search(before):
        return "cue_id"
    if CARD_CUE.search(before):
        return "cue_card"
    if QQ_CUE.search(before):
        return "qq"
    if WECHAT_CUE.search(before):
        return "wechat"
    if PHONE_CUE.search(before):
        return "cue_phone"
    if ORDER_CUE.search(before):
        return "order"
    return None


def _by_cue(cue: str, digits: str) -> bool:
    """Whether a number after `cue` that has no structure of its own is still the thing the cue names."""
    n = len(digits)
    if cue == "cue_id":
        return n in (15, 18)
    if cue == "cue_card":
        return 12 <= n <= 19
    if cue == "qq":
        return 5 <= n <= 11 and digits[0] != "0"
    if cue == "wechat":
        return 5 <= n <= 20
    return 7 <= n <= 15 and not looks_like_date(digits)  # cue_phone


def number_spans(view: str) -> list[tuple[int, int, str, int]]:
    """(start, end, kind, priority) for every personal number in the folded text `view`."""
    found: list[tuple[int, int, str, int]] = []
    for m in RUN.finditer(view):
        run_start, run_end = m.span()
        if run_end - run_start < 5:
            continue
        text = m.group()
        groups = [
            _Group(run_start + g.start(), run_start + g.end(), g.group()) for g in _GROUP.finditer(text)
        ]
        total = sum(len(g.digits) for g in groups)
        if total < 5:
            continue
        has_x = text[-1] in "Xx"
        first = groups[0].digits
        plus = "+" in text[: groups[0].start - run_start] or (
            len(groups) > 1 and 3 <= len(first) <= 5 and first.startswith("00") and first[2] != "0"
        )
        cue = _cue_kind(view[max(0, run_start - 30) : run_start])
        if cue == "order":
            continue
        seps = [view[a.end : b.start] for a, b in itertools.pairwise(groups)]
        candidates = _candidates(view, groups, seps, plus, has_x, cue, run_start, run_end)
        found += _pick(candidates)
    return found


def _candidates(
    view: str,
    groups: list[_Group],
    seps: list[str],
    plus: bool,
    has_x: bool,
    cue: str | None,
    run_start: int,
    run_end: int,
) -> list[tuple[int, int, str, int]]:
    out: list[tuple[int, int, str, int]] = []
    n = len(groups)
    opens = view[run_start] == "("
    for i in range(n):
        digits = ""
        lens: list[int] = []
        for j in range(i, n):
            digits += groups[j].digits
            lens.append(len(groups[j].digits))
            if len(digits) > 20:
                break
            if (
                j > i
                and ("(" in seps[j - 1] or ")" in seps[j - 1])
                and not _brackets_ok(seps, i, j, plus, opens)
            ):
                break
            start = groups[i].start
            if i == 0 and run_start < start and (plus or (opens and j > 0 and ")" in seps[0])):
                start = run_start  # the leading '+' or '(' belongs to the number
            kind = None
            id_cue = cue == "cue_id" and i == 0
            # An ID ending in X (the X is part of the span).
            if (
                has_x
                and j == n - 1
                and len(digits) == 17
                and (_structural(digits, lens, False, True) or id_cue)
            ):
                kind = "cue_id" if id_cue else "id18"
            end = run_end if kind else groups[j].end
            if kind is None:
                kind = _structural(digits, lens, plus and i == 0, False)
                if kind is None and cue and i == 0 and _by_cue(cue, digits):
                    if cue == "cue_phone" and lens[-1] <= 2 and j > 0 and seps[j - 1] == " ":
                        continue  # "电话 2345 6789 3点后打": the trailing 3 is not part of the number
                    kind = cue
                elif kind in ("phone", "id15", "card") and cue in ("cue_id", "cue_card") and i == 0:
                    kind = cue  # an id / card cue says what the number is
            if kind is None or (kind in ("phone", "cue_phone") and _service_line(digits, lens)):
                continue
            if _MONEY_AFTER.match(view, end) or _CURRENCY_BEFORE.search(view[max(0, start - 5) : start]):
                continue
            out.append((start, end, kind, len(digits)))
    return out


def _pick(candidates: list[tuple[int, int, str, int]]) -> list[tuple[int, int, str, int]]:
    """Non-overlapping candidates: by kind priority, then the longest, then the earliest."""
    chosen: list[tuple[int, int, str, int]] = []
    for start, end, kind, _ in sorted(candidates, key=lambda c: (_PRIORITY[c[2]], -c[3], c[0])):
        if all(end <= s or start >= e for s, e, _, _ in chosen):
            chosen.append((start, end, KIND[kind], _PRIORITY[kind]))
    return chosen
