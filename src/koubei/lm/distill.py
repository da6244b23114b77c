"""Knowledge distillation: train a smaller student on a teacher's soft targets.

loss = alpha * T^2 * KL(softmax(teacher / T) || softmax(student / T)) + (1 - alpha) * cross-entropy(labels)
(Hinton et al. 2015; the loss itself is `koubei.lm.losses.kd_loss`). The student shares the teacher's tokenizer (the
KL is over the same vocabulary) and uses the same training loop as `koubei.lm.train` (packing, schedule,
checkpoints, resume, DDP); the teacher runs forward only, in eval mode, on the same batches.

Public API: `distill(teacher_dir, texts, out_dir, config, distill_config)`, `kd_loss(...)`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from koubei.errors import NotFoundError
from koubei.lm.config import DistillConfig, TrainConfig
from koubei.lm.losses import kd_loss
from koubei.lm.train import TrainResult, train
from koubei.progress import Progress

__all__ = ["distill", "kd_loss"]


def distill(
    teacher_dir: str | Path,
    texts: Iterable[str],
    out_dir: str | Path,
    config: TrainConfig,
    distill_config: DistillConfig | None = None,
    *,
    resume: bool = False,
    progress: Progress | None = None,
) -> TrainResult:
    """Train a student of shape `config.preset` against the teacher in `teacher_dir`."""
    if not (Path(teacher_dir) / "config.json").is_file():
        raise NotFoundError(f"teacher_dir {str(teacher_dir)!r} is not a model directory (no config.json)")
    return train(
        texts,
        out_dir,
        config,
        resume=resume,
        teacher=str(teacher_dir),
        distill=distill_config or DistillConfig(),
        progress=progress,
    )
