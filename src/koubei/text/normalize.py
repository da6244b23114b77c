"""Text normalization applied at ingest, before masking and before anything is stored.

Full-width ASCII letters, digits and the symbols that carry identifiers (@ . - _ + # / :) become half-width, so
that "１３８ｘｘｘ" masks like "138xxx" and "ｉＰｈｏｎｅ" matches "iPhone". Chinese punctuation (，。！？：；（）)
is kept: it is the normal way to write Chinese, and turning it into ASCII would change the text people read.
Zero-width characters are dropped, except the joiner inside an emoji sequence (👨‍👩‍👧‍👦 stays one family, not four
people).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

_FULLWIDTH_KEEP = set("，。！？：；（）、【】《》“”‘’…—～")
_HALFWIDTH_TABLE = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F) if chr(cp) not in _FULLWIDTH_KEEP}
_HALFWIDTH_TABLE[0x3000] = 0x20  # ideographic space
_FULLWIDTH = re.compile("[" + "".join(re.escape(chr(cp)) for cp in _HALFWIDTH_TABLE) + "]")
# Pictographs that join into one emoji with U+200D ZERO WIDTH JOINER (👨‍👩‍👧‍👦, 🏳️‍🌈, ❤️‍🔥): an approximation of
# Unicode's Extended_Pictographic property, and what may end the emoji before the joiner (VS16, skin tones).
_EMOJI = "\u00a9\u00ae\u203c\u2049\u2122\u2139\u2194-\u21aa\u231a-\u23ff\u24c2\u25aa-\u27bf\u2934\u2935\u2b05-\u2b55\u3030\u303d\u3297\u3299\U0001f000-\U0001faff"
_EMOJI_END = _EMOJI + "\ufe0f\U0001f3fb-\U0001f3ff"
# Control characters and invisible junk (zero-width space / non-joiner, direction marks, BOM); the zero-width
# joiner only where it does not join two emoji.
_CONTROL = re.compile(
    "[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u200b\u200c\u200e\u200f\u2028\u2029\ufeff]"
    f"|(?<![{_EMOJI_END}])\u200d|\u200d(?![{_EMOJI}])"
)
# Any of the above, joiners included: a cheap first look (most texts have none).
_MAYBE_CONTROL = re.compile("[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u200b-\u200f\u2028\u2029\ufeff]")
_SPACES = re.compile(r"[ \t\u00a0]+")
_NEWLINES = re.compile(r"\s*\n\s*")


@lru_cache(maxsize=1)
def _t2s_converter() -> Any:
    from opencc import OpenCC  # opencc-python-reimplemented: pure Python, no native build

    return OpenCC("t2s")


def normalize_text(text: str, *, t2s: bool = False) -> str:
    """Canonical form of a user text: NFC, half-width ASCII, no control characters, collapsed whitespace.

    `t2s=True` also converts traditional Chinese characters to simplified ones.
    """
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if _FULLWIDTH.search(text):
        text = text.translate(_HALFWIDTH_TABLE)
    if _MAYBE_CONTROL.search(text):
        text = _CONTROL.sub("", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _SPACES.sub(" ", text)
    text = _NEWLINES.sub("\n", text).strip()
    if t2s and text:
        text = _t2s_converter().convert(text)
    return text
