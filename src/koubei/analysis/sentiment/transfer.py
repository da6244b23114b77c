"""The transfer-learning polarity model: a koubei LM (any local Hugging Face causal-LM directory)
with a sequence-classification head, fine-tuned end to end on labelled reviews.

`AutoModelForSequenceClassification.from_pretrained(lm_dir, num_labels=K)` reuses the LM's body and adds a fresh
linear head over the last real token's hidden state. A tenth of the training data is held back to fit a softmax
temperature, so the reported probability is calibrated.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from koubei.analysis.sentiment.neural import (
    FineTuneConfig,
    NeuralSentimentModel,
    prepare_tokenizer,
    require_folder,
)
from koubei.progress import Progress


@dataclass(frozen=True)
class TransferConfig(FineTuneConfig):
    """Fine-tuning the koubei LM: the shared training fields, and which LM."""

    # Folder of the base LM (a koubei `lm train` output, or any local HF causal-LM directory). Required by `fit`.
    base_model: str = ""


def calibration_split(docs: list[str], ys: list[str], fraction: float, seed: int) -> tuple[list[int], list[int]]:
    """Indices for (training, temperature calibration); stratified, deterministic."""
    from sklearn.model_selection import train_test_split

    idx = list(range(len(docs)))
    n_cal = round(fraction * len(docs))
    classes = set(ys)
    if n_cal < len(classes) or len(docs) - n_cal < len(classes):
        return idx, []
    counts = {c: ys.count(c) for c in classes}
    strat = ys if min(counts.values()) >= 2 else None
    train, cal = train_test_split(idx, test_size=n_cal, random_state=seed, stratify=strat)
    return list(train), list(cal)


def subsample(docs: list[str], ys: list[str], limit: int | None, seed: int) -> tuple[list[str], list[str]]:
    if limit is None or len(docs) <= limit:
        return docs, ys
    import random

    keep = sorted(random.Random(seed).sample(range(len(docs)), limit))
    return [docs[i] for i in keep], [ys[i] for i in keep]


class TransferSentimentModel(NeuralSentimentModel):
    """Fine-tuned koubei LM for polarity: `fit(texts, labels)`, `score_texts`, `explain`, `save`/`load`."""

    kind = "transfer"

    @classmethod
    def config_class(cls) -> Any:
        return TransferConfig

    def fit(self, texts: list[Any], labels: list[str], progress: Progress | None = None) -> TransferSentimentModel:
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        cfg = self._start_fit()
        require_folder(cfg.base_model, "base_model", "config.json", "a koubei LM or a Hugging Face causal LM (e.g. from `koubei lm train`)")
        if cfg.threads:
            torch.set_num_threads(cfg.threads)
        torch.manual_seed(cfg.seed)
        docs, ys = self._usable(texts, labels)
        docs, ys = subsample(docs, ys, cfg.max_train_examples, cfg.seed)
        self.classes_ = sorted(set(ys))
        index = {c: i for i, c in enumerate(self.classes_)}
        self.tokenizer_ = prepare_tokenizer(AutoTokenizer.from_pretrained(cfg.base_model))
        self.model_ = AutoModelForSequenceClassification.from_pretrained(
            cfg.base_model,
            num_labels=len(self.classes_),
            id2label=dict(enumerate(self.classes_)),
            label2id=index,
        )
        self.model_.config.pad_token_id = self.tokenizer_.pad_token_id
        train_idx, cal_idx = calibration_split(docs, ys, cfg.calibration_fraction, cfg.seed)
        train_docs = [docs[i] for i in train_idx]
        targets = torch.tensor([index[ys[i]] for i in train_idx])
        weight = self._class_weights(targets)

        def loss_fn(logits: Any, gold: Any) -> Any:
            return torch.nn.functional.cross_entropy(logits, gold, weight=weight)

        self.losses_ = self._train_loop(self.model_, train_docs, targets, loss_fn, progress)
        self._calibrate([docs[i] for i in cal_idx], [ys[i] for i in cal_idx])
        self._set_languages(docs)
        self.n_train_ = len(train_docs)
        return self

    def _extra_meta(self) -> dict[str, Any]:
        return {"base_model": self.config_.base_model}
