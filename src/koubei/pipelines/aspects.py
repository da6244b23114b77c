"""Aspect use cases: aspect sentiment for a file or the store (batched), and the sentiment aggregates per
product / category / brand / week that the dashboard reads. The computation lives in `koubei.analysis`.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from koubei.analysis.aggregate import aggregate
from koubei.analysis.aspects import AspectExtractor, summarize_mentions
from koubei.analysis.guard import check_text
from koubei.analysis.taxonomy import Taxonomy
from koubei.errors import BadInputError

AGGREGATE_KIND = "sentiment"


def build_extractor(taxonomy: str | Path | None = None, model_dir: str | Path | None = None, supervised: str | Path | None = None) -> tuple[Any, str]:
    """(extractor, name under which its mentions are stored). Rules + lexicon unless a model is given."""
    from koubei.config import get_settings

    max_chars = get_settings().max_text_chars
    if supervised is not None:
        from koubei.analysis.aspect_model import SupervisedAspectModel

        return SupervisedAspectModel.load(supervised), f"supervised:{Path(supervised).resolve().name}"
    tax = Taxonomy.load(taxonomy)
    suffix = "" if taxonomy is None else f"@{Path(taxonomy).stem}"
    if model_dir is not None:
        from koubei.analysis.models import load_sentiment_model

        model = load_sentiment_model(model_dir)
        return AspectExtractor.with_model(model, tax, max_chars), f"rules+{Path(model_dir).resolve().name}{suffix}"
    return AspectExtractor(tax, max_chars=max_chars), f"rules+lexicon{suffix}"


def _record(review_id: str | None, text: Any, mentions: list[Any], max_chars: int) -> dict[str, Any]:
    out: dict[str, Any] = {"review_id": review_id}
    check = check_text(text, max_chars)
    if not check.ok:
        out["label"] = "unscorable"
        out["reason"] = check.reason
    out["aspects"] = [m.to_dict() for m in mentions]
    out["summary"] = summarize_mentions(mentions)
    return out


def aspects_file(
    extractor: Any,
    input_path: str | Path,
    output_path: str | Path,
    mapping: dict[str, list[str]] | None = None,
    batch_size: int = 1000,
    resume: bool = True,
    progress: bool = True,
) -> dict[str, Any]:
    """One JSON object per input row (input order): review_id, aspects (mentions with spans), summary per aspect."""
    from koubei.config import get_settings
    from koubei.pipelines.sentiment import _done_lines, _progress, read_review_file

    if batch_size < 1:
        raise BadInputError(f"--batch-size must be >= 1, got {batch_size}")
    started = time.perf_counter()
    rows = read_review_file(input_path, mapping)
    out = Path(output_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    done = _done_lines(out) if resume else 0
    if done > len(rows):
        raise BadInputError(f"{str(out)!r} already has {done} lines but the input has {len(rows)} rows; use --no-resume")
    max_chars = get_settings().max_text_chars
    counts: dict[str, dict[str, int]] = {}
    with out.open("a" if done else "w", encoding="utf-8") as sink, _progress(len(rows) - done, "aspects", progress) as bar:
        for begin in range(done, len(rows), batch_size):
            chunk = rows[begin : begin + batch_size]
            found = extractor.extract_many([r.text for r in chunk])
            lines = []
            for row, mentions in zip(chunk, found, strict=True):
                rec = _record(row.review_id, row.text, mentions, max_chars)
                for aspect, sentiment in rec["summary"].items():
                    counts.setdefault(aspect, {}).setdefault(sentiment, 0)
                    counts[aspect][sentiment] += 1
                lines.append(json.dumps(rec, ensure_ascii=False) + "\n")
            sink.write("".join(lines))
            sink.flush()
            bar.update(len(chunk))
    return {
        "input": str(input_path), "output": str(out), "rows": len(rows), "skipped_already_done": done,
        "aspects": counts, "seconds": round(time.perf_counter() - started, 2),
    }


def aspects_store(store: Any, extractor: Any, name: str, batch_size: int = 1000, progress: bool = True) -> dict[str, Any]:
    """Aspect mentions for every review in the store (replacing earlier ones by the same extractor)."""
    from koubei.pipelines.sentiment import _progress
    from koubei.store.analysis import count_reviews, iter_review_batches, replace_aspect_mentions

    if batch_size < 1:
        raise BadInputError(f"--batch-size must be >= 1, got {batch_size}")
    started = time.perf_counter()
    total = count_reviews(store)
    written = 0
    with _progress(total, "aspects", progress) as bar:
        for batch in iter_review_batches(store, batch_size):
            found = extractor.extract_many([r["text"] for r in batch])
            written += replace_aspect_mentions(
                store, name, {r["review_id"]: [m.to_dict() for m in ms] for r, ms in zip(batch, found, strict=True)}
            )
            bar.update(len(batch))
    return {"aspect_model": name, "reviews": total, "mentions": written, "seconds": round(time.perf_counter() - started, 2)}


def update_aggregates(store: Any, aspect_model: str | None, sentiment_model: str | None = None) -> dict[str, Any]:
    """Recompute and store the sentiment aggregates; returns the overall row and how many rows were written."""
    from koubei.store.analysis import latest_sentiment_model, read_aggregate_inputs, replace_aggregates

    model = sentiment_model or latest_sentiment_model(store)
    records = read_aggregate_inputs(store, model, aspect_model)
    rows = aggregate(records)
    replace_aggregates(store, AGGREGATE_KIND, [{"group_by": r.group_by, "group_key": r.group_key, "period": r.period, "metrics": r.metrics} for r in rows])
    overall = next((r.to_dict() for r in rows if r.group_by == "all" and r.period == "all"), None)
    return {"sentiment_model": model, "aspect_model": aspect_model, "aggregate_rows": len(rows), "overall": overall}
