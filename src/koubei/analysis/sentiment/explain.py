"""Explanations: which words/phrases pushed a prediction, and how much, as character spans.

Fast model: exact. Its decision value is a sum over character n-grams of (tf-idf value x class weight); each
n-gram's share is spread evenly over the characters it covers, then summed per word (jieba words for Chinese,
regex words for English), so a span's weight is its exact additive contribution to the decision value.

Neural models compute attributions elsewhere (`transfer.py`, gradient x input) and reuse `Span` and `render`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from koubei.analysis.input_check import check_text
from koubei.analysis.labels import UNSCORABLE


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
    spans: list[Span]  # every word with a non-zero contribution, in text order
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


def char_contributions(model: Any, text: str, class_index: int, category: int = -1) -> np.ndarray:
    """Per-character contribution of a fast model's n-grams to the decision value of `class_index`, with the
    weights of category index `category` (-1: the shared weights)."""
    from koubei.analysis.ngrams import ngram_hashes, prepare

    vec = model.vectorizer_
    linear = model.linear_
    doc = prepare(text, vec.lowercase)
    hashes, _, starts, lengths = ngram_hashes([doc], vec.ngram_range)
    cols = vec.lookup(hashes)
    X = vec.transform([text])
    row = dict(zip(X.indices.tolist(), X.data.tolist(), strict=True))
    coef = linear.weights_for(category)
    binary = coef.shape[0] == 1
    weights = coef[0] if binary else coef[class_index]
    sign = 1.0 if (not binary or class_index == 1) else -1.0
    contrib = np.zeros(len(text), dtype=np.float64)
    # Each occurrence carries its share of the feature's total value (tf-idf counts the feature once per doc).
    occurrences: dict[int, int] = {}
    for col in cols[cols >= 0].tolist():
        occurrences[col] = occurrences.get(col, 0) + 1
    for col, start, n in zip(cols.tolist(), starts.tolist(), lengths.tolist(), strict=True):
        if col < 0:
            continue
        value = sign * row.get(col, 0.0) * weights[col] / occurrences[col]
        contrib[start : start + n] += value / n
    return contrib


def explain_fast(model: Any, text: str, max_chars: int | None = None, category: Any = None) -> Explanation:
    """Explain a fast model's prediction for one text (bad input gives an Explanation with a reason, no spans),
    for a review of `category` when the model learned per-category weights."""
    from koubei.analysis.sentiment.fast import _max_chars

    check = check_text(text, _max_chars(max_chars if max_chars is not None else model._cfg().max_text_chars), model.languages_)
    if not check.ok:
        return Explanation(str(text or ""), UNSCORABLE, None, [], reason=check.reason)
    clean = check.text
    pred = model.score_texts([clean], categories=[category])[0]
    class_index = [str(c) for c in model.classes_].index(pred.label)
    index = model.category_index([category])
    contrib = char_contributions(model, clean, class_index, -1 if index is None else int(index[0]))
    spans = []
    for start, end in words(clean):
        weight = float(contrib[start:end].sum())
        if abs(weight) > 1e-9:
            spans.append(Span(start, end, clean[start:end], weight))
    return Explanation(clean, pred.label, pred.score, spans)


def render(explanation: Explanation, k: int = 8) -> Any:
    """A rich Text with the top-k spans highlighted: green supports the label, red opposes it."""
    from rich.text import Text

    out = Text(explanation.text)
    top = explanation.top(k)
    scale = max((abs(s.weight) for s in top), default=1.0) or 1.0
    for span in top:
        strong = abs(span.weight) >= 0.5 * scale
        color = ("green" if span.weight > 0 else "red") if strong else ("dark_green" if span.weight > 0 else "dark_red")
        out.stylize(f"bold white on {color}", span.start, span.end)
    return out
