"""Generative answers with a local Hugging Face causal LM (a koubei LM directory or any user-supplied one).

The model sees only the numbered evidence and the question. Its output is split into sentences and every
sentence must pass the support check (`answer.supported_sentences`: most of its content words appear in one cited
piece); unsupported sentences are dropped and reported. If nothing survives, the extractive answer is returned, so a
small or confused model can never put an unsupported claim in front of a customer. Decoding is greedy (and seeded
anyway), so the same question and evidence give the same answer.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from koubei.errors import NotFoundError
from koubei.support.answer import Answer, AnswerConfig, compose_extractive, supported_sentences
from koubei.support.documents import split_sentences
from koubei.support.index import Hit


@lru_cache(maxsize=2)
def _load(model_dir: str) -> tuple[Any, Any]:
    path = Path(model_dir)
    if not (path / "config.json").exists():
        raise NotFoundError(f"generator directory {model_dir!r} is not a Hugging Face model (no config.json)")
    os.environ["HF_HUB_OFFLINE"] = "1"
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    tok = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
    model = AutoModelForCausalLM.from_pretrained(model_dir, local_files_only=True)
    model.eval()
    return tok, model


def build_prompt(question: str, evidence: Sequence[Hit], lang: str) -> str:
    lines = [f"[{n}] {h.doc.text}" for n, h in enumerate(evidence, start=1)]
    if lang == "zh":
        head = "只根据下面的资料回答顾客的问题，不要编造。\n资料：\n"
        return head + "\n".join(lines) + f"\n问题：{question}\n回答："
    head = "Answer the customer's question using only the evidence below. Do not add facts.\nEvidence:\n"
    return head + "\n".join(lines) + f"\nQuestion: {question}\nAnswer:"


def generate_text(model_dir: str, prompt: str, max_new_tokens: int, seed: int) -> str:
    import torch

    tok, model = _load(model_dir)
    torch.manual_seed(seed)
    inputs = tok(prompt, return_tensors="pt")
    inputs.pop("token_type_ids", None)
    pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
    with torch.no_grad():
        out = model.generate(**inputs, max_new_tokens=max_new_tokens, do_sample=False, pad_token_id=pad)
    return str(tok.decode(out[0, inputs["input_ids"].shape[1] :], skip_special_tokens=True)).strip()


def compose_generative(
    question: str,
    hits: Sequence[Hit],
    config: AnswerConfig,
    dense_spec: str | None,
    contact: str | None = None,
    query: str | None = None,
) -> Answer:
    """Generate from the extractive answer's evidence, keep only supported sentences, cite their evidence."""
    base = compose_extractive(question, hits, config, dense_spec, contact, query)
    if base.refused or config.generator_dir is None:
        return base  # no evidence: refusing beats letting a model improvise
    raw = generate_text(config.generator_dir, build_prompt(question, base.evidence, base.lang),
                        config.max_new_tokens, config.seed)
    texts = [h.doc.text for h in base.evidence]
    kept, dropped = supported_sentences(split_sentences(raw) or ([raw] if raw else []), texts,
                                        config.min_sentence_support)
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
    return Answer(" ".join(parts), citations, evidence, refused=False, mode="generative", lang=base.lang,
                  dropped_sentences=dropped)
