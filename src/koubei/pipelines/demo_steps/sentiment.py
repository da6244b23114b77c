"""Demo step: voice of the customer on the bundled corpus.

Trains the fast polarity model on the store's labelled reviews (80/20 split, held-out accuracy printed), scores
every review back into the store, extracts aspect sentiment with the taxonomy, stores the aggregates, prints the
most praised and criticized aspects, and explains one prediction.
"""

from __future__ import annotations

from typing import Any

ORDER = 30
TITLE = "Voice of the customer: sentiment, aspects, explanations"
EXAMPLE = "质量很好，价格也实惠，但是物流太慢了，包装也有点破损"


def run(ctx: Any) -> dict[str, Any]:
    from koubei.analysis.sentiment.explain import render
    from koubei.analysis.sentiment.kinds import load_sentiment_model
    from koubei.errors import KoubeiError
    from koubei.ingest.bundled import SOURCE
    from koubei.pipelines import aspects, sentiment

    rows = sentiment.rows_from_store(ctx.store, source=SOURCE) or sentiment.rows_from_store(ctx.store)
    if not rows:
        raise KoubeiError("no labelled reviews in the store; the corpus step must run first")
    model_dir = ctx.workdir / "models" / "sentiment-fast"
    progress = getattr(ctx, "progress", None)
    report = sentiment.train_rows(rows, model_dir, kind="fast", holdout=0.2, seed=0, progress=progress)
    accuracy = report.metrics.get("accuracy")
    ctx.console.print(
        f"Fast sentiment model (char 1-4-gram TF-IDF; linear SVM + NB-weighted logistic regression, stacked and calibrated) trained on {report.n_train:,} reviews "
        f"in {report.seconds:.1f}s; held-out accuracy {accuracy:.1%}, macro-F1 {report.metrics.get('macro_f1', 0):.3f} "
        f"on {report.n_heldout:,} reviews."
    )
    scored = sentiment.score_store(ctx.store, model_dir, progress=progress)
    # Clause polarity from the lexicon: the corpus is mostly long book/hotel reviews, so a model trained on it
    # is unreliable on the short clauses aspects live in (it leans on length), while the lexicon is not.
    extractor, name = aspects.build_extractor()
    found = aspects.aspects_store(ctx.store, extractor, name, progress=progress, sentiment_model=scored.model)
    overall = (found.aggregates.overall if found.aggregates else None) or {}
    praised = [(e["aspect"], e["count"]) for e in overall.get("top_praised", [])]
    criticized = [(e["aspect"], e["count"]) for e in overall.get("top_criticized", [])]
    ctx.console.print(
        f"Scored {scored.scored:,} reviews into the store ({scored.seconds}s); "
        f"{found.mentions:,} aspect mentions; share positive {overall.get('share_positive')}, "
        f"net sentiment {overall.get('net_sentiment')}."
    )
    ctx.console.print("Most praised aspects:    " + (", ".join(f"{a} ({n:,})" for a, n in praised) or "-"))
    ctx.console.print("Most criticized aspects: " + (", ".join(f"{a} ({n:,})" for a, n in criticized) or "-"))
    explanation = load_sentiment_model(model_dir).explain(EXAMPLE)
    ctx.console.print(f"Why '{explanation.label}' (p={explanation.score:.2f}) for:")
    ctx.console.print(render(explanation, 6))
    ctx.console.print(
        "  " + ", ".join(f"{s.text} {s.weight:+.2f}" for s in explanation.top(6))
        + f"   (+ pushes toward '{explanation.label}', - away from it)"
    )
    return {
        "model_dir": str(model_dir),
        "accuracy": accuracy,
        "macro_f1": report.metrics.get("macro_f1"),
        "n_train": report.n_train,
        "n_heldout": report.n_heldout,
        "scored": scored.scored,
        "sentiment_model": scored.model,
        "aspect_model": name,
        "aspect_mentions": found.mentions,
        "top_praised": praised,
        "top_criticized": criticized,
        "explanation": explanation.to_dict(6),
    }
