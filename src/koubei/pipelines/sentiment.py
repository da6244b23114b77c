"""Sentiment use cases: train from a file or the store, score a file or the store (batched, resumable), evaluate,
explain. The CLI (`koubei sentiment ...`), the API and the demo call these; the models live in `koubei.analysis`.

Input files go through `koubei.ingest` (the same `--map`, validation, normalization and PII masking as
`koubei ingest`), but scoring still answers for every input row, in input order: a row ingest would reject
(empty text, too long, duplicate id) is scored from its raw text, so it gets `unscorable` with a reason or,
for a duplicate, a normal label.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from koubei.analysis.labels import UNSCORABLE, normalize_label, row_label
from koubei.analysis.sentiment.explain import Explanation
from koubei.analysis.sentiment.kinds import MODEL_KINDS, load_sentiment_model, new_model
from koubei.artifacts import default_model_dir
from koubei.errors import BadInputError
from koubei.pipelines.resumable import check_batch_size, file_sha256, open_row_output, run_fingerprint
from koubei.progress import Progress, or_null
from koubei.results import Result

DEFAULT_BATCH = 1000


def default_sentiment_dir(kind: str = "fast") -> Path:
    """Where a model of `kind` goes when no folder is named: `<home>/models/sentiment-<kind>`."""
    return default_model_dir(f"sentiment-{kind}")


def resolve_model_dir(model_dir: str | Path | None, kind: str = "fast") -> Path:
    """The folder named, else the default one of `kind`."""
    return Path(model_dir) if model_dir is not None else default_sentiment_dir(kind)


def with_default_sources(kind: str, options: dict[str, Any] | None) -> dict[str, Any]:
    """Training options with the default inputs of the neural kinds filled in: the LM `koubei lm train` writes
    (`<home>/models/lm`) for transfer, the default transfer model for distilled."""
    out = dict(options or {})
    if kind == "transfer" and not out.get("base_model"):
        out["base_model"] = str(default_model_dir("lm"))
    if kind == "distilled" and not out.get("teacher"):
        out["teacher"] = str(default_sentiment_dir("transfer"))
    return out


# ---- reading rows ------------------------------------------------------------------------------------------------


@dataclass
class InputRow:
    """One input row: its id, (masked) text, label/rating when the file has them, and the ingest rejection."""

    review_id: str | None
    text: Any
    label: str | None = None
    rating: float | None = None
    category: str | None = None
    rejected: str | None = None
    row: int | None = None  # 1-based position among the file's data rows (None for store rows)


def read_review_file(path: str | Path, mapping: dict[str, list[str]] | None = None) -> list[InputRow]:
    """Every row of a reviews file (CSV/TSV/JSONL/JSON/Parquet), in file order, through koubei's ingest."""
    from koubei.ingest.loader import load_table, stable_id
    from koubei.ingest.readers import read_table
    from koubei.ingest.schemas import DERIVED_ID_FROM

    source = Path(path)
    table = read_table(source)
    loaded = load_table(table, "reviews", source, mapping or {})
    rejected = {r.row: r for r in loaded.rejected}
    clean = iter(loaded.rows)
    rows: list[InputRow] = []
    columns = {
        name: (mapping or {}).get(name, [name])
        for name in ("review_id", "text", "label", "rating", *DERIVED_ID_FROM["reviews"])
    }

    def raw_value(values: dict[str, Any], name: str) -> Any:
        for column in columns[name]:
            if values.get(column) not in (None, ""):
                return values[column]
        return None

    for raw in table.rows:
        if raw.number in rejected:
            values = raw.values
            rid = raw_value(values, "review_id")
            if rid is None:
                rid = stable_id("r_", (raw_value(values, name) for name in DERIVED_ID_FROM["reviews"]))
            rows.append(
                InputRow(
                    str(rid),
                    raw_value(values, "text"),
                    rejected=", ".join(rejected[raw.number].reasons),
                    row=raw.number,
                )
            )
            continue
        row = next(clean)
        rating = row.get("rating")
        rows.append(
            InputRow(
                review_id=str(row["review_id"]),
                text=row.get("masked_text", row.get("text")),
                label=row_label(row),
                rating=None if rating is None else float(rating),
                category=row.get("category"),
                row=raw.number,
            )
        )
    return rows


