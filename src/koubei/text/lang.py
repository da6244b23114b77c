"""A cheap language guess from the script of the letters: enough to route Chinese vs English processing."""

from __future__ import annotations

import re

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")


def detect_lang(text: str) -> str:
    """'zh' when Han characters are at least 30% of the letters, 'en' when Latin letters dominate, else 'other'.

    Scripts, not words, decide: a Chinese review with an English brand name ("iPhone很好用") is Chinese.
    """
    text = text[:400]  # the script of a text is clear from its start; long texts cost no more
    han = len(_HAN.findall(text))
    latin_words = len(re.findall(r"[A-Za-z]+", text))
    latin = len(_LATIN.findall(text))
    if han == 0 and latin == 0:
        return "other"
    # Compare Han characters with Latin *words*: one Chinese character carries about as much as one English word.
    if han >= 0.3 * (han + latin_words):
        return "zh"
    if latin >= 2:
        return "en"
    return "other"
