"""DDP plumbing for `torchrun --nproc_per_node=N -m koubei.lm.train ...` (gloo on CPU, NCCL on CUDA).

Training code asks this module who it is (`rank`, `world_size`), makes collective decisions through it (stop now?,
schedule length) so every rank takes the same number of steps, and checks at the end that replicas stayed in sync.
Without torchrun (no WORLD_SIZE in the environment) everything degrades to single-process no-ops.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class DistInfo:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    created_group: bool = False  # we initialised the process group, so we tear it down

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1


def setup(device_kind: str) -> DistInfo:
    """Join the process group torchrun prepared (env:// rendezvous), or return a single-process DistInfo."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return DistInfo()
    rank = int(os.environ.get("RANK", "0"))
    local = int(os.environ.get("LOCAL_RANK", "0"))
    created = False
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if device_kind == "cuda" else "gloo")
        created = True
    return DistInfo(rank=rank, world_size=world, local_rank=local, created_group=created)


def teardown(info: DistInfo) -> None:
    if info.created_group and dist.is_initialized():
        dist.destroy_process_group()


def barrier(info: DistInfo) -> None:
    if info.enabled:
        dist.barrier()


def any_flag(info: DistInfo, flag: bool, device: torch.device) -> bool:
    """True on every rank when any rank says True (the main rank's clock decides the stop)."""
    if not info.enabled:
        return flag
    t = torch.tensor([1.0 if flag else 0.0], device=device)
    dist.all_reduce(t, op=dist.ReduceOp.MAX)
    return bool(t.item() > 0)


def broadcast_int(info: DistInfo, value: int, device: torch.device) -> int:
    """The main rank's value, on every rank."""
    if not info.enabled:
        return value
    t = torch.tensor([value], dtype=torch.int64, device=device)
    dist.broadcast(t, src=0)
    return int(t.item())


def mean_scalar(info: DistInfo, value: float, device: torch.device) -> float:
    if not info.enabled:
        return value
    t = torch.tensor([value], dtype=torch.float64, device=device)
    dist.all_reduce(t)
    return float(t.item()) / info.world_size


def replica_checksums(info: DistInfo, model: torch.nn.Module) -> list[float]:
    """A checksum of the weights from every rank (one entry when not distributed)."""
    with torch.no_grad():
        local = sum(float(p.double().sum()) + float(p.double().pow(2).sum()) for p in model.parameters())
    if not info.enabled:
        return [local]
    device = next(model.parameters()).device
    t = torch.tensor([local], dtype=torch.float64, device=device)
    gathered = [torch.zeros_like(t) for _ in range(info.world_size)]
    dist.all_gather(gathered, t)
    return [float(g.item()) for g in gathered]