def rows_from_store(store: Any, source: str | None = None) -> list[InputRow]:
    from koubei.store.analysis import read_training_reviews

    out = []
    for r in read_training_reviews(store, source=source):
        label = normalize_label(r["label"]) if r["label"] else row_label({"rating": r["rating"]})
        out.append(InputRow(r["review_id"], r["text"], label, r["rating"], r["category"]))
    return out


# ---- training and evaluation -------------------------------------------------------------------------------------


def split_holdout(rows: list[InputRow], fraction: float, seed: int) -> tuple[list[InputRow], list[InputRow]]:
    """Stratified (by category when rows have one, else by label) train / held-out split."""
    from sklearn.model_selection import train_test_split

    if not 0 < fraction < 1:
        raise BadInputError(f"holdout must be between 0 and 1, got {fraction!r}")
    strata = [r.category if r.category is not None else r.label for r in rows]
    counts: dict[Any, int] = {}
    for s in strata:
        counts[s] = counts.get(s, 0) + 1
    usable = min(counts.values()) >= 2 and len(counts) <= fraction * len(rows)
    train, test = train_test_split(
        rows, test_size=fraction, random_state=seed, stratify=strata if usable else None
    )
    return list(train), list(test)


def evaluate_predictions(
    gold: list[str | None], predictions: list[Any], ratings: list[float | None] | None = None
) -> dict[str, Any]:
    """Accuracy and macro-F1 over scorable rows with a gold label; unscorable rows are counted, not guessed."""
    from sklearn.metrics import accuracy_score, f1_score

    pairs = [(g, p.label) for g, p in zip(gold, predictions, strict=True) if g is not None]
    scored = [(g, p) for g, p in pairs if p != UNSCORABLE]
    out: dict[str, Any] = {"n": len(pairs), "unscorable": len(pairs) - len(scored)}
    if scored:
        y, yhat = zip(*scored, strict=True)
        out["accuracy"] = round(float(accuracy_score(y, yhat)), 4)
        out["macro_f1"] = round(float(f1_score(y, yhat, average="macro")), 4)
        # Counting unscorable rows as errors: the figure to compare with models that always answer.
        out["accuracy_all_rows"] = round(sum(g == p for g, p in pairs) / len(pairs), 4)
        out["ece"] = expected_calibration_error(
            [
                (p.score, p.label == g)
                for g, p in zip(gold, predictions, strict=True)
                if g is not None and p.score is not None
            ]
        )
    if ratings is not None:
        errs = [
            abs(p.rating - r)
            for p, r in zip(predictions, ratings, strict=True)
            if r is not None and p.rating is not None
        ]
        if errs:
            out["rating_mae"] = round(sum(errs) / len(errs), 4)
    return out


def expected_calibration_error(pairs: list[tuple[float, bool]], bins: int = 10) -> float:
    """ECE of (probability of the predicted label, was it right) pairs: how far `score` is from the hit rate."""
    if not pairs:
        return 0.0
    total = 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        members = [(p, ok) for p, ok in pairs if lo < p <= hi or (b == 0 and p == 0)]
        if members:
            confidence = sum(p for p, _ in members) / len(members)
            hit_rate = sum(ok for _, ok in members) / len(members)
            total += len(members) / len(pairs) * abs(confidence - hit_rate)
    return round(total, 4)


@dataclass
class TrainReport(Result):
    """What `train_rows` did: the model folder, the rows used and held out, held-out metrics, rows skipped."""

    model_dir: str
    kind: str
    n_train: int
    n_heldout: int
    metrics: dict[str, Any]  # evaluate_predictions' figures on the held-out rows ({} without a held-out part)
    seconds: float
    skipped: int = 0
    skipped_file: str | None = None


@dataclass
class EvalReport(Result):
    """A model's figures on labelled rows; `to_dict()` is {"model": ..., **metrics} (the shape scripts read)."""

    model: str
    metrics: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model, **self.metrics}


@dataclass
class ScoreFileReport(Result):
    """`score_file`: rows read, rows skipped because an earlier run wrote them, rows scored now, labels counted."""

    input: str
    output: str
    rows: int
    skipped_already_done: int
    scored: int
    labels: dict[str, int]
    seconds: float


