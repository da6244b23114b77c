"""Demo step: train a tokenizer and a small language model on the store's reviews, evaluate it, sample from it.

Trains on the PII-masked review texts in the store (the bundled corpus after step 10) minus a held-out 10% (by text
hash), reports bits per character on the held-out reviews and prints two samples. Full mode: an 8k tokenizer and
the `small` preset for 150 s of optimization (a few minutes on 2 CPU cores). Quick mode (tests): 1,500 reviews, a
1k tokenizer and the `micro` preset for 40 steps on one thread (a tiny model gains nothing from a second thread
and loses a lot when the other core is busy), a few seconds.
"""

from __future__ import annotations

import shutil
import time
from typing import Any

ORDER = 20
TITLE = "Language model: tokenizer, training, bits/char, samples"
PROMPTS = ("<|review|>这款手机", "<|review|>物流")
HELD_OUT_SEED = 20240611


def run(ctx: Any) -> dict[str, Any]:
    from koubei.errors import BadInputError
    from koubei.lm.config import SampleConfig
    from koubei.lm.data import is_held_out
    from koubei.lm.evaluate import evaluate_texts
    from koubei.lm.model import load_model
    from koubei.lm.sample import generate
    from koubei.lm.train import train_lm
    from koubei.store.lm_data import iter_review_texts

    started = time.perf_counter()
    texts = list(iter_review_texts(ctx.store, limit=1500 if ctx.quick else None))
    if len(texts) < 20:
        raise BadInputError(f"the store holds {len(texts)} review texts; the language-model step needs at least 20")
    held = [t for t in texts if is_held_out(t, 0.1, HELD_OUT_SEED)]
    train_texts = [t for t in texts if not is_held_out(t, 0.1, HELD_OUT_SEED)]
    model_dir = ctx.workdir / "lm"
    if model_dir.exists():  # the demo's own artifact from an earlier run: start over
        shutil.rmtree(model_dir)
    if ctx.quick:
        result = train_lm(
            train_texts, model_dir, preset_name="micro", max_steps=40, vocab_size=1000, batch_size=8,
            learning_rate=1e-2, warmup_steps=5, eval_interval=20, checkpoint_interval=40, threads=1,
        )
    else:
        result = train_lm(train_texts, model_dir, preset_name="small", time_budget=150, progress=True)
    model, tokenizer = load_model(model_dir)
    evaluation = evaluate_texts(model, tokenizer, held[:300] if ctx.quick else held)
    samples = []
    for i, prompt in enumerate(PROMPTS):
        out = generate(model, tokenizer, prompt, SampleConfig(max_new_tokens=24 if ctx.quick else 60, seed=i))
        samples.append(prompt.replace("<|review|>", "") + out.text)
    ctx.console.print(
        f"Trained on {len(train_texts):,} masked reviews ({result.chars_per_token:.2f} chars/token): "
        f"{result.steps} steps in {result.train_seconds:.0f} s ({result.chars_per_second:,.0f} chars/s; "
        f"tokenizer {result.tokenizer_seconds:.1f} s).\n"
        f"Held-out {evaluation.documents:,} reviews: [bold]{evaluation.bits_per_char:.3f} bits/char[/], "
        f"perplexity {evaluation.perplexity:,.1f} per token.\n"
        f"Model: {model_dir} (a Hugging Face directory)\n"
        + "\n".join(f"Sample {i + 1}: {s}" for i, s in enumerate(samples))
    )
    return {
        "model_dir": str(model_dir),
        "bits_per_char": round(evaluation.bits_per_char, 4),
        "perplexity": round(evaluation.perplexity, 3),
        "held_out_reviews": evaluation.documents,
        "train_reviews": len(train_texts),
        "steps": result.steps,
        "chars_per_token": result.chars_per_token,
        "chars_per_second": result.chars_per_second,
        "samples": samples,
        "seconds": round(time.perf_counter() - started, 2),
    }
