"""The optimizer of the LM training loop: parameter groups and learning-rate scales, AdamW or Muon + AdamW.

Embeddings and the LM head learn `embedding_lr_scale` times faster (at a budget of a few hundred steps the token
statistics are most of what can be learned); 1-D parameters (gains, biases) get no weight decay; with
`optimizer="muon"` the Transformer's weight matrices use Muon (`koubei.lm.muon`). Each group carries `lr_scale`,
which the loop multiplies into the scheduled learning rate at every step.

Public API: `make_optimizer(model, cfg)`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from koubei.lm.config import TrainConfig

if TYPE_CHECKING:
    import torch


def make_optimizer(model: torch.nn.Module, cfg: TrainConfig) -> torch.optim.Optimizer:
    """AdamW, or Muon + AdamW (cfg.optimizer); embeddings and LM head get `embedding_lr_scale`, 1-D no decay."""
    import torch

    from koubei.lm.muon import MuonAdamW

    embedding_ids = {id(m.weight) for m in model.modules() if isinstance(m, torch.nn.Embedding)}
    get_output = getattr(model, "get_output_embeddings", None)
    output = get_output() if callable(get_output) else None
    if output is not None:
        embedding_ids.add(id(output.weight))
    seen: set[int] = set()
    embeddings: list[torch.nn.Parameter] = []
    matrices: list[torch.nn.Parameter] = []
    vectors: list[torch.nn.Parameter] = []
    for p in model.parameters():
        if id(p) in seen or not p.requires_grad:
            continue
        seen.add(id(p))
        if id(p) in embedding_ids:
            embeddings.append(p)
        elif p.dim() == 2:
            matrices.append(p)
        else:
            vectors.append(p)
    groups: list[dict[str, Any]] = [
        {"params": embeddings, "weight_decay": cfg.weight_decay, "lr_scale": cfg.embedding_lr_scale},
        {"params": vectors, "weight_decay": 0.0, "lr_scale": 1.0},
    ]
    groups = [g for g in groups if g["params"]]
    betas = (cfg.beta1, cfg.beta2)
    if cfg.optimizer == "adamw":
        groups.append({"params": matrices, "weight_decay": cfg.weight_decay, "lr_scale": 1.0})
        return torch.optim.AdamW(groups, lr=cfg.learning_rate, betas=betas, eps=1e-8)
    for group in groups:
        group["algorithm"] = "adamw"
    # Muon's update has a fixed size per entry, so weight decay at AdamW's strength would dominate: none here.
    groups.append(
        {
            "params": matrices,
            "algorithm": "muon",
            "weight_decay": 0.0,
            "lr_scale": cfg.muon_lr / cfg.learning_rate,
        }
    )
    return MuonAdamW(groups, lr=cfg.learning_rate, betas=betas, eps=1e-8)
