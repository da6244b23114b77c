"""Aspect use cases: aspect sentiment for a file or the store (batched), and the sentiment aggregates per
product / category / brand / week that the dashboard reads. The computation lives in `koubei.analysis`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from koubei.analysis.aggregate import aggregate
from koubei.analysis.aspects.rules import AspectExtractor, summarize_mentions
from koubei.analysis.aspects.taxonomy import Taxonomy
from koubei.analysis.input_check import check_text, text_limit
from koubei.errors import BadInputError
from koubei.pipelines.ingest import write_rejects
from koubei.pipelines.resumable import check_batch_size, open_row_output, run_fingerprint
from koubei.progress import Progress, or_null
from koubei.results import Result

AGGREGATE_KIND = "sentiment"

AspectCounts = dict[str, dict[str, int]]  # aspect -> sentiment -> reviews


@dataclass
class AggregateUpdate(Result):
    """The aggregates `update_aggregates` stored: from which models, how many rows, and the overall row."""

    sentiment_model: str | None
    aspect_model: str | None
    aggregate_rows: int
    overall: dict[str, Any] | None  # AggregateRow.to_dict() of group "all", period "all"

    def aspect_counts(self) -> AspectCounts:
        """Reviews per aspect and sentiment among the most praised / criticized (what the overall row keeps)."""
        counts: AspectCounts = {}
        for key, sentiment in (("top_praised", "positive"), ("top_criticized", "negative")):
            for entry in (self.overall or {}).get(key, []):
                counts.setdefault(entry["aspect"], {})[sentiment] = entry["count"]
        return counts


@dataclass
class AspectsFileReport(Result):
    """`aspects_file`: rows read, rows an earlier run already wrote, and reviews per aspect and sentiment."""

    input: str
    output: str
    rows: int
    skipped_already_done: int
    aspects: AspectCounts
    seconds: float

    def aspect_counts(self) -> AspectCounts:
        return self.aspects


@dataclass
class AspectsStoreReport(Result):
    """`aspects_store`: the extractor's stored name, reviews read, mentions written, and the aggregates updated."""

    aspect_model: str
    reviews: int
    mentions: int
    seconds: float
    aggregates: AggregateUpdate | None = None

    def aspect_counts(self) -> AspectCounts:
        return self.aggregates.aspect_counts() if self.aggregates is not None else {}


@dataclass
class AspectTrainReport(Result):
    """`train_aspect_model`: the model folder and mode, the split used, held-out metrics, rows rejected."""

    model_dir: str
    mode: str
    layout: str
    n_train: int
    n_heldout: int
    heldout_from: str
    metrics: dict[str, Any]
    rejected: int
    rejected_file: str | None
    seconds: float


@dataclass
class AspectEvalReport(Result):
    """`evaluate_aspect_model`: detection and aspect-sentiment metrics of a saved model on a labelled file."""

    model_dir: str
    data: str
    metrics: dict[str, Any]
    rejected: int
    rejected_file: str | None
    seconds: float


def build_extractor(
    taxonomy: str | Path | None = None,
    model_dir: str | Path | None = None,
    supervised: str | Path | None = None,
) -> tuple[Any, str]:
    """(extractor, name under which its mentions are stored). Rules + lexicon unless a model is given."""
    max_chars = text_limit()
    if supervised is not None:
        from koubei.analysis.aspects.supervised import SupervisedAspectModel

        return SupervisedAspectModel.load(supervised), f"supervised:{Path(supervised).resolve().name}"
    tax = Taxonomy.load(taxonomy)
    suffix = "" if taxonomy is None else f"@{Path(taxonomy).stem}"
    if model_dir is not None:
        from koubei.analysis.sentiment.kinds import load_sentiment_model

        model = load_sentiment_model(model_dir)
        return AspectExtractor.with_model(
            model, tax, max_chars
        ), f"rules+{Path(model_dir).resolve().name}{suffix}"
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
    progress: Progress | None = None,
    name: str | None = None,
) -> AspectsFileReport:
    """One JSON object per input row (input order): review_id, aspects (mentions with spans), summary per aspect.

    With `resume`, an interrupted run of the same input, mapping and extractor (`name`, as `build_extractor`
    gives it) is continued; another run's output is refused (`ResumeRefused`), `resume` off starts over."""
    from koubei.pipelines.sentiment import read_review_file

    check_batch_size(batch_size)
    started = time.perf_counter()
    rows = read_review_file(input_path, mapping)
    max_chars = text_limit()
    counts: AspectCounts = {}
    progress = or_null(progress)
    fingerprint = run_fingerprint(input_path, mapping, name or type(extractor).__name__)
    with open_row_output(output_path, len(rows), fingerprint, resume) as output:
        progress.start(len(rows) - output.done, "reviews", "aspects")
        for chunk in output.pending(rows, batch_size):
            found = extractor.extract_many([r.text for r in chunk])
            records = [
                _record(row.review_id, row.text, mentions, max_chars)
                for row, mentions in zip(chunk, found, strict=True)
            ]
            for rec in records:
                for aspect, sentiment in rec["summary"].items():
                    counts.setdefault(aspect, {}).setdefault(sentiment, 0)
                    counts[aspect][sentiment] += 1
            output.write(records)
            progress.advance(len(chunk))
    return AspectsFileReport(
        str(input_path),
        str(output.path),
        len(rows),
        output.done,
        counts,
        round(time.perf_counter() - started, 2),
    )


