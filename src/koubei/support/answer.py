"""Answer composition from retrieved evidence: extractive by default, with citations, or a refusal.

The rule is simple and strict: an answer only repeats evidence. A retrieved piece *supports* the question when its
dense cosine similarity reaches `min_dense` for the index's embedder, or when it contains at least `min_coverage`
of the question's content words. With no supporting piece the composer refuses ("I don't know, here is who can
help") instead of guessing. Each quoted piece carries its citation (attribute key, FAQ id, Q&A id, review id +
sentence). Generative answers (see `koubei.support.generate`) keep only sentences whose words come from the cited
evidence, through the one grounding check shared with copy generation (`koubei.generation.grounding`).
"""

from __future__ import annotations

from collections.abc import Sequence, Set
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from koubei.support.index import Hit
from koubei.text.analyzer import Analysis, analyze, analyze_text

# Cosine similarity at or above which a hit counts as on-topic, per embedder. MiniLM's value comes from dev
# questions of the Amazon appliances Q&A benchmark (benchmarks/service_benchmark.py): the best hit of answerable
# questions has cosine >= 0.32 for 90% of them, of off-topic questions < 0.25 for 90%. LSA's was set on the hand-made
# Chinese test catalog (char n-gram cosines run higher: short texts share characters).
DEFAULT_MIN_DENSE = {"minilm": 0.3, "lsa": 0.4}


@dataclass(frozen=True)
class AnswerConfig:
    max_evidence: int = 3  # pieces quoted in one answer
    min_dense: float | None = None  # None: DEFAULT_MIN_DENSE for the index's embedder
    min_coverage: float = 0.6  # share of the question's content words a piece must contain (lexical support)
    relative_dense: float = 0.85  # later pieces need dense similarity >= this share of the first piece's
    min_sentence_support: float = 0.6  # generative: share of a sentence's content words found in its evidence
    generator_dir: str | None = None  # a local HF causal-LM directory: answer generatively (None: extractive)
    max_new_tokens: int = 96
    seed: int = 0


@dataclass
class Answer:
    text: str
    citations: list[dict[str, Any]]
    evidence: list[Hit]
    refused: bool
    mode: str  # extractive | generative | refusal
    lang: str  # en | zh
    dropped_sentences: list[str] = field(default_factory=list)  # generative sentences that failed the check

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "citations": self.citations,
            "evidence": [h.to_dict() for h in self.evidence],
            "refused": self.refused,
            "mode": self.mode,
            "lang": self.lang,
            "dropped_sentences": self.dropped_sentences,
        }


@lru_cache(maxsize=4096)
def _key_words(key: str) -> frozenset[str]:
    """An attribute name's words (few distinct names per catalog: analysed once each)."""
    return frozenset(analyze(key))


def supports(
    hit: Hit, config: AnswerConfig, dense_spec: str | None = None, query_words: Set[str] | None = None
) -> bool:
    """Does this retrieved piece bear on the question? An attribute whose name the question uses ("warranty",
    "续航"), enough dense similarity, or enough of the question's content words in the piece."""
    if hit.doc.kind == "attribute" and query_words:
        key_words = _key_words(str(hit.doc.meta.get("key", "")))
        if key_words and key_words <= query_words:
            return True
    threshold = config.min_dense
    model = hit.dense_model or dense_spec
    if threshold is None and model is not None:
        threshold = DEFAULT_MIN_DENSE.get(model.split(":", 1)[0])
    if hit.dense is not None and threshold is not None and hit.dense >= threshold:
        return True
    return hit.bm25 > 0 and hit.coverage >= config.min_coverage


def select_evidence(
    hits: Sequence[Hit], config: AnswerConfig, dense_spec: str | None, query: str | Analysis = ""
) -> list[Hit]:
    """The supporting hits worth quoting: supported, and about as relevant as the best one."""
    if isinstance(query, Analysis):
        query_words: Set[str] | None = query.words
    else:
        query_words = set(analyze(query)) if query else None
    chosen: list[Hit] = []
    for hit in hits:
        if not supports(hit, config, dense_spec, query_words):
            continue
        first = chosen[0] if chosen else None
        # Quote a second piece only when it is about as relevant as the first (RRF scores cannot tell).
        if (
            first is not None
            and first.dense is not None
            and hit.dense is not None
            and hit.dense < config.relative_dense * first.dense
        ):
            continue
        chosen.append(hit)
        if len(chosen) >= config.max_evidence:
            break
    return chosen


def _quote(hit: Hit, n: int, lang: str) -> str:
    doc = hit.doc
    if doc.kind == "attribute":
        return f"{doc.meta.get('key', '')}: {doc.meta.get('value', doc.text)} [{n}]"
    if doc.kind == "review":
        return (
            f"有买家评价说：“{doc.text}” [{n}]" if lang == "zh" else f'A customer wrote: "{doc.text}" [{n}]'
        )
    return f"{doc.text} [{n}]"


def refusal_text(lang: str, contact: str | None = None) -> str:
    who = contact or ("人工客服" if lang == "zh" else "a customer-service agent")
    if lang == "zh":
        return f"抱歉，我在商品资料、常见问题和买家评价里没有找到能回答这个问题的依据，不想给您不准确的答复。{who}可以帮您确认，我已把问题转给他们。"
    return (
        "I don't know: I could not find this in the product information, the FAQ or customer reviews, and I "
        f"would rather not guess. Here is who can help: {who}; I have passed your question on."
    )


def compose_extractive(
    question: str | Analysis,
    hits: Sequence[Hit],
    config: AnswerConfig,
    dense_spec: str | None,
    contact: str | None = None,
    query: str | Analysis | None = None,
) -> Answer:
    """Quote the supporting evidence with numbered citations, or refuse when there is none.

    `query` is what retrieval searched (differs from `question` for follow-ups); `question` sets the language.
    Either may be an `Analysis` (a turn analyses its question once and hands it on)."""
    q = question if isinstance(question, Analysis) else analyze_text(question)
    lang = q.lang
    chosen = select_evidence(hits, config, dense_spec, query or q)
    if not chosen:
        return Answer(
            refusal_text(lang, contact), [], list(hits[:3]), refused=True, mode="refusal", lang=lang
        )
    lead = "根据我们找到的资料：" if lang == "zh" else "Here is what I found:"
    lines = [lead] + [f"- {_quote(h, n, lang)}" for n, h in enumerate(chosen, start=1)]
    citations = [{"n": n, **h.doc.citation()} for n, h in enumerate(chosen, start=1)]
    return Answer("\n".join(lines), citations, chosen, refused=False, mode="extractive", lang=lang)
