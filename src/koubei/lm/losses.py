"""Losses of the LM training loop that are more than a plain cross-entropy: knowledge distillation.

loss = alpha * T^2 * KL(softmax(teacher / T) || softmax(student / T)) + (1 - alpha) * cross-entropy(labels)
(Hinton et al. 2015). It lives apart from `koubei.lm.distill` so the training loop (which computes it) and the
distillation entry point (which calls the loop) do not import each other.

Public API: `kd_loss(student_logits, teacher_logits, hard_loss, cfg, weight=None)`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from koubei.lm.config import DistillConfig

if TYPE_CHECKING:
    import torch


def kd_loss(
    student_logits: torch.Tensor,
    teacher_logits: torch.Tensor,
    hard_loss: torch.Tensor,
    cfg: DistillConfig,
    *,
    weight: torch.Tensor | None = None,
) -> torch.Tensor:
    """Mix the temperature-scaled KL to the teacher with the hard-label loss (both per-token means).

    `weight` (one per position, batch x time flattened) makes the KL term a weighted mean instead, e.g. class
    weights when the sentiment student distils a classifier (its logits are batch x 1 x classes)."""
    import torch.nn.functional as F

    t = cfg.temperature
    s = F.log_softmax(student_logits.flatten(0, 1).float() / t, dim=-1)
    q = F.log_softmax(teacher_logits.flatten(0, 1).float() / t, dim=-1)
    if weight is None:
        kl = F.kl_div(s, q, log_target=True, reduction="batchmean")
    else:
        w = weight.flatten().float()
        kl = (w * F.kl_div(s, q, log_target=True, reduction="none").sum(-1)).sum() / w.sum()
    return cfg.alpha * (t * t) * kl + (1.0 - cfg.alpha) * hard_loss
