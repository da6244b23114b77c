"""Demo step: voice of the customer on the bundled corpus.

Trains the fast polarity model on the store's labelled reviews (80/20 split, held-out accuracy), scores every review
back into the store, extracts aspect sentiment with the taxonomy, stores the aggregates and explains one
prediction. Returns the figures as a `SentimentStep`; `koubei.cli.demo_views.sentiment` shows them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from koubei.analysis.sentiment.explain import Explanation
from koubei.results import Result

ORDER = 30
TITLE = "Voice of the customer: sentiment, aspects, explanations"
SHOWS = "a polarity model trained on the reviews, every review scored, praised and criticized aspects, and why one prediction"
SECONDS = (12, 60)
EXAMPLE = "质量很好，价格也实惠，但是物流太慢了，包装也有点破损"
TOP_REASONS = 6


@dataclass
class SentimentStep(Result):
    model_dir: str
    accuracy: float | None
    macro_f1: float | None
    n_train: int
    n_heldout: int
    train_seconds: float
    scored: int
    score_seconds: float
    sentiment_model: str
    aspect_model: str
    aspect_mentions: int
    share_positive: float | None
    net_sentiment: float | None
    top_praised: list[tuple[str, int]]
    top_criticized: list[tuple[str, int]]
    explanation: Explanation
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["explanation"] = self.explanation.to_dict(TOP_REASONS)  # the reasons shown, not every word
        return out


def run(ctx: Any) -> SentimentStep:
    from koubei.errors import KoubeiError
    from koubei.ingest.bundled import SOURCE
    from koubei.pipelines import aspects, sentiment

    rows = sentiment.rows_from_store(ctx.store, source=SOURCE) or sentiment.rows_from_store(ctx.store)
    if not rows:
        raise KoubeiError("no labelled reviews in the store; the corpus step must run first")
    model_dir = ctx.workdir / "models" / "sentiment-fast"
    progress = getattr(ctx, "progress", None)
    report = sentiment.train_rows(rows, model_dir, kind="fast", holdout=0.2, seed=0, progress=progress)
    scored = sentiment.score_store(ctx.store, model_dir, progress=progress)
    # Clause polarity from the lexicon: the corpus is mostly long book/hotel reviews, so a model trained on it
    # is unreliable on the short clauses aspects live in (it leans on length), while the lexicon is not.
    extractor, name = aspects.build_extractor()
    found = aspects.aspects_store(ctx.store, extractor, name, progress=progress, sentiment_model=scored.model)
    overall = (found.aggregates.overall if found.aggregates else None) or {}
    return SentimentStep(
        model_dir=str(model_dir),
        accuracy=report.metrics.get("accuracy"),
        macro_f1=report.metrics.get("macro_f1"),
        n_train=report.n_train,
        n_heldout=report.n_heldout,
        train_seconds=report.seconds,
        scored=scored.scored,
        score_seconds=scored.seconds,
        sentiment_model=scored.model,
        aspect_model=name,
        aspect_mentions=found.mentions,
        share_positive=overall.get("share_positive"),
        net_sentiment=overall.get("net_sentiment"),
        top_praised=[(e["aspect"], e["count"]) for e in overall.get("top_praised", [])],
        top_criticized=[(e["aspect"], e["count"]) for e in overall.get("top_criticized", [])],
        explanation=sentiment.explain_texts(model_dir, [EXAMPLE])[0],
    )
