"""Demo step: train a tokenizer and a small language model on the store's text, evaluate it, sample from it.

Trains on what `koubei lm train --data store` trains on (`koubei.pipelines.lm.store_texts`: PII-masked review texts,
then product titles) minus a held-out 10% (by text hash), reports bits per character on held-out reviews and two
samples. Full mode: an 8k tokenizer and the `small` preset with `koubei lm train`'s default recipe for 80 s of
optimization (about 2 minutes in all on 2 CPU cores). Quick mode (tests): 1,500 reviews, a 1k tokenizer and the
`micro` preset for 40 steps on one thread (a tiny model gains nothing from a second thread and loses a lot when the
other core is busy), a few seconds. The step returns data; `koubei.cli.demo_views.lm` shows it.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from typing import Any

from koubei.results import Result

ORDER = 20
TITLE = "Language model: tokenizer, training, bits/char, samples"
SHOWS = "a tokenizer and a small GPT-style model trained on the masked reviews, its held-out bits/char and samples"
SECONDS = (8, 120)
PROMPTS = ("<|review|>这款手机", "<|review|>物流")
HELD_OUT_SEED = 20240611
FULL_BUDGET_SECONDS = 80.0
HELD_OUT_MAX = (
    1000  # held-out reviews scored (enough for a stable figure; all of them would take longer than training)
)


@dataclass
class LmStep(Result):
    model_dir: str
    bits_per_char: float
    perplexity: float
    held_out_reviews: int
    train_reviews: int
    steps: int
    chars_per_token: float
    chars_per_second: float
    train_seconds: float
    tokenizer_seconds: float
    precision: str
    samples: list[str] = field(default_factory=list)
    seconds: float = 0.0


def run(ctx: Any) -> LmStep:
    from koubei.errors import BadInputError
    from koubei.lm.config import SampleConfig, TrainConfig
    from koubei.lm.data import split_documents
    from koubei.pipelines import lm

    started = time.perf_counter()
    progress = getattr(ctx, "progress", None)
    texts = lm.store_texts(ctx.store, limit=1500 if ctx.quick else None)
    if len(texts) < 20:
        raise BadInputError(f"the store holds {len(texts)} texts; the language-model step needs at least 20")
    train_texts, held = split_documents(texts, 0.1, HELD_OUT_SEED)
    model_dir = ctx.workdir / "lm"
    if model_dir.exists():  # the demo's own artifact from an earlier run: start over
        shutil.rmtree(model_dir)
    if ctx.quick:
        config = TrainConfig(
            preset="micro",
            max_steps=40,
            vocab_size=1000,
            batch_size=8,
            context_length=64,
            learning_rate=1e-2,
            warmup_steps=5,
            eval_interval=20,
            checkpoint_interval=40,
            threads=1,
        )
    else:
        config = TrainConfig(preset="small", time_budget=FULL_BUDGET_SECONDS)
    result = lm.train_model(train_texts, config, out=model_dir, progress=progress)
    scored = held[:300] if ctx.quick else held[:HELD_OUT_MAX]
    evaluation = lm.evaluate(model_dir, scored, progress=progress)
    samples = []
    for i, prompt in enumerate(PROMPTS):
        out = lm.sample(model_dir, prompt, SampleConfig(max_new_tokens=24 if ctx.quick else 60, seed=i))
        samples.append(prompt.replace("<|review|>", "") + out.text)
    return LmStep(
        model_dir=str(model_dir),
        bits_per_char=round(evaluation.bits_per_char, 4),
        perplexity=round(evaluation.perplexity, 3),
        held_out_reviews=evaluation.documents,
        train_reviews=len(train_texts),
        steps=result.steps,
        chars_per_token=result.chars_per_token,
        chars_per_second=result.chars_per_second,
        train_seconds=result.train_seconds,
        tokenizer_seconds=result.tokenizer_seconds,
        precision=result.precision,
        samples=samples,
        seconds=round(time.perf_counter() - started, 2),
    )
