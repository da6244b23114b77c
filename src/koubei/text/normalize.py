"""Text normalization applied at ingest, before masking and before anything is stored.

Full-width ASCII letters, digits and the symbols that carry identifiers (@ . - _ + # / :) become half-width, so
that "１３８ｘｘｘ" masks like "138xxx" and "ｉＰｈｏｎｅ" matches "iPhone". Chinese punctuation (，。！？：；（）)
is kept: it is the normal way to write Chinese, and turning it into ASCII would change the text people read.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

_FULLWIDTH_KEEP = set("，。！？：；（）、【】《》“”‘’…—～")
_HALFWIDTH_TABLE = {
    cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F) if chr(cp) not in _FULLWIDTH_KEEP
}
_HALFWIDTH_TABLE[0x3000] = 0x20  # ideographic space
_FULLWIDTH = re.compile("[" + "".join(re.escape(chr(cp)) for cp in _HALFWIDTH_TABLE) + "]")
_CONTROL = re.compile(r"[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u200b-\u200f\u2028\u2029\ufeff]")
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
    if _CONTROL.search(text):
        text = _CONTROL.sub("", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _SPACES.sub(" ", text)
    text = _NEWLINES.sub("\n", text).strip()
    if t2s and text:
        text = _t2s_converter().convert(text)
    return text
