"""How the demo shows the language-model step."""

from __future__ import annotations

from typing import Any


def render(result: Any, console: Any) -> None:
    console.print(
        f"Trained on {result.train_reviews:,} masked texts ({result.chars_per_token:.2f} chars/token): "
        f"{result.steps} steps in {result.train_seconds:.0f} s ({result.chars_per_second:,.0f} chars/s, "
        f"{result.precision}; tokenizer {result.tokenizer_seconds:.1f} s).\n"
        f"Held-out {result.held_out_reviews:,} reviews: [bold]{result.bits_per_char:.3f} bits/char[/], "
        f"perplexity {result.perplexity:,.1f} per token.\n"
        f"Model: {result.model_dir} (a Hugging Face directory)\n"
        + "\n".join(f"Sample {i + 1}: {s}" for i, s in enumerate(result.samples))
    )
