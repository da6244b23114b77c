"""The two reference systems `koubei copy eval` computes itself.

- template: the input values joined in one fixed sentence ("这款{类型}，{v1}、{v2}……，值得拥有。"); covers every
  value by construction, says nothing else;
- retrieval: the copy of the training example whose attribute pairs overlap the input's most (Jaccard over
  (key, value) pairs; ties go to the earlier example), pasted as is: what a naive retrieve system publishes.
"""

from __future__ import annotations

from collections.abc import Sequence

from koubei.generation.copy_data import Attributes, CopyPair


def template_copy(attributes: Attributes) -> str:
    kind = next((v for k, v in attributes if k in ("类型", "type", "category")), "")
    rest = [v for k, v in attributes if v != kind]
    rest = list(dict.fromkeys(rest))
    english = all(v.isascii() for _, v in attributes)
    if english:
        return (
            f"This {kind or 'product'}: {', '.join(rest)}. Worth having."
            if rest
            else f"This {kind or 'product'}. Worth having."
        )
    head = f"这款{kind}" if kind else "这款商品"
    return f"{head}，{'、'.join(rest)}，值得拥有。" if rest else f"{head}，值得拥有。"


class RetrievalBaseline:
    def __init__(self, pairs: Sequence[CopyPair]) -> None:
        self.pairs = list(pairs)
        self.sets = [frozenset(p.attributes) for p in self.pairs]

    def nearest(self, attributes: Attributes) -> int:
        query = frozenset(attributes)
        best, best_i = -1.0, 0
        for i, s in enumerate(self.sets):
            union = len(query | s)
            score = len(query & s) / union if union else 0.0
            if score > best:
                best, best_i = score, i
        return best_i

    def __call__(self, attributes: Attributes) -> str:
        return self.pairs[self.nearest(attributes)].text
