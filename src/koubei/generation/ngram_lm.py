"""A character n-gram language model: cheap fluency scores for reranking copy candidates.

Interpolated with fixed weights (0.05 / 0.15 / 0.3 / 0.5 for orders 1-4) and add-one unigrams, trained in one pass
over the training copy; counts are plain dicts so the copy model's artifact stores them as JSON.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence


class CharNgramLM:
    """Interpolated character n-gram LM (fixed weights, add-one unigrams): cheap fluency for reranking."""

    def __init__(self, order: int = 4) -> None:
        self.order = (
            order  # the only hyperparameter (scikit-learn's contract): counts_ and vocab_ are learned
        )

    @classmethod
    def from_counts(cls, order: int, counts: list[dict[str, int]]) -> CharNgramLM:
        """A fitted LM from stored counts (the copy model's artifact keeps them as JSON)."""
        if len(counts) != order + 1:
            raise ValueError(f"{len(counts)} count tables for order {order}")
        lm = cls(order)
        lm.counts_ = counts
        lm.vocab_ = len(counts[1]) + 1
        return lm

    def fit(self, texts: Sequence[str]) -> CharNgramLM:
        counts: list[Counter[str]] = [Counter() for _ in range(self.order + 1)]
        for text in texts:
            padded = "\x02" * (self.order - 1) + text + "\x03"
            for n in range(1, self.order + 1):
                for i in range(len(padded) - n + 1):
                    counts[n][padded[i : i + n]] += 1
        counts[0][""] = sum(counts[1].values())
        self.counts_ = [dict(c) for c in counts]
        self.vocab_ = len(self.counts_[1]) + 1
        return self

    def logprob(self, text: str, context: str = "") -> float:
        """Total natural-log probability of `text` after `context`."""
        if not hasattr(self, "counts_"):
            from koubei.errors import NotFittedError

            raise NotFittedError("the character n-gram LM is not fitted; call fit first")
        padded = ("\x02" * (self.order - 1) + context)[-(self.order - 1) :] + text
        total = 0.0
        c = self.counts_
        weights = (
            [0.05, 0.15, 0.3, 0.5][-self.order :] if self.order <= 4 else [1.0 / self.order] * self.order
        )
        for i in range(self.order - 1, len(padded)):
            ch = padded[i]
            p = weights[0] * (c[1].get(ch, 0) + 1) / (c[0].get("", 0) + self.vocab_)
            for n in range(2, self.order + 1):
                hist = padded[i - n + 1 : i]
                denom = c[n - 1].get(hist, 0)
                if denom:
                    p += weights[n - 1] * c[n].get(hist + ch, 0) / denom
            total += math.log(p)
        return total
