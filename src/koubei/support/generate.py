"""Generative answers with a local Hugging Face causal LM (a koubei LM directory or any user-supplied one).

The model sees only the numbered evidence and the question. Its output is split into sentences and every
sentence must pass the support check (`koubei.generation.grounding.supported_sentences`, the one grounding check
that copy generation uses too: most of its content words appear in one cited piece); unsupported sentences are
dropped and reported. If nothing survives, the extractive answer is returned, so a
small or confused model can never put an unsupported claim in front of a customer. Decoding is greedy (and seeded
anyway), so the same question and evidence give the same answer.

The prompt is cut to the model's positions (a koubei `tiny` LM has 128): the instructions and the question are
kept whole, evidence pieces are dropped from the end and the last one kept is shortened until the prompt and the
answer's tokens fit; when even the question does not fit there is nothing to generate from and the extractive
answer stands.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from koubei.errors import BadInputError
from koubei.generation.grounding import supported_sentences
from koubei.support.answer import Answer, AnswerConfig, compose_extractive
from koubei.support.documents import split_sentences
from koubei.support.index import Hit
from koubei.text.analyzer import Analysis, analyze_text


@lru_cache(maxsize=2)
def _load(model_dir: str) -> tuple[Any, Any]:
    """(tokenizer, model) of a local causal-LM folder, loaded by koubei's LM loader (plain errors for a missing,
    damaged or unsafe folder)."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    from koubei.lm.model import load_model

    model, tok = load_model(model_dir)
    return tok, model


def context_length(model_dir: str) -> int:
    """How many positions the generator has (prompt + answer)."""
    from koubei.lm.model import model_context_length

    return model_context_length(_load(model_dir)[1])


def build_prompt(question: str, evidence: Sequence[Hit] | Sequence[str], lang: str) -> str:
    texts = [h if isinstance(h, str) else h.doc.text for h in evidence]
    lines = [f"[{n}] {text}" for n, text in enumerate(texts, start=1)]
    if lang == "zh":
        head = "只根据下面的资料回答顾客的问题，不要编造。\n资料：\n"
        return head + "\n".join(lines) + f"\n问题：{question}\n回答："
    head = "Answer the customer's question using only the evidence below. Do not add facts.\nEvidence:\n"
    return head + "\n".join(lines) + f"\nQuestion: {question}\nAnswer:"


def fit_prompt(
    question: str, evidence: Sequence[str], lang: str, count: Callable[[str], int], budget: int
) -> tuple[str, int] | None:
    """The prompt with as much evidence as fits in `budget` tokens (`count` counts a text's tokens), and how many
    pieces it shows. Later pieces go first, then the last piece kept is shortened; the instructions and the
    question are never cut. None when not even one character of evidence fits beside the question."""
    pieces = list(evidence)
    while pieces and count(build_prompt(question, pieces, lang)) > budget and len(pieces) > 1:
        pieces.pop()
    if not pieces:
        return None
    if count(build_prompt(question, pieces, lang)) <= budget:
        return build_prompt(question, pieces, lang), len(pieces)
    text, lo, hi = pieces[-1], 0, len(pieces[-1]) - 1
    while lo < hi:  # the longest prefix of the last piece that fits
        mid = (lo + hi + 1) // 2
        if count(build_prompt(question, [*pieces[:-1], text[:mid]], lang)) <= budget:
            lo = mid
        else:
            hi = mid - 1
    if lo == 0:
        return None
    return build_prompt(question, [*pieces[:-1], text[:lo]], lang), len(pieces)


def generate_text(model_dir: str, prompt: str, max_new_tokens: int, seed: int) -> str:
    """Greedy continuation of `prompt`; never asks the model for more positions than it has."""
    import torch

    tok, model = _load(model_dir)
    torch.manual_seed(seed)
    inputs = tok(prompt, return_tensors="pt")
    inputs.pop("token_type_ids", None)
    positions = context_length(model_dir)
    used = int(inputs["input_ids"].shape[1])
    if used >= positions:
        raise BadInputError(
            f"the prompt is {used} tokens long; the generator {model_dir!r} has {positions} positions"
        )
    pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
    with torch.no_grad():
        out = model.generate(
            **inputs, max_new_tokens=min(max_new_tokens, positions - used), do_sample=False, pad_token_id=pad
        )
    return str(tok.decode(out[0, used:], skip_special_tokens=True)).strip()


def compose_generative(
    question: str | Analysis,
    hits: Sequence[Hit],
    config: AnswerConfig,
    dense_spec: str | None,
    contact: str | None = None,
    query: str | Analysis | None = None,
) -> Answer:
    """Generate from the extractive answer's evidence, keep only supported sentences, cite their evidence."""
    q = question if isinstance(question, Analysis) else analyze_text(question)
    base = compose_extractive(q, hits, config, dense_spec, contact, query)
    if base.refused or config.generator_dir is None:
        return base  # no evidence: refusing beats letting a model improvise
    tok, _ = _load(config.generator_dir)
    positions = context_length(config.generator_dir)
    answer_tokens = min(config.max_new_tokens, positions // 2)
    fitted = fit_prompt(
        q.text,
        [h.doc.text for h in base.evidence],
        base.lang,
        lambda text: len(tok(text)["input_ids"]),
        positions - answer_tokens,
    )
    if fitted is None:  # the question alone fills the model's positions: nothing to generate from
        return base
    prompt, shown = fitted
    raw = generate_text(config.generator_dir, prompt, answer_tokens, config.seed)
    texts = [h.doc.text for h in base.evidence[:shown]]
    kept, dropped = supported_sentences(
        split_sentences(raw) or ([raw] if raw else []), texts, config.min_sentence_support
    )
    if not any(idx >= 0 for _, idx in kept):  # nothing factual survived (or only "Sure!"): stay extractive
        base.dropped_sentences = dropped
        return base
    used: dict[int, int] = {}  # evidence index -> citation number
    parts = []
    for sentence, idx in kept:
        if idx >= 0:
            n = used.setdefault(idx, len(used) + 1)
            parts.append(f"{sentence} [{n}]")
        else:
            parts.append(sentence)
    evidence = [base.evidence[i] for i in used]
    citations = [{"n": n, **base.evidence[i].doc.citation()} for i, n in used.items()]
    return Answer(
        " ".join(parts),
        citations,
        evidence,
        refused=False,
        mode="generative",
        lang=base.lang,
        dropped_sentences=dropped,
    )
