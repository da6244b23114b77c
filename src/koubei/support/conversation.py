"""Multi-turn state: the product in focus carries over, and elliptical follow-ups reuse the previous question.

"Does the X200 come with a charger?" then "what about the blue one?": the second turn keeps the topic (charger)
from the first, and "blue one" moves the focus to the X200's blue sibling when the catalog has one (a product
whose title shares most words with the focused one and whose attributes mention "blue"). The state is a small
JSON-able dict so the store can keep it in `conversations.state`.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any, NamedTuple

from koubei.support.index import ServiceIndex
from koubei.text.analyzer import Analysis, analyze, analyze_text

_FOLLOW_UP = re.compile(
    r"^\s*(?:and\s|what\s+about|how\s+about|same\s+for|also\b|the\s+\w+\s+one\b)|(?:呢[?？!！。]*\s*$)|^\s*(?:那|还有|另外)",
    re.IGNORECASE,
)
_MAX_FOLLOW_UP_WORDS = 6  # longer questions stand on their own even if they start with "and"


@dataclass
class ConversationState:
    conversation_id: str = field(default_factory=lambda: uuid.uuid4().hex[:16])
    product_id: str | None = None  # the product in focus
    last_question: str | None = None  # the last self-contained question (topic for follow-ups)
    last_intent: str | None = None
    turns: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ConversationState:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


def _analysed(question: str | Analysis) -> Analysis:
    return question if isinstance(question, Analysis) else analyze_text(question)


def is_follow_up(question: str | Analysis) -> bool:
    """Elliptical turns that only make sense with the previous question ("what about the blue one?", "那白色的呢？")."""
    q = _analysed(question)
    return bool(_FOLLOW_UP.search(q.text)) and len(q.tokens) <= _MAX_FOLLOW_UP_WORDS


def mentioned_product(question: str, index: ServiceIndex) -> str | None:
    """A product named in the question: its id as a word, or its full title (longest title wins)."""
    lowered = question.lower()
    ids = index.product_ids()
    for token in re.findall(r"[\w-]+", question):
        if token in ids:
            return token
    best: tuple[int, str] | None = None
    for pid, title in index.titles().items():
        t = title.strip().lower()
        if len(t) >= 3 and t in lowered and (best is None or len(t) > best[0]):
            best = (len(t), pid)
    return best[1] if best else None


def variant_of(question: str | Analysis, focus: str, index: ServiceIndex) -> str | None:
    """A sibling of `focus` (similar title) whose attributes mention a word of the question that `focus` lacks."""
    titles = index.titles()
    focus_words = set(analyze(titles.get(focus, "")))
    if not focus_words:
        return None
    q_words = _analysed(question).words

    def attr_words(pid: str) -> set[str]:
        return {
            w
            for d in index.docs_for(pid, "attribute")
            if d.source_id != "title"
            for w in analyze(d.meta.get("value", ""))
        }

    wanted = q_words - attr_words(focus) - focus_words
    if not wanted:
        return None
    matches = []
    for pid, title in titles.items():
        words = set(analyze(title))
        if pid == focus or not words:
            continue
        overlap = len(words & focus_words) / len(words | focus_words)
        if overlap >= 0.5 and wanted & (attr_words(pid) | words):
            matches.append((overlap, pid))
    return max(matches)[1] if matches else None


class Turn(NamedTuple):
    """How one turn is understood: what retrieval searches (analysed), the product in focus, is it a follow-up."""

    query: Analysis
    product_id: str | None
    follow_up: bool


def resolve_turn(
    question: str | Analysis, state: ConversationState, index: ServiceIndex, product_id: str | None = None
) -> Turn:
    """This turn's retrieval query, product in focus and follow-up flag; does not mutate `state`. The question is
    analysed once (pass its `Analysis` to reuse it); only a previous question it continues is analysed besides."""
    q = _analysed(question)
    follow = state.last_question is not None and is_follow_up(q)
    focus = product_id or mentioned_product(q.text, index) or state.product_id
    variant = None
    if product_id is None and focus is not None and focus == state.product_id:
        variant = variant_of(q, focus, index)
        focus = variant or focus
    if follow and variant is not None:
        # "what about the blue one?": "blue" was spent choosing the product; the topic is the last question's.
        query = analyze_text(str(state.last_question))
    elif follow:
        query = analyze_text(str(state.last_question)).then(q)
    else:
        query = q
    return Turn(query, focus, follow)