def aspects_store(
    store: Any,
    extractor: Any,
    name: str,
    batch_size: int = 1000,
    progress: Progress | None = None,
    *,
    aggregates: bool = True,
    sentiment_model: str | None = None,
) -> AspectsStoreReport:
    """Aspect mentions for every review in the store (replacing earlier ones by the same extractor), then, with
    `aggregates`, the sentiment aggregates from them and `sentiment_model`'s scores (default: the latest model)."""
    from koubei.store.analysis import count_reviews, iter_review_batches, replace_aspect_mentions

    check_batch_size(batch_size)
    started = time.perf_counter()
    total = count_reviews(store)
    written = 0
    progress = or_null(progress)
    progress.start(total, "reviews", "aspects")
    for batch in iter_review_batches(store, batch_size):
        found = extractor.extract_many([r["text"] for r in batch])
        written += replace_aspect_mentions(
            store,
            name,
            {r["review_id"]: [m.to_dict() for m in ms] for r, ms in zip(batch, found, strict=True)},
        )
        progress.advance(len(batch))
    report = AspectsStoreReport(name, total, written, round(time.perf_counter() - started, 2))
    if aggregates:
        report.aggregates = update_aggregates(store, name, sentiment_model)
    return report


def update_aggregates(
    store: Any, aspect_model: str | None, sentiment_model: str | None = None
) -> AggregateUpdate:
    """Recompute and store the sentiment aggregates; returns the overall row and how many rows were written."""
    from koubei.store.analysis import latest_sentiment_model, read_aggregate_inputs, replace_aggregates

    model = sentiment_model or latest_sentiment_model(store)
    records = read_aggregate_inputs(store, model, aspect_model)
    rows = aggregate(records)
    replace_aggregates(
        store,
        AGGREGATE_KIND,
        [
            {"group_by": r.group_by, "group_key": r.group_key, "period": r.period, "metrics": r.metrics}
            for r in rows
        ],
    )
    overall = next((r.to_dict() for r in rows if r.group_by == "all" and r.period == "all"), None)
    return AggregateUpdate(model, aspect_model, len(rows), overall)


# ---- the supervised aspect model: train / evaluate from labelled files --------------------------------------------


def _split_aspect_records(
    data: Any, holdout: float, seed: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], str]:
    """(train, held-out, how the held-out part was chosen): the data's own test part when it marks one, else a
    seeded random share (`holdout` 0 trains on everything)."""
    from koubei.analysis.aspects.data import is_test

    if data.has_test_split:
        return (
            [r for r in data.records if not is_test(r)],
            [r for r in data.records if is_test(r)],
            "the file's own test rows",
        )
    if holdout == 0:
        return list(data.records), [], "none"
    if not 0 < holdout < 1:
        raise BadInputError(f"holdout must be between 0 and 1, got {holdout!r}")
    from sklearn.model_selection import train_test_split

    if len(data.records) < 4:
        raise BadInputError(
            f"aspect training needs at least 4 usable records to hold some out, got {len(data.records)} "
            "(holdout 0 trains on all of them)"
        )
    train, test = train_test_split(data.records, test_size=holdout, random_state=seed)
    return list(train), list(test), f"a random {holdout:.0%} (seed {seed})"


def train_aspect_model(
    data_file: str | Path,
    out_dir: str | Path,
    text_column: str | None = None,
    holdout: float = 0.2,
    seed: int = 0,
) -> AspectTrainReport:
    """Train the supervised aspect model on a labelled file, evaluate it on the held-out part, save it to `out_dir`.

    Rejected rows (with reasons) go to `<out_dir>/rejected.jsonl`."""
    from koubei.analysis.aspects.data import read_aspect_file
    from koubei.analysis.aspects.supervised import AspectModelConfig, SupervisedAspectModel

    started = time.perf_counter()
    data = read_aspect_file(data_file, text_column)
    train, test, heldout_from = _split_aspect_records(data, holdout, seed)
    model = SupervisedAspectModel(AspectModelConfig(seed=seed)).fit(train)
    metrics = model.evaluate(test) if test else {}
    out = Path(out_dir)
    model.save(out, metrics={"heldout": metrics, "heldout_from": heldout_from, "data": str(data_file)})
    rejected = write_rejects(out / "rejected.jsonl", data.rejected)
    return AspectTrainReport(
        str(out),
        model.mode_,
        data.layout,
        len(train),
        len(test),
        heldout_from,
        metrics,
        len(data.rejected),
        None if rejected is None else str(rejected),
        round(time.perf_counter() - started, 2),
    )


def evaluate_aspect_model(
    model_dir: str | Path,
    data_file: str | Path,
    text_column: str | None = None,
    only_test: bool = False,
    rejected_file: str | Path | None = None,
) -> AspectEvalReport:
    """Aspect detection P/R/F1 and aspect-sentiment accuracy / macro-F1 of a saved model on a labelled file."""
    from koubei.analysis.aspects.data import is_test, read_aspect_file
    from koubei.analysis.aspects.supervised import SupervisedAspectModel

    model = SupervisedAspectModel.load(model_dir)
    data = read_aspect_file(data_file, text_column)
    records = [r for r in data.records if is_test(r)] if only_test else data.records
    if not records:
        raise BadInputError(
            f"{Path(data_file).name} has no rows marked as test (split/orig_split/orig_file) for only_test"
        )
    wanted = "category" if model.mode_ == "category" else "term"
    if any(wanted not in a for r in records for a in r["aspects"]):
        raise BadInputError(
            f"the model at {str(model_dir)!r} learned {wanted} aspects, but {Path(data_file).name} labels the other kind"
        )
    started = time.perf_counter()
    metrics = model.evaluate(records)
    written = write_rejects(Path(rejected_file), data.rejected) if rejected_file is not None else None
    return AspectEvalReport(
        str(model_dir),
        str(data_file),
        metrics,
        len(data.rejected),
        None if written is None else str(written),
        round(time.perf_counter() - started, 2),
    )
