"""The distilled polarity model: a smaller, faster student trained to match a fine-tuned transfer model.

The student is the teacher's architecture with fewer layers (and optionally a narrower width). With the same width
it starts from the teacher's embeddings, head and evenly spaced layers (DistilBERT's recipe), otherwise from
scratch with the teacher's tokenizer. Loss: alpha * T^2 * KL(teacher_T || student_T) + (1 - alpha) * cross-entropy
on the true labels (Hinton et al., 2015), the LM's own `koubei.lm.losses.kd_loss`. Saved and scored exactly like the
transfer model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from koubei.analysis.sentiment.neural import (
    FineTuneConfig,
    NeuralSentimentModel,
    calibration_split,
    require_folder,
)
from koubei.analysis.sentiment.transfer import TransferSentimentModel
from koubei.errors import BadInputError
from koubei.progress import Progress

LAYER_KEY = re.compile(r"^(?P<prefix>.*\.(?:layers|h)\.)(?P<number>\d+)\.(?P<tail>.*)$")


@dataclass(frozen=True)
class DistilledConfig(FineTuneConfig):
    """Distilling a transfer model: the shared training fields, the teacher, the student's shape and the loss."""

    # Folder of the fine-tuned teacher (a `koubei sentiment train --kind transfer` output). Required by `fit`.
    teacher: str = ""
    # Student depth; the teacher's layers are sampled evenly to initialise it.
    student_layers: int = 1
    # Student width. None = half the teacher's (random init): a half-width student scores several times faster than
    # one of the teacher's width (which starts from the teacher's last block) at about the same accuracy, see
    # benchmarks/results/sentiment_notes.md. Give the teacher's width to initialise from it.
    student_hidden: int | None = None
    # Softening temperature of the distillation loss and the weight of the soft (teacher) term.
    kd_temperature: float = 2.0
    alpha: float = 0.7
    # A randomly initialised student learns faster than the teacher was fine-tuned.
    learning_rate: float = 5e-4

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.student_layers < 1:
            raise BadInputError(f"student_layers must be >= 1, got {self.student_layers!r}")
        if self.student_hidden is not None and self.student_hidden < 1:
            raise BadInputError(
                f"student_hidden must be >= 1 (or unset for half the teacher's width), got {self.student_hidden!r}"
            )
        if not self.kd_temperature > 0:
            raise BadInputError(f"kd_temperature must be > 0, got {self.kd_temperature!r}")
        if not 0 <= self.alpha <= 1:
            raise BadInputError(f"alpha must be in [0, 1], got {self.alpha!r}")


