"""Atomic training checkpoints: a kill -9 at any moment never corrupts the last good checkpoint.

Layout under `<model dir>/checkpoints/`: one folder per checkpoint, `step-00000100/` with `model.safetensors`,
`optimizer.pt` (loaded with `torch.load(weights_only=True)`) and `state.json`, plus `latest.json` naming the newest.
A checkpoint is written into a hidden temporary folder, its files are fsynced, then the folder is renamed into place
(atomic on POSIX) and only then is `latest.json` replaced (write temp + fsync + `os.replace`). Older checkpoints are
pruned after the pointer moved. A crash leaves either the old pointer (old checkpoint intact) or the new one.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from koubei.errors import BadInputError
from koubei.lm.config import FORMAT_VERSION

if TYPE_CHECKING:
    import torch

POINTER = "latest.json"
KEEP = 2  # checkpoints kept on disk (the newest and one before it)


def _fsync_path(path: Path) -> None:
    fd = os.open(str(path), os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_text(path: Path, text: str) -> None:
    """Replace `path` with `text` atomically (temp file in the same folder, fsync, rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=str(path.parent))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_path(path.parent)


@dataclass
class Checkpoint:
    """What a resumed run needs: weights, optimizer state, and the loop's counters in `state`."""

    path: Path
    state: dict[str, Any]


def save_checkpoint(
    root: Path, model: torch.nn.Module, optimizer: torch.optim.Optimizer, state: dict[str, Any]
) -> Path:
    """Write a checkpoint for `state['step']` atomically and point `latest.json` at it."""
    import torch
    from safetensors.torch import save_model

    root.mkdir(parents=True, exist_ok=True)
    name = f"step-{int(state['step']):08d}"
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{name}-", dir=str(root)))
    try:
        save_model(model, str(tmp / "model.safetensors"))
        torch.save(optimizer.state_dict(), tmp / "optimizer.pt")
        (tmp / "state.json").write_text(
            json.dumps({"format_version": FORMAT_VERSION, **state}, indent=2, default=str), encoding="utf-8"
        )
        for file in tmp.iterdir():
            _fsync_path(file)
        _fsync_path(tmp)
        final = root / name
        if final.exists():  # a re-save of the same step (e.g. after resume): replace it
            shutil.rmtree(final)
        os.rename(tmp, final)
        _fsync_path(root)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    atomic_write_text(root / POINTER, json.dumps({"checkpoint": name, "step": state["step"]}))
    _prune(root, keep=name)
    return final


def _complete_checkpoints(root: Path) -> list[Path]:
    return sorted(p for p in root.glob("step-*") if p.is_dir() and (p / "state.json").is_file())


def _prune(root: Path, keep: str) -> None:
    complete = _complete_checkpoints(root)
    for old in complete[:-KEEP]:
        if old.name != keep:
            shutil.rmtree(old, ignore_errors=True)
    for stale in root.glob(".tmp-step-*"):  # left by a killed writer
        shutil.rmtree(stale, ignore_errors=True)


def latest_checkpoint(root: Path) -> Checkpoint | None:
    """The newest complete checkpoint: the one `latest.json` names, else the highest complete step folder."""
    if not root.is_dir():
        return None
    candidate: Path | None = None
    try:
        pointer = json.loads((root / POINTER).read_text(encoding="utf-8"))
        named = root / str(pointer["checkpoint"])
        if (named / "state.json").is_file():
            candidate = named
    except (OSError, ValueError, KeyError, TypeError):
        candidate = None
    if candidate is None:
        complete = _complete_checkpoints(root)
        candidate = complete[-1] if complete else None
    if candidate is None:
        return None
    state = json.loads((candidate / "state.json").read_text(encoding="utf-8"))
    return Checkpoint(path=candidate, state=state)


def load_into(ckpt: Checkpoint, model: torch.nn.Module, optimizer: torch.optim.Optimizer | None) -> None:
    """Restore weights (and optimizer state) from a checkpoint, in place."""
    import torch
    from safetensors.torch import load_model

    load_model(model, str(ckpt.path / "model.safetensors"), device=str(next(model.parameters()).device))
    if optimizer is not None:
        opt_state = torch.load(ckpt.path / "optimizer.pt", weights_only=True, map_location="cpu")
        try:
            optimizer.load_state_dict(opt_state)
        except ValueError as exc:  # e.g. a checkpoint of an older koubei whose parameter groups were laid out otherwise
            raise BadInputError(
                f"checkpoint {ckpt.path} holds optimizer state this version cannot continue ({exc}); "
                "start a new run in another --out folder (a finished older model continues with --init-from its folder)"
            ) from exc
