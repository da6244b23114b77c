"""What the neural polarity models share: a Hugging Face sequence-classification model + tokenizer, scored in
length-sorted batches, probabilities calibrated by temperature scaling, gradient x input explanations, and a
standard HF model directory on disk (safetensors + config.json + tokenizer.json) plus koubei's `meta.json` and
`sentiment_config.json`.

`transfer.py` (fine-tune the koubei LM) and `distilled.py` (train a smaller student from it) only differ in `fit`
and in the fields their configs add to `FineTuneConfig`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.special import log_softmax, softmax
from sklearn.base import BaseEstimator, ClassifierMixin

from koubei.analysis.input_check import check_text, check_texts, text_limit
from koubei.analysis.labels import NEGATIVE, NEUTRAL, POSITIVE, UNSCORABLE
from koubei.analysis.sentiment.explain import Explanation, spans_from_contributions
from koubei.analysis.sentiment.prediction import Prediction
from koubei.artifacts import check_format_version, load_config, read_meta, save_config, write_meta
from koubei.errors import BadInputError, NotFittedError, NotFoundError
from koubei.lm.precision import check_precision
from koubei.progress import Progress, or_null

FORMAT = "koubei.sentiment.neural"
FORMAT_VERSION = 1
CONFIG_FILE = "sentiment_config.json"


@dataclass(frozen=True)
class FineTuneConfig:
    """How a transformer polarity model is trained, whichever kind (defaults fit a ~3 M-parameter LM on a laptop CPU
    in minutes). Values are checked when the config is made; the folders it names are checked by `fit`."""

    # Tokens per review seen by the model (longer reviews are truncated; 128 tokens ~ 200 Chinese characters).
    max_length: int = 128
    epochs: int = 2
    batch_size: int = 32
    learning_rate: float = 3e-4
    weight_decay: float = 0.01
    # Share of the training data held back to fit the probability temperature.
    calibration_fraction: float = 0.1
    # Use at most this many training texts (None = all): bounds CPU time on large files.
    max_train_examples: int | None = None
    # CPU threads for torch (None = torch's default).
    threads: int | None = None
    # Texts longer than this are unscorable (None: the process Settings.max_text_chars).
    max_text_chars: int | None = None
    seed: int = 0
    # Matmul precision while fine-tuning: auto (bf16 where the CPU/GPU has it natively), fp32 or bf16.
    precision: str = "auto"
    # Loss weight per class: "balanced" weighs each class by n / (k * count), None weighs every review alike. Off
    # by default: on a set with few negatives it trades accuracy for macro-F1 (it predicts the rare class more
    # often); measured in benchmarks/results/sentiment_notes.md.
    class_weight: str | None = None

    def __post_init__(self) -> None:
        for name in ("max_length", "epochs", "batch_size"):
            if getattr(self, name) < 1:
                raise BadInputError(f"{name} must be >= 1, got {getattr(self, name)!r}")
        if not self.learning_rate > 0:
            raise BadInputError(f"learning_rate must be > 0, got {self.learning_rate!r}")
        if self.weight_decay < 0:
            raise BadInputError(f"weight_decay must be >= 0, got {self.weight_decay!r}")
        if not 0 <= self.calibration_fraction < 0.5:
            raise BadInputError(
                f"calibration_fraction must be in [0, 0.5), got {self.calibration_fraction!r}"
            )
        for name in ("max_train_examples", "threads", "max_text_chars"):
            if getattr(self, name) is not None and getattr(self, name) < 1:
                raise BadInputError(f"{name} must be >= 1 (or None), got {getattr(self, name)!r}")
        check_precision(self.precision, "precision")
        if self.class_weight not in (None, "balanced"):
            raise BadInputError(f"class_weight must be 'balanced' or None, got {self.class_weight!r}")


def require_folder(value: str, name: str, marker: str, what: str) -> None:
    """`fit`'s check of a folder a config names: given, and holding `marker` (e.g. config.json)."""
    if not value:
        raise BadInputError(f"{name} is required: the folder of {what}")
    if not (Path(value) / marker).exists():
        raise NotFoundError(f"{name} {value!r} is not the folder of {what} (no {marker})")


