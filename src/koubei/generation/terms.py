"""Content words of a text (mixed Chinese / English): what the grounding check compares between claims and evidence.

The same token stream as customer service's BM25 analyzer (jieba precise mode for Chinese runs minus function
words, English words minus bm25s's extended stopword list, Snowball-stemmed), so the support check gives the same
answers once customer service calls this module instead of its own. It lives here rather than being imported from
`koubei.support`: support will depend on generation's grounding, and a dependency back would be a cycle.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
_LATIN_WORD = re.compile(r"[a-z0-9]+(?:['.][a-z0-9]+)*")
_EXTRA_EN_STOP = {"could", "would", "may", "might", "must", "shall", "please", "hi", "hello", "thanks", "get"}
_EXTRA_ZH_STOP = {
    "的",
    "了",
    "吗",
    "呢",
    "吧",
    "啊",
    "是",
    "我",
    "你",
    "这个",
    "那个",
    "请问",
    "一下",
    "么",
    "呀",
}


@lru_cache(maxsize=1)
def _stopwords() -> tuple[frozenset[str], frozenset[str]]:
    from bm25s.stopwords import STOPWORDS_CHINESE, STOPWORDS_EN_PLUS

    en = frozenset(w.replace("'", "") for w in STOPWORDS_EN_PLUS) | _EXTRA_EN_STOP
    return en, frozenset(STOPWORDS_CHINESE) | _EXTRA_ZH_STOP


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=1)
def _jieba() -> Any:
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def _english(text: str, stop: frozenset[str]) -> list[str]:
    words = [w.replace("'", "") for w in _LATIN_WORD.findall(text.lower())]
    words = [w for w in words if w and w not in stop]
    return list(_stemmer().stemWords(words)) if words else []


def content_terms(text: str) -> list[str]:
    """Content words of `text` in order: jieba words for Chinese runs, stemmed non-stopwords for the rest."""
    en_stop, zh_stop = _stopwords()
    out: list[str] = []
    pos = 0
    for match in _CJK_RUN.finditer(text):
        out.extend(_english(text[pos : match.start()], en_stop))
        for word in _jieba().lcut(match.group(), HMM=True):
            word = word.strip()
            if word and word not in zh_stop:
                out.append(word)
        pos = match.end()
    out.extend(_english(text[pos:], en_stop))
    return out
