"""One entry point for every polarity model kind: build a new one, or load a saved one by its meta.json."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from koubei.errors import BadInputError

MODEL_KINDS = ("fast", "transfer", "distilled")


def new_model(kind: str, seed: int = 0, options: dict[str, Any] | None = None) -> Any:
    """An unfitted model of `kind`; `options` override fields of that kind's config dataclass."""
    options = dict(options or {})
    if kind == "fast":
        from koubei.analysis.sentiment.fast import FastSentimentConfig, FastSentimentModel

        return FastSentimentModel(_config(FastSentimentConfig, {**options, "seed": seed}))
    if kind == "transfer":
        from koubei.analysis.sentiment.transfer import TransferConfig, TransferSentimentModel

        return TransferSentimentModel(_config(TransferConfig, {**options, "seed": seed}))
    if kind == "distilled":
        from koubei.analysis.sentiment.distilled import DistilledConfig, DistilledSentimentModel

        return DistilledSentimentModel(_config(DistilledConfig, {**options, "seed": seed}))
    raise BadInputError(f"kind {kind!r} is unknown; choose one of {', '.join(MODEL_KINDS)}")


def _config(cls: Any, options: dict[str, Any]) -> Any:
    unknown = sorted(set(options) - set(cls.__dataclass_fields__))
    if unknown:
        raise BadInputError(
            f"unknown option(s) {unknown} for {cls.__name__}; valid: {sorted(cls.__dataclass_fields__)}"
        )
    return cls(**options)


def load_sentiment_model(model_dir: str | Path) -> Any:
    """Load any saved polarity model (fast, transfer or distilled) from its folder."""
    from koubei.artifacts import read_meta

    path = Path(model_dir)
    meta = read_meta(path, "sentiment model")
    kind = meta.get("kind")
    if kind == "fast":
        from koubei.analysis.sentiment.fast import FastSentimentModel

        return FastSentimentModel.load(path)
    if kind == "transfer":
        from koubei.analysis.sentiment.transfer import TransferSentimentModel

        return TransferSentimentModel.load(path)
    if kind == "distilled":
        from koubei.analysis.sentiment.distilled import DistilledSentimentModel

        return DistilledSentimentModel.load(path)
    raise BadInputError(
        f"{str(path)!r} holds a model of unknown kind {kind!r}; expected one of {', '.join(MODEL_KINDS)}"
    )
