"""Atomic training checkpoints: a kill -9 at any moment never corrupts the last good checkpoint.

Layout under `<model dir>/checkpoints/`: one folder per checkpoint, `step-00000100/` with `model.safetensors`,
`optimizer.pt` (loaded with `torch.load(weights_only=True)`), the model's `config.json`, the tokenizer files when
given, and `state.json` (the loop's counters and the size of every other file), plus `latest.json` naming the newest.

Order of a save, so that every moment of a kill leaves something resumable:
1. every file, `config.json` included, is written into a hidden temporary folder and fsynced; `state.json` last;
2. the folder is renamed into place (atomic on POSIX);
3. only then `latest.json` moves (temp file + fsync + rename, `koubei.artifacts`);
4. older checkpoints are pruned.
A checkpoint counts as complete when its `state.json` reads and every file it lists has the listed size. Resuming
takes the one `latest.json` names when it is complete, else the newest complete one, and says why
(`Checkpoint.note`).

Public API: `save_checkpoint`, `latest_checkpoint`, `load_into`, `Checkpoint`.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import signal
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from koubei.artifacts import fsync_path, write_json
from koubei.errors import BadInputError
from koubei.lm.config import FORMAT_VERSION

if TYPE_CHECKING:
    import torch

POINTER = "latest.json"
STATE_FILE = "state.json"
WEIGHTS_FILE = "model.safetensors"
OPTIMIZER_FILE = "optimizer.pt"
KEEP = 2  # checkpoints kept on disk (the newest and one before it)
# Files a checkpoint written before state.json listed its files must hold to be resumable.
LEGACY_REQUIRED = (WEIGHTS_FILE, OPTIMIZER_FILE, "config.json")
# Fault injection for the kill tests: when this variable names a point of the save, the process SIGKILLs itself
# there (exactly what an OOM killer or a `kill -9` would do at that moment).
KILL_ENV = "KOUBEI_LM_KILL_AT"


def kill_point(name: str) -> None:
    """Die at `name` when the kill tests ask for it (no-op otherwise)."""
    if os.environ.get(KILL_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


@dataclass
class Checkpoint:
    """What a resumed run needs: weights, optimizer state, and the loop's counters in `state`.

    `note` says why this checkpoint and not the one `latest.json` names (None when it is that one)."""

    path: Path
    state: dict[str, Any]
    note: str | None = None

    @property
    def has_tokenizer(self) -> bool:
        return (self.path / "tokenizer.json").is_file()


def save_checkpoint(
    root: Path,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    state: dict[str, Any],
    tokenizer: Any = None,
) -> Path:
    """Write a checkpoint for `state['step']` atomically and point `latest.json` at it (see the module docstring).

    `model.config` (a `transformers` config) is saved as `config.json` when the model has one; `tokenizer` (a
    `transformers` tokenizer), when given, is saved too, so the checkpoint alone is enough to resume from."""
    import torch
    from safetensors.torch import save_model

    root.mkdir(parents=True, exist_ok=True)
    name = f"step-{int(state['step']):08d}"
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{name}-", dir=str(root)))
    try:
        save_model(model, str(tmp / WEIGHTS_FILE))
        torch.save(optimizer.state_dict(), tmp / OPTIMIZER_FILE)
        config = getattr(model, "config", None)
        if config is not None and hasattr(config, "to_json_file"):
            config.to_json_file(str(tmp / "config.json"))
        if tokenizer is not None:
            tokenizer.save_pretrained(str(tmp))
        files = {p.name: p.stat().st_size for p in sorted(tmp.iterdir()) if p.is_file()}
        (tmp / STATE_FILE).write_text(
            json.dumps({"format_version": FORMAT_VERSION, **state, "files": files}, indent=2, default=str),
            encoding="utf-8",
        )
        for file in tmp.iterdir():
            fsync_path(file)
        fsync_path(tmp)
        kill_point("checkpoint-files-written")
        final = root / name
        if final.exists():  # a re-save of the same step (e.g. after resume): replace it
            shutil.rmtree(final)
        os.rename(tmp, final)
        fsync_path(root)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    kill_point("checkpoint-renamed")
    write_json(root / POINTER, {"checkpoint": name, "step": state["step"]})
    kill_point("checkpoint-pointer-moved")
    _prune(root, keep=name)
    return final


def _read_state(folder: Path) -> dict[str, Any] | None:
    try:
        state = json.loads((folder / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) and "step" in state else None


def incomplete_reason(folder: Path) -> str | None:
    """Why `folder` is not a resumable checkpoint, or None when it is complete."""
    state = _read_state(folder)
    if state is None:
        return f"no readable {STATE_FILE}"
    listed = state.get("files")
    expected: dict[str, int | None] = (
        {str(k): int(v) for k, v in listed.items()}
        if isinstance(listed, dict)
        else dict.fromkeys(LEGACY_REQUIRED)
    )
    for file, size in expected.items():
        path = folder / file
        if not path.is_file():
            return f"{file} is missing"
        if size is not None and path.stat().st_size != size:
            return f"{file} is truncated ({path.stat().st_size:,} of {size:,} bytes)"
    return None


def _step_folders(root: Path) -> list[Path]:
    return sorted(p for p in root.glob("step-*") if p.is_dir())


def _prune(root: Path, keep: str) -> None:
    complete = [p for p in _step_folders(root) if incomplete_reason(p) is None]
    for old in complete[:-KEEP]:
        if old.name != keep:
            shutil.rmtree(old, ignore_errors=True)
    for stale in root.glob(".tmp-step-*"):  # left by a killed writer
        shutil.rmtree(stale, ignore_errors=True)


def _pointed(root: Path) -> Path | None:
    try:
        pointer = json.loads((root / POINTER).read_text(encoding="utf-8"))
        return root / str(pointer["checkpoint"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def latest_checkpoint(root: Path) -> Checkpoint | None:
    """The newest complete checkpoint: the one `latest.json` names when complete, else the newest complete folder.

    When it is not the one the pointer names, `note` says which was skipped and why."""
    if not root.is_dir():
        return None
    named = _pointed(root)
    if named is not None and named.is_dir() and incomplete_reason(named) is None:
        state = _read_state(named)
        assert state is not None
        return Checkpoint(path=named, state=state)
    complete = [p for p in _step_folders(root) if incomplete_reason(p) is None]
    if not complete:
        return None
    chosen = complete[-1]
    state = _read_state(chosen)
    assert state is not None
    note = None
    if named is not None:
        why = incomplete_reason(named) if named.is_dir() else "the folder does not exist"
        note = (
            f"{POINTER} names {named.name}, which is incomplete ({why}); resuming from {chosen.name}, "
            "the newest complete checkpoint"
        )
    elif (root / POINTER).exists():
        note = f"{POINTER} is damaged; resuming from {chosen.name}, the newest complete checkpoint"
    return Checkpoint(path=chosen, state=state, note=note)


def load_weights(model: torch.nn.Module, file: Path, device: str = "cpu") -> None:
    """Load a safetensors file into `model` in place; a damaged file is a one-line BadInputError."""
    from safetensors import SafetensorError
    from safetensors.torch import load_model

    try:
        load_model(model, str(file), device=device)
    except (SafetensorError, OSError) as error:
        raise BadInputError(f"weights file {str(file)!r} is damaged or truncated ({error})") from None


def load_torch_state(file: Path) -> Any:
    """`torch.load(weights_only=True)`: tensors and plain containers only; anything else is refused in one line."""
    import torch

    try:
        return torch.load(file, weights_only=True, map_location="cpu")
    except pickle.UnpicklingError:
        raise BadInputError(
            f"{str(file)!r} holds Python objects other than tensors and was refused (koubei loads only weights; "
            "a file like this can run code when unpickled)"
        ) from None
    except (RuntimeError, EOFError, OSError) as error:
        raise BadInputError(f"{str(file)!r} is damaged or truncated ({str(error).splitlines()[0]})") from None


def load_into(ckpt: Checkpoint, model: torch.nn.Module, optimizer: torch.optim.Optimizer | None) -> None:
    """Restore weights (and optimizer state) from a checkpoint, in place."""
    load_weights(model, ckpt.path / WEIGHTS_FILE, device=str(next(model.parameters()).device))
    if optimizer is not None:
        opt_state = load_torch_state(ckpt.path / OPTIMIZER_FILE)
        try:
            optimizer.load_state_dict(opt_state)
        except (ValueError, KeyError, TypeError) as exc:
            # e.g. a checkpoint of an older koubei whose parameter groups were laid out otherwise
            raise BadInputError(
                f"checkpoint {ckpt.path} holds optimizer state this version cannot continue ({exc}); "
                "start a new run in another output folder (a finished older model continues with init_from)"
            ) from exc
