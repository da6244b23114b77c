"""Knowledge distillation: train a smaller student on a teacher's soft targets.

loss = alpha * T^2 * KL(softmax(teacher / T) || softmax(student / T)) + (1 - alpha) * cross-entropy(labels)
(Hinton et al. 2015). The student shares the teacher's tokenizer (the KL is over the same vocabulary) and uses the
same training loop as `koubei.lm.train` (packing, schedule, checkpoints, resume, DDP); the teacher runs forward
only, in eval mode, on the same batches.

Public API: `distill(teacher_dir, texts, out_dir, config, distill_config)`, `kd_loss(...)`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from koubei.errors import NotFoundError
from koubei.lm.config import DistillConfig, TrainConfig

if TYPE_CHECKING:
    import torch

    from koubei.lm.train import TrainResult


def kd_loss(
    student_logits: torch.Tensor, teacher_logits: torch.Tensor, hard_loss: torch.Tensor, cfg: DistillConfig
) -> torch.Tensor:
    """Mix the temperature-scaled KL to the teacher with the hard-label loss (both per-token means)."""
    import torch.nn.functional as F

    t = cfg.temperature
    s = F.log_softmax(student_logits.flatten(0, 1).float() / t, dim=-1)
    q = F.log_softmax(teacher_logits.flatten(0, 1).float() / t, dim=-1)
    kl = F.kl_div(s, q, log_target=True, reduction="batchmean")
    return cfg.alpha * (t * t) * kl + (1.0 - cfg.alpha) * hard_loss


def distill(
    teacher_dir: str | Path,
    texts: Iterable[str],
    out_dir: str | Path,
    config: TrainConfig,
    distill_config: DistillConfig | None = None,
    *,
    resume: bool = False,
    progress: bool = True,
) -> TrainResult:
    """Train a student of shape `config.preset` against the teacher in `teacher_dir`."""
    from koubei.lm.train import train

    if not (Path(teacher_dir) / "config.json").is_file():
        raise NotFoundError(f"--teacher {str(teacher_dir)!r} is not a model directory (no config.json)")
    return train(
        texts,
        out_dir,
        config,
        resume=resume,
        teacher=str(teacher_dir),
        distill=distill_config or DistillConfig(),
        progress=progress,
    )
