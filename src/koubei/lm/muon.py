"""Muon for the Transformer's weight matrices, AdamW for everything else, in one optimizer (one state dict).

Why: at a CPU budget of a few hundred steps, learning per step is what decides the result. Measured on the issue-3
benchmark data (small preset, 150 steps, fp32, AVX2 EPYC, 2026-11-29), from a random init: held-out bits/char 6.54
with AdamW, 6.39 with Muon on the block matrices, 6.13 with Muon and a 10x learning rate on the embeddings. From
the bigram spectral init (koubei's default), Muon no longer helps: 5.68 vs 5.66 at 150 steps, and at a 300 s
budget 5.52 vs 5.43 bits/char, because each Muon step costs about 24% more here (five Newton-Schulz iterations per
matrix). So AdamW is the default and Muon an option (`--optimizer muon`), e.g. for a run without the spectral init.

Muon (Jordan et al., 2024, "Muon: MomentUm Orthogonalized by Newton-schulz") takes the Nesterov momentum of a
matrix's gradient and replaces it by the nearest semi-orthogonal matrix, approximated by a quintic Newton-Schulz
iteration, so every direction of the update moves at the same rate. It is only defined for matrices; embeddings
and the LM head (whose rows are looked up, not multiplied as a whole) and the 1-D gains and biases stay on AdamW.

`torch.optim.Muon` exists in torch 2.13 but runs Newton-Schulz in bfloat16, which a CPU without native bf16
emulates: measured 13 steps in 120 s against 132 with AdamW. This one iterates in the parameter's dtype.

Each group carries `algorithm` ("muon" or "adamw"); `lr_scale` multiplies the scheduled learning rate (the training
loop reads it).
"""

from __future__ import annotations

from typing import Any

import torch

# Quintic Newton-Schulz coefficients from the Muon reference implementation (fast convergence of the singular values
# towards ~1 rather than exact orthogonality, which the update does not need).
NS_COEFFICIENTS = (3.4445, -4.7750, 2.0315)


def orthogonalize(update: torch.Tensor, steps: int = 5) -> torch.Tensor:
    """The semi-orthogonal matrix nearest `update` (approximately: singular values pushed into ~[0.7, 1.2])."""
    a, b, c = NS_COEFFICIENTS
    x = update
    transposed = x.size(0) > x.size(1)
    if transposed:
        x = x.T  # iterate on the smaller Gram matrix
    x = x / (x.norm() + 1e-7)
    for _ in range(steps):
        gram = x @ x.T
        x = a * x + (b * gram + c * (gram @ gram)) @ x
    return x.T if transposed else x


class MuonAdamW(torch.optim.Optimizer):
    """Muon on groups with `algorithm="muon"` (2-D parameters only), AdamW on the rest."""

    def __init__(
        self,
        groups: list[dict[str, Any]],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.95),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.95,
        ns_steps: int = 5,
    ) -> None:
        defaults = dict(
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            momentum=momentum,
            ns_steps=ns_steps,
            algorithm="adamw",
            lr_scale=1.0,
        )
        super().__init__(groups, defaults)
        for group in self.param_groups:
            if group["algorithm"] not in ("muon", "adamw"):
                raise ValueError(f"algorithm must be 'muon' or 'adamw', got {group['algorithm']!r}")
            if group["algorithm"] == "muon" and any(p.dim() != 2 for p in group["params"]):
                raise ValueError("Muon groups may only hold 2-D weight matrices")

    @torch.no_grad()
    def step(self, closure: Any = None) -> Any:  # type: ignore[override]
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            if group["algorithm"] == "muon":
                self._muon(group)
            else:
                self._adamw(group)
        return loss

    def _muon(self, group: dict[str, Any]) -> None:
        lr, momentum = group["lr"], group["momentum"]
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if "momentum_buffer" not in state:
                state["momentum_buffer"] = torch.zeros_like(p)
            buf = state["momentum_buffer"]
            buf.lerp_(p.grad, 1 - momentum)
            nesterov = p.grad.lerp(buf, momentum)
            update = orthogonalize(nesterov, group["ns_steps"])
            if group["weight_decay"]:
                p.mul_(1 - lr * group["weight_decay"])
            # Scale so a tall matrix's update has the same per-entry size as a wide one's (reference implementation).
            p.add_(update, alpha=-lr * max(1.0, p.size(0) / p.size(1)) ** 0.5)

    def _adamw(self, group: dict[str, Any]) -> None:
        """torch's own AdamW update (its functional form), on this group's parameters and state."""
        from torch.optim.adamw import adamw

        params, grads, exp_avgs, exp_avg_sqs, steps = [], [], [], [], []
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if not state:
                state["step"] = torch.zeros((), dtype=torch.float32)
                state["exp_avg"] = torch.zeros_like(p)
                state["exp_avg_sq"] = torch.zeros_like(p)
            params.append(p)
            grads.append(p.grad)
            exp_avgs.append(state["exp_avg"])
            exp_avg_sqs.append(state["exp_avg_sq"])
            steps.append(state["step"])
        beta1, beta2 = group["betas"]
        adamw(
            params,
            grads,
            exp_avgs,
            exp_avg_sqs,
            [],
            steps,
            amsgrad=False,
            beta1=beta1,
            beta2=beta2,
            lr=group["lr"],
            weight_decay=group["weight_decay"],
            eps=group["eps"],
            maximize=False,
        )
