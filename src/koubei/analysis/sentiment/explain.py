"""Explanations: which words/phrases pushed a prediction, and how much, as character spans.

A model computes one contribution per character of the (cleaned) text toward its predicted label; here they are
summed per word (jieba words for Chinese, regex words for English) into `Span`s and rendered. The fast model's
contributions are exact (`fast.char_contributions`: its decision value is a sum over character n-grams, each
n-gram's share spread evenly over the characters it covers); the neural models' are gradient x input
(`neural.py`). This module knows no model, so every model imports it and it imports none of them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Span:
    """A piece of the text and its contribution toward the predicted label (> 0 supports it, < 0 opposes)."""

    start: int
    end: int
    text: str
    weight: float

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "text": self.text, "weight": round(self.weight, 4)}


@dataclass(frozen=True)
class Explanation:
    text: str
    label: str
    score: float | None
    spans: list[Span]  # every word with a non-zero contribution (see spans_from_contributions), in text order
    reason: str | None = None
    method: str = "linear"

    def top(self, k: int = 5) -> list[Span]:
        return sorted(self.spans, key=lambda s: -abs(s.weight))[:k]

    def to_dict(self, k: int | None = None) -> dict[str, Any]:
        spans = self.spans if k is None else sorted(self.top(k), key=lambda s: s.start)
        out: dict[str, Any] = {
            "text": self.text,
            "label": self.label,
            "score": None if self.score is None else round(self.score, 4),
            "method": self.method,
            "spans": [s.to_dict() for s in spans],
        }
        if self.reason:
            out["reason"] = self.reason
        return out


_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*|\d+(?:\.\d+)?")


def words(text: str) -> list[tuple[int, int]]:
    """Word spans: jieba for runs of Chinese, regex words for Latin script and numbers, one span per other char."""
    import jieba

    jieba.setLogLevel(60)
    spans: list[tuple[int, int]] = []
    pos = 0
    for token in jieba.cut(text, HMM=True):
        end = pos + len(token)
        if token.strip():
            # jieba keeps English words whole; split mixed tokens on our regex so "bad!" -> "bad".
            inner = [(pos + m.start(), pos + m.end()) for m in _WORD.finditer(token)]
            spans.extend(inner if inner and token.isascii() else [(pos, end)])
        pos = end
    return spans


def is_reason(piece: str) -> bool:
    """Whether a piece of text can be shown as a reason: not only punctuation, whitespace or digits ("，" or "5"
    explains nothing to a reader, even when the model weighs it; emoji and words can)."""
    return any(not (ch.isspace() or ch.isdigit() or unicodedata.category(ch).startswith("P")) for ch in piece)


def spans_from_contributions(text: str, contrib: np.ndarray) -> list[Span]:
    """Per-character contributions summed per word (see `words`). Words that contribute nothing, and pieces that
    are only punctuation, whitespace or digits, are left out of the reasons: the model keeps weighing them, so the
    listed weights need not add up to the decision value."""
    spans = []
    for start, end in words(text):
        weight = float(contrib[start:end].sum())
        if abs(weight) > 1e-9 and is_reason(text[start:end]):
            spans.append(Span(start, end, text[start:end], weight))
    return spans


def render(explanation: Explanation, k: int = 8) -> Any:
    """A rich Text with the top-k spans highlighted: green supports the label, red opposes it."""
    from rich.text import Text

    out = Text(explanation.text)
    top = explanation.top(k)
    scale = max((abs(s.weight) for s in top), default=1.0) or 1.0
    for span in top:
        strong = abs(span.weight) >= 0.5 * scale
        color = (
            ("green" if span.weight > 0 else "red")
            if strong
            else ("dark_green" if span.weight > 0 else "dark_red")
        )
        out.stylize(f"bold white on {color}", span.start, span.end)
    return out
