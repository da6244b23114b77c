"""Copy generation end to end: candidates from the copy model, praise from real reviews, guard, rerank, label.

`CopyWriter.write(request)`:
1. a request that asks for customer reviews or testimonials (in the persona, tone or title) is refused
   (`fake_review.refuse` raises `FakeReviewRequest`);
2. the persona decides which values and praised aspects lead (values named in it, aspects whose cue words it
   uses: "students on a budget" -> price first); `length` sets the target length (short 0.6x, long 1.4x the
   training median x 1.2); `tone`: plain, lively (exclamation marks), concise (value clauses only, no filler);
3. the copy model draws `pool` candidates (fragments already grounding-checked against the attributes); praised
   aspects become one clause ("不少买家称赞它的做工" / "Buyers praise its quality") whose claim rests on the ids
   of the reviews that praise it;
4. every candidate goes through `guard.check` (ad law, bias, PII, fake-review voice, copied spans against the
   training copy, grounding against attributes + evidence); candidates are reranked by faithfulness first
   (passed, fewer flags, higher coverage) and then by the model's fluency order;
5. the best one gets the machine-generated label (`guard.label_text`; in text or as metadata).
Ad-law terms are kept out of the fragment bank at training; with a koubei LM in the model (`--lm koubei` /
`--init-from`), the clauses its sampler writes have every ad-law term and 最 blocked at decoding time (on the
decoded text, so at every tokenisation); anything that still appears after recombination fails the guard.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from koubei.errors import BadInputError
from koubei.generation.copy_data import Attributes
from koubei.generation.copy_model import CopyModel
from koubei.results import Result

LENGTHS = {"short": 0.6, "medium": 1.0, "long": 1.4}
TONES = ("plain", "lively", "concise")
MAX_TEXT_OPTION = 200
# Persona words -> the aspect to lead with (taxonomy aspect names of koubei.analysis.aspects).
_PERSONA_ASPECTS = {
    "price": (
        "学生",
        "预算",
        "实惠",
        "性价比",
        "便宜",
        "平价",
        "budget",
        "student",
        "cheap",
        "affordable",
        "value",
    ),
    "quality": ("品质", "质量", "耐用", "耐穿", "做工", "quality", "durable", "lasting"),
    "appearance": ("颜值", "好看", "时尚", "潮", "style", "stylish", "fashion", "look"),
    "size_fit": ("身材", "微胖", "显瘦", "合身", "fit", "petite", "plus size"),
    "function": ("通勤", "运动", "户外", "保暖", "commute", "sport", "outdoor", "warm"),
    "logistics": ("急用", "送礼", "快递", "gift", "fast delivery"),
}


@dataclass(frozen=True)
class Praise:
    """An aspect buyers praise, with the ids of the reviews (and masked sentences) that praise it."""

    aspect: str
    label: str
    review_ids: tuple[str, ...]
    sentences: tuple[str, ...] = ()


@dataclass
class CopyRequest:
    attributes: Attributes
    praise: list[Praise] = field(default_factory=list)
    title: str | None = None
    persona: str | None = None
    tone: str = "plain"
    length: str = "medium"
    n: int = 5
    seed: int = 0

    def __post_init__(self) -> None:
        if self.tone not in TONES:
            raise BadInputError(f"tone {self.tone!r} is not one of {', '.join(TONES)}")
        if self.length not in LENGTHS:
            raise BadInputError(f"length {self.length!r} is not one of {', '.join(LENGTHS)}")
        if not 1 <= self.n <= 20:
            raise BadInputError(f"n={self.n} must be between 1 and 20")
        for name in ("title", "persona"):
            value = getattr(self, name)
            if value is not None and len(value) > MAX_TEXT_OPTION:
                raise BadInputError(f"{name}: {len(value)} characters, at most {MAX_TEXT_OPTION}")


@dataclass
class CopyCandidate(Result):
    text: str
    passed: bool
    flags: list[dict[str, Any]]
    covered: list[str]
    fluency: float


@dataclass
class CopyOutput(Result):
    text: str
    candidates: list[CopyCandidate]
    claims: list[dict[str, Any]]
    flags: list[dict[str, Any]]
    label: dict[str, Any]
    passed: bool
    notes: list[str] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data["candidates"] = [c.to_dict() for c in self.candidates]
        return data


def _aspect_order(persona: str | None, praise: Sequence[Praise]) -> list[Praise]:
    if not persona:
        return list(praise)
    low = persona.lower()
    wanted = [a for a, words in _PERSONA_ASPECTS.items() if any(w in low for w in words)]
    return sorted(
        praise,
        key=lambda p: (wanted.index(p.aspect) if p.aspect in wanted else len(wanted), -len(p.review_ids)),
    )


def praise_clause(praise: Sequence[Praise], english: bool) -> str:
    labels = [p.label for p in praise[:2]]
    if not labels:
        return ""
    if english:
        return f"Buyers praise its {' and '.join(labels)}."
    return f"不少买家称赞它的{'和'.join(labels)}。"


def _attr_dict(attributes: Attributes) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for k, v in attributes:
        out.setdefault(k, []).append(v)
    return out


def _tone(text: str, tone: str) -> str:
    if tone == "lively":
        return text.replace("。", "！").replace(". ", "! ")
    return text


class CopyWriter:
    """A loaded copy model + guard + the training copy's index; reuse it for many requests."""

    def __init__(
        self,
        model: CopyModel,
        copy_index: Any = None,
        guard: Any = None,
        label_mode: str = "metadata",
        model_version: str = "",
    ) -> None:
        from koubei.generation.guard import Guard, GuardConfig, LabelConfig

        self.model = model
        self.copy_index = copy_index if copy_index is not None else model.copy_index()
        self.guard = guard or Guard(GuardConfig(label=LabelConfig(mode=label_mode)))
        self.model_version = model_version

    @classmethod
    def load(cls, folder: str | Path, label_mode: str = "metadata") -> CopyWriter:
        from koubei.artifacts import read_meta

        model = CopyModel.load(folder)
        meta = read_meta(folder, "copy model")
        version = f"{meta.get('kind')}@{meta.get('format_version')}:{meta.get('data', {}).get('digest', '')}"
        return cls(model, model.copy_index(folder), label_mode=label_mode, model_version=version)

    def write(self, request: CopyRequest) -> CopyOutput:
        from koubei.generation.fake_review import refuse
        from koubei.generation.grounding import Evidence

        for value in (request.persona, request.title):
            if value:
                refuse(value)
        attrs = request.attributes
        english = all(v.isascii() for _, v in attrs)
        values = [v for _, v in attrs]
        lead = [v for v in values if request.persona and v.lower() in request.persona.lower()]
        praise = _aspect_order(request.persona, request.praise)
        target = max(20, round(self.model.target_chars_ * LENGTHS[request.length]))
        if request.tone == "concise":
            target = 1  # only the clauses that say the attribute values: no filler phrases
        pool = max(request.n * 2, self.model.config_.pool)
        drawn = self.model.generate(
            attrs, n=pool, seed=request.seed, target_chars=target, lead=lead, grounder=self.guard.grounder
        )
        extra = praise_clause(praise, english)
        evidence = [
            Evidence(rid, f"{p.label} {' '.join(p.sentences)}".strip())
            for p in praise[:2]
            for rid in p.review_ids[:3]
        ]
        attr_dict = _attr_dict(attrs)
        scored = []
        for rank, cand in enumerate(drawn):
            text = _tone(cand.text + ((" " if english else "") + extra if extra else ""), request.tone)
            result = self.guard.check(text, attr_dict, evidence or None, self.copy_index)
            covered = [v for v in dict.fromkeys(values) if v in text]
            scored.append((not result.passed, len(result.flags), -len(covered), rank, text, result, cand))
        scored.sort(key=lambda s: s[:4])
        candidates = [
            CopyCandidate(
                text, res.passed, [f.to_dict() for f in res.flags], covered_list(text, values), cand.fluency
            )
            for _, _, _, _, text, res, cand in scored[: request.n]
        ]
        best_text, best_result = scored[0][4], scored[0][5]
        claims = [c.to_dict() for c in best_result.claims]
        if extra:
            start = best_text.rfind(_tone(extra, request.tone))
            claims = [c for c in claims if c["start"] < start]
            ids = [rid for p in praise[:2] for rid in p.review_ids]
            claims.append(
                {
                    "span": best_text[start:],
                    "start": start,
                    "end": len(best_text),
                    "source": {"kind": "review", "id": ids[0]},
                    "sources": [
                        {"kind": "review", "id": rid, "aspect": p.aspect}
                        for p in praise[:2]
                        for rid in p.review_ids
                    ],
                }
            )
        labeled = self.guard.label(best_text)
        notes = []
        if not best_result.passed:
            notes.append("no candidate passed every guard check: the best one is returned with its flags")
        return CopyOutput(
            labeled.text,
            candidates,
            claims,
            [f.to_dict() for f in best_result.flags],
            labeled.label,
            best_result.passed,
            notes,
            {
                "pool": pool,
                "target_chars": target,
                "tone": request.tone,
                "length": request.length,
                "seed": request.seed,
                "top_k": self.model.config_.top_k,
                "model_version": self.model_version,
            },
        )


def covered_list(text: str, values: Sequence[str]) -> list[str]:
    return [v for v in dict.fromkeys(values) if v in text]
