"""Text analysis for lexical retrieval: one token stream for mixed Chinese / English text.

Chinese runs are segmented with jieba (search mode off: precise mode keeps BM25 statistics clean); Latin runs get
the standard English analyzer (lowercase, word regex, bm25s's extended English stopword list, which also drops
question words such as "what"/"how" that every question shares, Snowball stemming via PyStemmer). Digits are kept (model numbers, sizes, "2 year warranty" matter in product questions).
Written here rather than with `bm25s.tokenize` because that one splits on `\\w\\w+` and cannot segment Chinese.

One customer-service turn analyses its question once (`analyze_text` -> `Analysis`: tokens, content words and
language) and hands that to follow-up detection, retrieval, evidence selection and the answer's language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

# CJK ideographs (incl. extension A) vs everything else; runs of either are analyzed separately.
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
_LATIN_WORD = re.compile(r"[a-z0-9]+(?:['.][a-z0-9]+)*")
# Chinese function words that carry no topic. bm25s's Chinese list is long and contains words customers use to ask
# ("可以", "怎么"); that is fine: those words are in every question and should not drive retrieval.
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

    jieba.setLogLevel(logging.WARNING)  # jieba logs its dictionary load at INFO on every process start
    jieba.initialize()
    return jieba


def _english_tokens(text: str, stop: frozenset[str]) -> list[str]:
    words = [w.replace("'", "") for w in _LATIN_WORD.findall(text.lower())]
    words = [w for w in words if w and w not in stop]
    return list(_stemmer().stemWords(words)) if words else []


def analyze(text: str) -> list[str]:
    """Tokens of `text` for BM25: jieba words for Chinese runs, stemmed non-stopwords for the rest, in order."""
    en_stop, zh_stop = _stopwords()
    tokens: list[str] = []
    pos = 0
    for match in _CJK_RUN.finditer(text):
        tokens.extend(_english_tokens(text[pos : match.start()], en_stop))
        for word in _jieba().lcut(match.group(), HMM=True):
            word = word.strip()
            if word and word not in zh_stop:
                tokens.append(word)
        pos = match.end()
    tokens.extend(_english_tokens(text[pos:], en_stop))
    return tokens


def _script_counts(text: str) -> tuple[int, int]:
    """(CJK ideographs, Latin letters) in `text`."""
    return sum(len(m) for m in _CJK_RUN.findall(text)), sum(1 for ch in text if ch.isascii() and ch.isalpha())


def _chinese(cjk: int, latin: int) -> bool:
    return cjk > 0 and cjk >= latin / 3


def is_mostly_chinese(text: str) -> bool:
    """True when CJK ideographs outnumber Latin letters (used to pick the dense embedder and answer language)."""
    return _chinese(*_script_counts(text))


@dataclass(frozen=True)
class Analysis:
    """A text analysed once: its BM25 tokens and script counts, from which its words and language follow."""

    text: str
    tokens: tuple[str, ...]
    cjk: int = 0  # CJK ideographs
    latin: int = 0  # Latin letters

    @cached_property
    def words(self) -> frozenset[str]:
        return frozenset(self.tokens)

    @property
    def chinese(self) -> bool:
        return _chinese(self.cjk, self.latin)

    @property
    def lang(self) -> str:
        """The answer language: zh when the text is mostly Chinese, else en."""
        return "zh" if self.chinese else "en"

    def then(self, other: Analysis) -> Analysis:
        """The analysis of `self.text + " " + other.text`, from the two (runs never join across the space)."""
        return Analysis(
            f"{self.text} {other.text}",
            self.tokens + other.tokens,
            self.cjk + other.cjk,
            self.latin + other.latin,
        )


def analyze_text(text: str) -> Analysis:
    """Analyse `text` once for everything a turn needs from it."""
    return Analysis(text, tuple(analyze(text)), *_script_counts(text))
