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
    calibration_split,
    prepare_tokenizer,
    require_folder,
)
from koubei.progress import Progress


@dataclass(frozen=True)
class TransferConfig(FineTuneConfig):
    """Fine-tuning the koubei LM: the shared training fields, and which LM."""

    # Folder of the base LM (a koubei `lm train` output, or any local HF causal-LM directory). Required by `fit`.
    base_model: str = ""


class TransferSentimentModel(NeuralSentimentModel):
    """Fine-tuned koubei LM for polarity: `fit(texts, labels)`, `score_texts`, `explain`, `save`/`load`."""

    kind = "transfer"

    @classmethod
    def config_class(cls) -> Any:
        return TransferConfig

    def fit(
        self, texts: list[Any], labels: list[str], progress: Progress | None = None
    ) -> TransferSentimentModel:
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        cfg, docs, ys = self._begin_fit(texts, labels)
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
        self._end_fit(docs, ys, cal_idx, len(train_docs))
        return self

    def _check_sources(self, config: TransferConfig) -> None:
        require_folder(
            config.base_model,
            "base_model",
            "config.json",
            "a koubei LM or a Hugging Face causal LM (e.g. from `koubei lm train`)",
        )

    def _extra_meta(self) -> dict[str, Any]:
        return {"base_model": self.config_.base_model}