@dataclass
class ScoreStoreReport(Result):
    """`score_store`: the name the scores are stored under, how many were written, labels counted."""

    model: str
    scored: int
    labels: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def write_skipped(skipped: list[InputRow], path: Path) -> str | None:
    """Rows training could not use, with the reason, as JSONL (nothing written when every row was used)."""
    from koubei.pipelines.ingest import write_rejects

    no_label = "no label (expected a label of 1/0, positive/negative/neutral, or a rating 1-5)"
    written = write_rejects(
        path, [{"row": r.row, "review_id": r.review_id, "reason": r.rejected or no_label} for r in skipped]
    )
    return None if written is None else str(written)


def train_rows(
    rows: list[InputRow],
    out_dir: str | Path | None = None,
    kind: str = "fast",
    holdout: float = 0.2,
    seed: int = 0,
    options: dict[str, Any] | None = None,
    progress: Progress | None = None,
) -> TrainReport:
    """Fit a model of `kind` on rows with labels (or ratings), evaluate on a held-out part, save to `out_dir`
    (default: `<home>/models/sentiment-<kind>`). The neural kinds read their base LM / teacher from `options`
    (default: the folders `koubei lm train` and `--kind transfer` write)."""
    if kind not in MODEL_KINDS:
        raise BadInputError(f"kind {kind!r} is unknown; choose one of {', '.join(MODEL_KINDS)}")
    started = time.perf_counter()
    usable = [r for r in rows if r.label is not None and r.rejected is None]
    skipped = [r for r in rows if r.label is None or r.rejected is not None]
    if len(usable) < 4:
        raise BadInputError(
            f"training needs labelled rows (a label column, or ratings 1-5); found {len(usable)} usable of {len(rows)}"
        )
    if holdout > 0:
        train, test = split_holdout(usable, holdout, seed)
    else:
        train, test = usable, []
    model = new_model(kind, seed=seed, options=with_default_sources(kind, options))
    has_ratings = any(r.rating is not None for r in train)
    extra: dict[str, Any] = {}
    if kind == "fast":
        extra["categories"] = [r.category for r in train]
        if has_ratings:
            extra["ratings"] = [r.rating for r in train]
    model.fit([r.text for r in train], [r.label for r in train], progress=progress, **extra)
    metrics: dict[str, Any] = {}
    if test:
        preds = model.score_texts([r.text for r in test], categories=[r.category for r in test])
        metrics = evaluate_predictions(
            [r.label for r in test], preds, [r.rating for r in test] if has_ratings else None
        )
    path = model.save(
        resolve_model_dir(out_dir, kind),
        metrics={"heldout": metrics, "holdout_fraction": holdout, "seed": seed},
    )
    skipped_file = write_skipped(skipped, Path(path) / "skipped.jsonl")
    return TrainReport(
        str(path),
        kind,
        len(train),
        len(test),
        metrics,
        round(time.perf_counter() - started, 2),
        len(skipped),
        skipped_file,
    )


def evaluate_model(
    model_dir: str | Path | None, rows: list[InputRow], batch_size: int = DEFAULT_BATCH
) -> EvalReport:
    """Accuracy, macro-F1, calibration (and rating error with ratings) of a saved model on labelled rows."""
    path = resolve_model_dir(model_dir)
    return EvalReport(str(path), evaluate_rows(load_sentiment_model(path), rows, batch_size))


def evaluate_rows(model: Any, rows: list[InputRow], batch_size: int = DEFAULT_BATCH) -> dict[str, Any]:
    labelled = [r for r in rows if r.label is not None]
    if not labelled:
        raise BadInputError("evaluation needs rows with a label (or a 1-5 rating)")
    preds = []
    for begin in range(0, len(labelled), batch_size):
        chunk = labelled[begin : begin + batch_size]
        preds.extend(model.score_texts([r.text for r in chunk], categories=[r.category for r in chunk]))
    has_ratings = any(r.rating is not None for r in labelled)
    return evaluate_predictions(
        [r.label for r in labelled], preds, [r.rating for r in labelled] if has_ratings else None
    )


# ---- scoring -----------------------------------------------------------------------------------------------------


def _record(review_id: str | None, pred: Any) -> dict[str, Any]:
    return {"review_id": review_id, **pred.to_dict()}


def score_rows(model: Any, rows: Sequence[InputRow]) -> list[dict[str, Any]]:
    """One output record per row: its id and the model's prediction."""
    preds = model.score_texts([r.text for r in rows], categories=[r.category for r in rows])
    return [_record(r.review_id, p) for r, p in zip(rows, preds, strict=True)]


