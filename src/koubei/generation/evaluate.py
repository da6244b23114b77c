"""Figures for attribute -> copy systems: BLEU-4, ROUGE-1/2/L, coverage, contradiction, distinct-2, banned terms.

Conventions (those of the published AdvertiseGen results, so figures compare):
- BLEU-4: nltk `sentence_bleu` on *characters* (one reference), smoothing method 3, x100, averaged over lines;
- ROUGE-1/2: F1 over the *sets* of jieba-token n-grams (the pltrdy `rouge` / `rouge-chinese` convention);
  ROUGE-L: F1 of the longest common subsequence over the whole jieba token sequences; all x100, averaged;
- coverage: share of the input's attribute values (distinct) that the copy mentions verbatim, over all values;
- contradiction rate: share of outputs with at least one `contradiction` flag of `generation.grounding`;
- distinct-2: distinct character bigrams / all character bigrams over all outputs;
- banned-term rate: share of outputs with at least one ad-law flag (`generation.adlaw`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from koubei.generation.copy_data import CopyPair
from koubei.results import Result


def _jieba_tokens(text: str) -> list[str]:
    import jieba

    jieba.setLogLevel(60)
    return [t for t in jieba.lcut(text) if t.strip()]


def bleu4(hypothesis: str, reference: str) -> float:
    """Character BLEU-4 x100 (nltk sentence_bleu, smoothing method 3)."""
    from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu

    if not hypothesis:
        return 0.0
    return 100.0 * float(
        sentence_bleu([list(reference)], list(hypothesis), smoothing_function=SmoothingFunction().method3)
    )


def _f1(overlap: int, n_hyp: int, n_ref: int) -> float:
    if not overlap or not n_hyp or not n_ref:
        return 0.0
    p, r = overlap / n_hyp, overlap / n_ref
    return 2 * p * r / (p + r)


def _ngram_set(tokens: list[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


def _lcs(a: list[str], b: list[str]) -> int:
    if not a or not b:
        return 0
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b):
            cur.append(prev[j] + 1 if x == y else max(prev[j + 1], cur[j]))
        prev = cur
    return prev[-1]


def rouge(hypothesis: str, reference: str) -> dict[str, float]:
    """ROUGE-1/2/L F1 x100 on jieba tokens (see the module docstring for the convention)."""
    hyp, ref = _jieba_tokens(hypothesis), _jieba_tokens(reference)
    out = {}
    for n in (1, 2):
        hs, rs = _ngram_set(hyp, n), _ngram_set(ref, n)
        out[f"rouge_{n}"] = 100.0 * _f1(len(hs & rs), len(hs), len(rs))
    out["rouge_l"] = 100.0 * _f1(_lcs(hyp, ref), len(hyp), len(ref))
    return out


def coverage(text: str, values: Sequence[str]) -> tuple[int, int]:
    """(values mentioned verbatim, values) for one output."""
    distinct = list(dict.fromkeys(values))
    return sum(1 for v in distinct if v in text), len(distinct)


def distinct_2(texts: Sequence[str]) -> float:
    grams = [t[i : i + 2] for t in texts for i in range(len(t) - 1)]
    return len(set(grams)) / len(grams) if grams else 0.0


@dataclass
class SystemFigures(Result):
    system: str
    lines: int
    bleu4: float
    rouge_1: float
    rouge_2: float
    rouge_l: float
    coverage: float
    contradiction_rate: float
    distinct_2: float
    banned_term_rate: float
    copied_rate: float | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    examples: list[dict[str, str]] = field(default_factory=list)


def score_outputs(
    system: str,
    pairs: Sequence[CopyPair],
    outputs: Sequence[str],
    settings: dict[str, Any] | None = None,
    copy_index: Any = None,
    examples: int = 3,
) -> SystemFigures:
    """All figures of one system's outputs against the pairs' reference copy (same order)."""
    from koubei.generation.adlaw import AdLawRules
    from koubei.generation.grounding import Grounder

    if len(pairs) != len(outputs):
        raise ValueError(f"{len(outputs)} outputs for {len(pairs)} pairs")
    grounder = Grounder()
    adlaw = AdLawRules.load()
    n = max(1, len(pairs))
    bleu = r1 = r2 = rl = 0.0
    mentioned = total = contradicted = banned = copied = 0
    for pair, out in zip(pairs, outputs, strict=True):
        bleu += bleu4(out, pair.text)
        r = rouge(out, pair.text)
        r1, r2, rl = r1 + r["rouge_1"], r2 + r["rouge_2"], rl + r["rouge_l"]
        m, t = coverage(out, pair.values)
        mentioned, total = mentioned + m, total + t
        flags = grounder.ground(out, _attr_dict(pair)).flags
        contradicted += any(f.kind == "contradiction" for f in flags)
        banned += bool(adlaw.find(out))
        if copy_index is not None:
            copied += bool(copy_index.find(out))
    return SystemFigures(
        system,
        len(pairs),
        round(bleu / n, 3),
        round(r1 / n, 3),
        round(r2 / n, 3),
        round(rl / n, 3),
        round(100.0 * mentioned / max(1, total), 2),
        round(100.0 * contradicted / n, 2),
        round(distinct_2(outputs), 4),
        round(100.0 * banned / n, 2),
        round(100.0 * copied / n, 2) if copy_index is not None else None,
        dict(settings or {}),
        [
            {"attributes": "*".join(f"{k}#{v}" for k, v in p.attributes), "output": o, "reference": p.text}
            for p, o in list(zip(pairs, outputs, strict=True))[:examples]
        ],
    )


def _attr_dict(pair: CopyPair) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pair.attributes:
        out.setdefault(k, []).append(v)
    return out


def evaluate_system(
    system: str, generate: Callable[[CopyPair], str], pairs: Sequence[CopyPair], **kwargs: Any
) -> SystemFigures:
    return score_outputs(system, pairs, [generate(p) for p in pairs], **kwargs)