def build_student(teacher: Any, layers: int, hidden: int | None, seed: int) -> Any:
    """A shallower (and optionally narrower) copy of the teacher's architecture, initialised from it when possible."""
    import copy

    import torch
    from transformers import AutoModelForSequenceClassification

    cfg = copy.deepcopy(teacher.config)
    n_teacher = int(cfg.num_hidden_layers)
    if layers > n_teacher:
        raise BadInputError(f"student_layers ({layers}) must not exceed the teacher's {n_teacher} layers")
    same_width = hidden is None or hidden == cfg.hidden_size
    cfg.num_hidden_layers = layers
    if not same_width:
        assert hidden is not None
        heads = max(1, cfg.num_attention_heads * hidden // cfg.hidden_size)
        while hidden % heads:
            heads -= 1
        cfg.hidden_size = hidden
        # The MLP width is `intermediate_size` (Llama-style) or `n_inner` (GPT-2-style; None means 4 x width).
        for name in ("intermediate_size", "n_inner"):
            if getattr(cfg, name, None) is not None:
                setattr(cfg, name, int(getattr(cfg, name) * hidden / teacher.config.hidden_size))
        cfg.num_attention_heads = heads
        if hasattr(cfg, "num_key_value_heads"):
            cfg.num_key_value_heads = heads
        if hasattr(cfg, "head_dim"):
            cfg.head_dim = hidden // heads
    if hasattr(cfg, "layer_types") and cfg.layer_types is not None:
        cfg.layer_types = cfg.layer_types[:layers]
    torch.manual_seed(seed)
    student = AutoModelForSequenceClassification.from_config(cfg)
    if same_width:
        # Evenly spaced teacher layers, always including the last (it feeds the head).
        picks = (
            [round(i * (n_teacher - 1) / max(1, layers - 1)) for i in range(layers)]
            if layers > 1
            else [n_teacher - 1]
        )
        state = teacher.state_dict()
        mapped = {}
        for key, value in state.items():
            # Block parameters are `<prefix>.layers.N.<rest>` (Llama-style) or `<prefix>.h.N.<rest>` (GPT-2-style).
            layer = LAYER_KEY.match(key)
            if layer is None:
                mapped[key] = value
            elif int(layer["number"]) in picks:
                mapped[f"{layer['prefix']}{picks.index(int(layer['number']))}.{layer['tail']}"] = value
        student.load_state_dict(mapped, strict=False)
    return student


def student_loss(logits: Any, teacher_logits: Any, gold: Any, weight: Any, distill: Any) -> Any:
    """The distillation loss of one batch of reviews: `koubei.lm.losses.kd_loss` (the one knowledge-distillation
    loss of koubei) on the batch as one position per review, mixed with the cross-entropy on the gold labels. Both
    terms are means over the batch, weighted by each review's class weight when `weight` (one per class) is given."""
    import torch.nn.functional as F

    from koubei.lm.losses import kd_loss

    w = None if weight is None else weight[gold]
    ce = (
        F.cross_entropy(logits, gold)
        if w is None
        else (w * F.cross_entropy(logits, gold, reduction="none")).sum() / w.sum()
    )
    return kd_loss(logits.unsqueeze(1), teacher_logits.unsqueeze(1), ce, distill, weight=w)


class DistilledSentimentModel(NeuralSentimentModel):
    """Student of a transfer model: `fit(texts, labels)` distils the teacher on those texts."""

    kind = "distilled"

    @classmethod
    def config_class(cls) -> Any:
        return DistilledConfig

    def fit(
        self, texts: list[Any], labels: list[str], progress: Progress | None = None
    ) -> DistilledSentimentModel:
        import torch

        from koubei.lm.config import DistillConfig

        cfg, docs, ys = self._begin_fit(texts, labels)
        teacher = TransferSentimentModel.load(cfg.teacher)
        self.classes_ = list(teacher.classes_)
        unknown = sorted(set(ys) - set(self.classes_))
        if unknown:
            raise BadInputError(f"labels {unknown} are not among the teacher's classes {self.classes_}")
        index = {c: i for i, c in enumerate(self.classes_)}
        self.tokenizer_ = teacher.tokenizer_
        train_idx, cal_idx = calibration_split(docs, ys, cfg.calibration_fraction, cfg.seed)
        train_docs = [docs[i] for i in train_idx]
        soft = torch.tensor(teacher.logits(train_docs), dtype=torch.float32)
        hard = torch.tensor([index[ys[i]] for i in train_idx])
        targets = torch.cat([soft, hard.unsqueeze(1).float()], dim=1)
        weight = self._class_weights(hard)

        distill = DistillConfig(temperature=cfg.kd_temperature, alpha=cfg.alpha)

        def loss_fn(logits: Any, batch: Any) -> Any:
            return student_loss(logits, batch[:, :-1], batch[:, -1].long(), weight, distill)

        half = max(8, int(teacher.model_.config.hidden_size) // 2)
        width = cfg.student_hidden if cfg.student_hidden is not None else half
        self.model_ = build_student(teacher.model_, cfg.student_layers, width, cfg.seed)
        self.model_.config.pad_token_id = self.tokenizer_.pad_token_id
        self.losses_ = self._train_loop(self.model_, train_docs, targets, loss_fn, progress)
        self._end_fit(docs, ys, cal_idx, len(train_docs))
        self.teacher_parameters_ = int(sum(p.numel() for p in teacher.model_.parameters()))
        return self

    def _check_sources(self, config: DistilledConfig) -> None:
        require_folder(
            config.teacher,
            "teacher",
            "meta.json",
            "a transfer sentiment model (from `koubei sentiment train --kind transfer`)",
        )

    def _extra_meta(self) -> dict[str, Any]:
        return {
            "teacher": self.config_.teacher,
            "teacher_parameters": getattr(self, "teacher_parameters_", None),
        }