def score_file(
    model_dir: str | Path | None,
    input_path: str | Path,
    output_path: str | Path,
    mapping: dict[str, list[str]] | None = None,
    batch_size: int = DEFAULT_BATCH,
    resume: bool = True,
    progress: Progress | None = None,
) -> ScoreFileReport:
    """Score every row of a reviews file into JSONL (one object per input row, input order).

    With `resume`, rows already written to `output_path` by an interrupted run of the same input, mapping and model
    are skipped and the rest appended; another run's output is refused (`ResumeRefused`), `resume` off starts over.
    """
    check_batch_size(batch_size)
    started = time.perf_counter()
    folder = resolve_model_dir(model_dir)
    model = load_sentiment_model(folder)
    rows = read_review_file(input_path, mapping)
    labels: Counter[str] = Counter()
    progress = or_null(progress)
    fingerprint = run_fingerprint(input_path, mapping, model_fingerprint(folder))
    with open_row_output(output_path, len(rows), fingerprint, resume) as output:
        progress.start(len(rows) - output.done, "reviews", "scoring")
        for chunk in output.pending(rows, batch_size):
            records = score_rows(model, chunk)
            labels.update(rec["label"] for rec in records)
            output.write(records)
            progress.advance(len(records))
    return ScoreFileReport(
        str(input_path),
        str(output.path),
        len(rows),
        output.done,
        len(rows) - output.done,
        dict(labels),
        round(time.perf_counter() - started, 2),
    )


def model_fingerprint(model_dir: str | Path) -> str:
    """The model's stored name and a hash of its meta.json: a model retrained into the same folder differs."""
    return f"{model_name(model_dir)}@{file_sha256(Path(model_dir) / 'meta.json')[:16]}"


def model_name(model_dir: str | Path) -> str:
    """The name a model's scores are stored under: its folder name (plus kind)."""
    from koubei.artifacts import read_meta

    meta = read_meta(model_dir, "sentiment model")
    return f"{meta.get('kind', 'fast')}:{Path(model_dir).resolve().name}"


def score_store(
    store: Any,
    model_dir: str | Path | None = None,
    batch_size: int = DEFAULT_BATCH,
    rescore: bool = False,
    name: str | None = None,
    progress: Progress | None = None,
) -> ScoreStoreReport:
    """Score the store's reviews that have no score from this model yet (all with `rescore`); write them back."""
    from koubei.store.analysis import count_reviews, iter_review_batches, write_sentiment_scores

    check_batch_size(batch_size)
    started = time.perf_counter()
    model_dir = resolve_model_dir(model_dir)
    model = load_sentiment_model(model_dir)
    stored_name = name or model_name(model_dir)
    todo = count_reviews(store, stored_name, unscored_only=not rescore)
    written = 0
    labels: dict[str, int] = {}
    progress = or_null(progress)
    progress.start(todo, "reviews", "scoring")
    for batch in iter_review_batches(store, batch_size, stored_name, unscored_only=not rescore):
        preds = model.score_texts([r["text"] for r in batch], categories=[r["category"] for r in batch])
        rows = []
        for r, p in zip(batch, preds, strict=True):
            details: dict[str, Any] = {
                k: v for k, v in p.to_dict().items() if k in ("probabilities", "reason", "flags")
            }
            rows.append(
                {
                    "review_id": r["review_id"],
                    "label": p.label,
                    "score": p.score,
                    "rating_pred": p.rating,
                    "details": details,
                }
            )
            labels[p.label] = labels.get(p.label, 0) + 1
        written += write_sentiment_scores(store, stored_name, rows)
        progress.advance(len(batch))
    return ScoreStoreReport(stored_name, written, labels, round(time.perf_counter() - started, 2))


def explain_texts(
    model_dir: str | Path | None, texts: Iterable[str], category: str | None = None
) -> list[Explanation]:
    """Explanations (see koubei.analysis.sentiment.explain) for each text, as reviews of `category` when given."""
    model = load_sentiment_model(resolve_model_dir(model_dir))
    return [model.explain(t, category=category) for t in texts]


__all__ = [
    "MODEL_KINDS",
    "EvalReport",
    "InputRow",
    "ScoreFileReport",
    "ScoreStoreReport",
    "TrainReport",
    "default_sentiment_dir",
    "evaluate_model",
    "evaluate_rows",
    "explain_texts",
    "read_review_file",
    "rows_from_store",
    "score_file",
    "score_store",
    "train_rows",
]
