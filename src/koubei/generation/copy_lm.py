"""The koubei language model inside the copy model: trained (or fine-tuned) on the training copy, it scores the
fluency of candidates and writes connective clauses with the koubei sampler, banned terms blocked while decoding.

Training is `koubei.lm.train.train` on the copy texts, one document per copy: from scratch (a tokenizer and a
small model, within a time budget) or, with `init_from`, fine-tuning a model `koubei lm train` wrote (transfer
learning: its tokenizer and weights are kept, the copy texts continue its training). The trained directory is
saved inside the copy model's folder (`lm/`, a standard HF directory with its own `koubei_lm.json`: format
version, resolved training config, final metrics), so one copy artifact carries everything it decodes with.

Scoring: natural-log probability of the whole text (after the document-start token, up to and including the
end-of-text token) per character, batched; a text longer than the model's positions is scored on its first window.

Sampling: `koubei.lm.sample.generate` continues the draft so far with `banned_words` = every literal term of the
ad-law rules plus 最 (the rules flag 最 before any Chinese character; blocking the character outright costs only
the honest 最近 / 最佳使用时间, which copy never needs). The sampler checks bans on the decoded text, so every
tokenisation of a term (one merged token, two tokens, a token that hides it inside a longer piece) is blocked.
The continuation is cut at the first clause end; the caller checks the clause (values, grounding, guard).
"""

from __future__ import annotations

import math
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from koubei.errors import BadInputError
from koubei.progress import Progress

LM_FOLDER = "lm"
_CLAUSE_END = "，。！？；,!?;"


@lru_cache(maxsize=1)
def decoding_banned_terms() -> tuple[str, ...]:
    """Words the sampler must never write: the ad-law data's literal terms and 最 (see the module docstring)."""
    from koubei.generation.flags import read_data

    data = read_data(None, "ad_law.json")
    terms = {t for group in data.get("terms", []) for t in group.get("terms", []) if isinstance(t, str) and t}
    terms.add("最")
    return tuple(sorted(terms, key=lambda t: (len(t), t)))


@dataclass
class CopyLMTraining:
    """What training the copy LM did (recorded in the copy model's data record)."""

    steps: int
    train_seconds: float
    val_bits_per_char: float | None
    init_from: str | None
    preset: str | None


class CopyLM:
    """A loaded causal LM + tokenizer used by the copy model (scoring and clause sampling)."""

    def __init__(self, model: Any, tokenizer: Any, training: CopyLMTraining | None = None) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.training = training

    # ------------------------------------------------------------------ training and storage
    @classmethod
    def train(
        cls,
        texts: Sequence[str],
        *,
        preset: str = "tiny",
        vocab_size: int = 2048,
        time_budget: float | None = 120.0,
        max_steps: int | None = None,
        init_from: str | None = None,
        seed: int = 0,
        threads: int | None = None,
        progress: Progress | None = None,
    ) -> CopyLM:
        """Train from scratch or fine-tune `init_from` on `texts` (one document each)."""
        from koubei.lm.config import TrainConfig
        from koubei.lm.model import load_model
        from koubei.lm.train import train

        docs = [t for t in texts if t.strip()]
        if not docs:
            raise BadInputError("no copy text to train the copy LM on")
        if init_from is not None and not (Path(init_from) / "config.json").is_file():
            raise BadInputError(
                f"--init-from {init_from!r} is not a model directory (no config.json); give a folder "
                "`koubei lm train` wrote"
            )
        config = TrainConfig(
            preset=preset,
            vocab_size=vocab_size,
            time_budget=time_budget,
            max_steps=max_steps,
            init_from=init_from,
            seed=seed,
            device="cpu",
            threads=threads,
            precision="fp32",
            val_fraction=0.05 if len(docs) >= 40 else 0.0,
            eval_interval=10**6,  # only the final evaluation: periodic ones cost steps of a short budget
            checkpoint_interval=10**6,  # the run lives in a temporary folder; the final model is copied out
            warmup_steps=10 if max_steps is None or max_steps >= 40 else 1,
            horizon_probe_steps=10,
        )
        work = Path(tempfile.mkdtemp(prefix="koubei-copy-lm-"))
        try:
            result = train(docs, work, config, progress=progress)
            model, tokenizer = load_model(work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return cls(
            model,
            tokenizer,
            CopyLMTraining(
                result.steps,
                result.train_seconds,
                result.val_bits_per_char,
                init_from,
                None if init_from else preset,
            ),
        )

    def save(self, folder: str | Path) -> Path:
        """Write the LM as `folder/lm` (a standard HF directory with koubei's metadata)."""
        from koubei.lm.model import save_model

        target = Path(folder) / LM_FOLDER
        meta = {"copy_lm": self.training.__dict__ if self.training else {}}
        return save_model(self.model, self.tokenizer, target, meta)

    @classmethod
    def load(cls, folder: str | Path) -> CopyLM:
        from koubei.lm.model import load_model, read_meta

        target = Path(folder) / LM_FOLDER
        model, tokenizer = load_model(target)
        info = read_meta(target).get("copy_lm") or {}
        training = CopyLMTraining(**info) if info else None
        return cls(model, tokenizer, training)

    # ------------------------------------------------------------------ use
    def logprob_per_char(self, texts: Sequence[str]) -> list[float]:
        """Natural-log probability per character of each whole text (batched, no gradient)."""
        import torch

        from koubei.lm.model import model_context_length

        if not texts:
            return []
        eos = self.tokenizer.eos_token_id
        ctx = model_context_length(self.model)
        rows = [
            [eos, *ids, eos][:ctx]
            for ids in self.tokenizer(list(texts), add_special_tokens=False)["input_ids"]
        ]
        width = max(len(r) for r in rows)
        ids = torch.full((len(rows), width), eos, dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        for i, r in enumerate(rows):
            ids[i, : len(r)] = torch.tensor(r)
            mask[i, : len(r)] = 1
        with torch.no_grad():
            logits = self.model(input_ids=ids, attention_mask=mask).logits.float()
        logp = torch.log_softmax(logits[:, :-1], dim=-1).gather(-1, ids[:, 1:].unsqueeze(-1)).squeeze(-1)
        totals = (logp * mask[:, 1:]).sum(dim=1).tolist()
        return [total / max(1, len(text)) for total, text in zip(totals, texts, strict=True)]

    def clause(
        self,
        draft: str,
        *,
        seed: int,
        temperature: float = 0.9,
        top_k: int = 20,
        max_new_tokens: int = 24,
        min_chars: int = 4,
        banned: Sequence[str] | None = None,
    ) -> str | None:
        """One clause continuing `draft` (ending in its punctuation), or None when the sample does not close a
        clause within `max_new_tokens` or is too short."""
        from koubei.lm.config import SampleConfig
        from koubei.lm.sample import generate

        cfg = SampleConfig(
            max_new_tokens=max_new_tokens,
            temperature=temperature,
            top_k=top_k,
            top_p=None,
            repetition_penalty=1.0,
            seed=seed,
            banned_words=tuple(banned if banned is not None else decoding_banned_terms()),
        )
        text = generate(self.model, self.tokenizer, draft, cfg).text
        return cut_clause(text, min_chars)


def cut_clause(text: str, min_chars: int = 4) -> str | None:
    """The first clause of `text` with its punctuation (at least `min_chars` characters before it), else None."""
    for i, ch in enumerate(text):
        if ch in _CLAUSE_END:
            body = text[:i].strip()
            if len(body) >= min_chars:
                return body + ch
            return None
    return None


def bits_per_char(logprob: float) -> float:
    return -logprob / math.log(2)