def prepare_tokenizer(tokenizer: Any) -> Any:
    """Sequence classification pads batches and pools the last real token, so a pad token must exist."""
    if tokenizer.pad_token_id is None:
        if tokenizer.eos_token is not None:
            tokenizer.pad_token = tokenizer.eos_token
        else:
            tokenizer.add_special_tokens({"pad_token": "<pad>"})
    tokenizer.padding_side = "right"
    from koubei.lm.model import quiet_transformers

    quiet_transformers()
    return tokenizer


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """Temperature T minimizing the NLL of softmax(logits / T) on held-out data (grid over log T; robust)."""
    if logits.shape[0] == 0:
        return 1.0
    best_t, best_nll = 1.0, math.inf
    for t in np.exp(np.linspace(np.log(0.25), np.log(8.0), 64)):
        logp = log_softmax(logits / t, axis=1)
        nll = -float(logp[np.arange(len(labels)), labels].mean())
        if nll < best_nll:
            best_t, best_nll = float(t), nll
    return best_t


def calibration_split(
    docs: list[str], ys: list[str], fraction: float, seed: int
) -> tuple[list[int], list[int]]:
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


class NeuralSentimentModel(ClassifierMixin, BaseEstimator):
    """Base of the transformer polarity models. Subclasses set `kind` and implement `fit`."""

    kind = "neural"

    def __init__(self, config: Any = None) -> None:
        self.config = config

    def _begin_fit(self, texts: list[Any], labels: list[str]) -> tuple[Any, list[str], list[str]]:
        """What every `fit` starts with: the config it trains with (the given one, else the kind's defaults), kept
        as the learned `config_` (`fit` never replaces the `config` hyperparameter); the folders it names checked;
        torch's threads and seed set; the usable training texts and labels (at most `max_train_examples`)."""
        import torch

        cfg = self.config_ = self.config if self.config is not None else self.config_class()()
        self._check_sources(cfg)
        if cfg.threads:
            torch.set_num_threads(cfg.threads)
        torch.manual_seed(cfg.seed)
        docs, ys = self._usable(texts, labels)
        docs, ys = subsample(docs, ys, cfg.max_train_examples, cfg.seed)
        return cfg, docs, ys

    def _check_sources(self, config: Any) -> None:
        """Subclasses check the folders their config names (the base LM, the teacher)."""

    def _end_fit(self, docs: list[str], ys: list[str], cal_idx: list[int], n_train: int) -> None:
        """What every `fit` ends with: the temperature fitted on the calibration part, the languages answered."""
        self._calibrate([docs[i] for i in cal_idx], [ys[i] for i in cal_idx])
        self._set_languages(docs)
        self.n_train_ = n_train

    # ---- helpers for subclasses -------------------------------------------------------------------------------

    def _usable(self, texts: list[Any], labels: list[str]) -> tuple[list[str], list[str]]:
        if len(texts) != len(labels):
            raise BadInputError(f"texts and labels differ in length ({len(texts)} vs {len(labels)})")
        bad = sorted({str(lab) for lab in labels} - {POSITIVE, NEGATIVE, NEUTRAL})
        if bad:
            raise BadInputError(
                f"labels {bad} are not sentiment labels; expected positive, negative, neutral"
            )
        limit = text_limit(self.config_.max_text_chars)
        docs, ys = [], []
        for c, y in zip(check_texts(list(texts), limit, ("zh", "en", "other")), labels, strict=True):
            if c.ok:
                docs.append(c.text)
                ys.append(y)
        if len(set(ys)) < 2:
            raise BadInputError(f"training needs at least 2 labels among usable texts, got {sorted(set(ys))}")
        return docs, ys

    def _class_weights(self, targets: Any) -> Any:
        """Per-class loss weights: None, or "balanced" (n / (k * count), sklearn's formula) so that a rare class
        (the 5% negatives of a ratings set) is not simply never predicted."""
        import torch

        if self.config_.class_weight is None:
            return None
        counts = torch.bincount(targets, minlength=len(self.classes_)).float().clamp(min=1)
        return counts.sum() / (len(self.classes_) * counts)

    def _set_languages(self, docs: list[str]) -> None:
        limit = text_limit(self.config_.max_text_chars)
        langs = [c.lang for c in check_texts(docs, limit, ("zh", "en", "other"))]
        self.languages_ = tuple(sorted({lang for lang in langs if langs.count(lang) >= 0.02 * len(langs)}))

    def _max_tokens(self) -> int:
        """`max_length`, capped at the positions the model has (learned position embeddings end there)."""
        from koubei.lm.model import model_context_length

        return min(int(self.config_.max_length), model_context_length(self.model_))

    def _encode(self, texts: list[str]) -> Any:
        return self.tokenizer_(
            texts, padding=True, truncation=True, max_length=self._max_tokens(), return_tensors="pt"
        )

    def _train_loop(
        self, model: Any, docs: list[str], targets: Any, loss_fn: Any, progress: Progress | None = None
    ) -> list[float]:
        """Mini-batch AdamW with linear warmup/decay; `targets[i]` is whatever `loss_fn(logits, batch_targets)` takes."""
        import torch

        from koubei.lm.precision import autocast, resolve_precision

        cfg = self.config_
        gen = torch.Generator().manual_seed(cfg.seed)
        n = len(docs)
        steps_per_epoch = max(1, math.ceil(n / cfg.batch_size))
        total = steps_per_epoch * cfg.epochs
        opt = torch.optim.AdamW(model.parameters(), lr=cfg.learning_rate, weight_decay=cfg.weight_decay)
        warmup = max(1, int(0.06 * total))
        sched = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda s: min(1.0, (s + 1) / warmup) * max(0.0, (total - s) / max(1, total - warmup))
        )
        # Mixed precision for the fine-tuning matmuls only (scoring stays fp32, so saved models predict exactly).
        device = next(model.parameters()).device
        precision = resolve_precision(cfg.precision, device)
        model.train()
        losses: list[float] = []
        progress = or_null(progress)
        progress.start(total, "steps", f"training {self.kind}")
        for _ in range(cfg.epochs):
            order = torch.randperm(n, generator=gen).tolist()
            # Length-bucketed batches: sort each window of 32 batches by length, then shuffle the batches, so a
            # batch pads little (2x less CPU on mixed-length reviews) while the data order stays random.
            window = 32 * cfg.batch_size
            order = [
                i
                for w in range(0, n, window)
                for i in sorted(order[w : w + window], key=lambda i: len(docs[i]))
            ]
            batches = [order[b * cfg.batch_size : (b + 1) * cfg.batch_size] for b in range(steps_per_epoch)]
            for pos in torch.randperm(len(batches), generator=gen).tolist():
                idx = batches[pos]
                if not idx:
                    continue
                enc = self._encode([docs[i] for i in idx])
                with autocast(precision, device):
                    logits = model(**enc).logits
                loss = loss_fn(logits.float(), targets[idx])
                opt.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                opt.step()
                sched.step()
                losses.append(float(loss.detach()))
                progress.advance(1)
                progress.note(f"loss {losses[-1]:.3f}")
        model.eval()
        return losses

    def _calibrate(self, docs: list[str], ys: list[str]) -> None:
        index = {c: i for i, c in enumerate(self.classes_)}
        self.temperature_ = (
            fit_temperature(self.logits(docs), np.array([index[y] for y in ys])) if docs else 1.0
        )

    # ---- scoring ----------------------------------------------------------------------------------------------

    def _check_fitted(self) -> None:
        if not hasattr(self, "model_"):
            raise NotFittedError(f"{type(self).__name__} is not fitted yet; call fit() or load()")

    def logits(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        """Raw class scores (before the temperature), in length-sorted batches."""
        import torch

        self._check_fitted()
        out = np.zeros((len(texts), len(self.classes_)), dtype=np.float64)
        # Length-sorted batches waste little on padding (3-5x faster on mixed-length reviews).
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        with torch.inference_mode():
            for b in range(0, len(order), batch_size):
                idx = order[b : b + batch_size]
                enc = self._encode([texts[i] for i in idx])
                out[idx] = self.model_(**enc).logits.float().numpy()
        return out

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        return np.asarray(softmax(self.logits(list(texts)) / self.temperature_, axis=1))

    def predict(self, texts: list[str]) -> np.ndarray:
        self._check_fitted()
        return np.asarray(self.classes_)[np.argmax(self.predict_proba(texts), axis=1)]

    def score_texts(self, texts: list[Any], categories: list[Any] | None = None) -> list[Prediction]:
        """One Prediction per text (bad input: unscorable with a reason). `categories` is accepted so every model
        kind is scored alike; the neural models read the text only."""
        self._check_fitted()
        checks = check_texts(list(texts), text_limit(self.config_.max_text_chars), self.languages_)
        out = [Prediction(UNSCORABLE, None, {}, None, c.reason, c.flags, c.lang) for c in checks]
        ok = [i for i, c in enumerate(checks) if c.ok]
        if ok:
            proba = self.predict_proba([checks[i].text for i in ok])
            for row, i in enumerate(ok):
                best = int(np.argmax(proba[row]))
                out[i] = Prediction(
                    self.classes_[best],
                    float(proba[row, best]),
                    {c: float(p) for c, p in zip(self.classes_, proba[row], strict=True)},
                    None,
                    None,
                    checks[i].flags,
                    checks[i].lang,
                )
        return out

    def explain(self, text: Any, category: Any = None) -> Explanation:
        """Gradient x input attributions on the input embeddings, summed per word (see explain.py). `category` is
        accepted so every model kind explains alike; the neural models read the text only."""
        self._check_fitted()
        check = check_text(text, text_limit(self.config_.max_text_chars), self.languages_)
        if not check.ok:
            return Explanation(
                str(text or ""), UNSCORABLE, None, [], reason=check.reason, method="gradient_x_input"
            )
        clean = check.text
        pred = self.score_texts([clean])[0]
        enc = self.tokenizer_(
            [clean],
            truncation=True,
            max_length=self._max_tokens(),
            return_tensors="pt",
            return_offsets_mapping=True,
        )
        offsets = enc.pop("offset_mapping")[0].tolist()
        embeds = self.model_.get_input_embeddings()(enc["input_ids"]).detach().requires_grad_(True)
        logits = self.model_(inputs_embeds=embeds, attention_mask=enc["attention_mask"]).logits
        # Attribute the margin of the predicted class over the others (softmax saturation would hide it).
        c = self.classes_.index(pred.label)
        others = [i for i in range(len(self.classes_)) if i != c]
        (logits[0, c] - logits[0, others].mean()).backward()
        assert embeds.grad is not None
        per_token = (embeds.grad * embeds).sum(-1)[0].detach().numpy()
        contrib = np.zeros(len(clean))
        for (a, b), value in zip(offsets, per_token, strict=True):
            if b > a:
                contrib[a:b] += value / (b - a)
        return Explanation(
            clean, pred.label, pred.score, spans_from_contributions(clean, contrib), method="gradient_x_input"
        )

    # ---- persistence ------------------------------------------------------------------------------------------

    def save(self, out_dir: str | Path, metrics: dict[str, Any] | None = None) -> Path:
        self._check_fitted()
        path = Path(out_dir)
        path.mkdir(parents=True, exist_ok=True)
        self.model_.save_pretrained(str(path), safe_serialization=True)
        self.tokenizer_.save_pretrained(str(path))
        save_config(path / CONFIG_FILE, self.config_)
        # meta.json last: a folder whose meta.json is written holds a complete model.
        write_meta(
            path,
            self.kind,
            FORMAT_VERSION,
            format=FORMAT,
            classes=list(self.classes_),
            languages=list(self.languages_),
            temperature=self.temperature_,
            n_train=self.n_train_,
            parameters=int(sum(p.numel() for p in self.model_.parameters())),
            metrics=metrics or {},
            **self._extra_meta(),
        )
        return path

    def _extra_meta(self) -> dict[str, Any]:
        return {}

    @classmethod
    def config_class(cls) -> Any:
        raise NotImplementedError

    @classmethod
    def load(cls, model_dir: str | Path) -> Any:
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        path = Path(model_dir)
        meta = read_meta(path, "sentiment model")
        if meta.get("format") != FORMAT or meta.get("kind") != cls.kind:
            raise BadInputError(
                f"{str(path)!r} holds a {meta.get('kind')!r} model, not a {cls.kind!r} sentiment model"
            )
        check_format_version(path, meta, FORMAT_VERSION, what=f"{cls.kind} sentiment model")
        config = load_config(
            path / CONFIG_FILE, cls.config_class(), what=f"{cls.kind} sentiment model config"
        )
        model = cls(config)
        model.config_ = config
        model.tokenizer_ = prepare_tokenizer(AutoTokenizer.from_pretrained(str(path)))
        model.model_ = AutoModelForSequenceClassification.from_pretrained(str(path))
        model.model_.eval()
        model.classes_ = list(meta["classes"])
        model.languages_ = tuple(meta.get("languages", ("zh", "en")))
        model.temperature_ = float(meta.get("temperature", 1.0))
        model.n_train_ = int(meta.get("n_train", 0))
        return model
