"""How the demo shows the voice-of-the-customer step (`koubei.pipelines.demo_steps.sentiment`)."""

from __future__ import annotations

from typing import Any

from koubei.analysis.sentiment.explain import render as highlighted
from koubei.pipelines.demo_steps.sentiment import TOP_REASONS, SentimentStep


def render(result: SentimentStep, console: Any) -> None:
    accuracy = "-" if result.accuracy is None else f"{result.accuracy:.1%}"
    macro_f1 = "-" if result.macro_f1 is None else f"{result.macro_f1:.3f}"
    console.print(
        "Fast sentiment model (char 1-4-gram TF-IDF; linear SVM + NB-weighted logistic regression, stacked and "
        f"calibrated) trained on {result.n_train:,} reviews in {result.train_seconds:.1f}s; held-out accuracy "
        f"{accuracy}, macro-F1 {macro_f1} on {result.n_heldout:,} reviews."
    )
    console.print(
        f"Scored {result.scored:,} reviews into the store ({result.score_seconds}s); "
        f"{result.aspect_mentions:,} aspect mentions; share positive {result.share_positive}, "
        f"net sentiment {result.net_sentiment}."
    )
    console.print(
        "Most praised aspects:    " + (", ".join(f"{a} ({n:,})" for a, n in result.top_praised) or "-")
    )
    console.print(
        "Most criticized aspects: " + (", ".join(f"{a} ({n:,})" for a, n in result.top_criticized) or "-")
    )
    explanation = result.explanation
    if explanation.reason:
        console.print(f"The example is unscorable: {explanation.reason}")
        return
    console.print(f"Why '{explanation.label}' (p={explanation.score:.2f}) for:")
    console.print(highlighted(explanation, TOP_REASONS))
    console.print(
        "  "
        + ", ".join(f"{s.text} {s.weight:+.2f}" for s in explanation.top(TOP_REASONS))
        + f"   (+ pushes toward '{explanation.label}', - away from it)"
    )
