"""Faults a new user meets: kills at every point of a save, truncated and hostile files, non-finite options.

Kills are real: `koubei lm train` runs in a subprocess that SIGKILLs itself at a named point of the save
(KOUBEI_LM_KILL_AT, see koubei.lm.checkpoint.kill_point); damage an older koubei could leave is made by hand.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from koubei.errors import BadInputError
from koubei.lm.checkpoint import KILL_ENV, latest_checkpoint, load_into, load_torch_state, save_checkpoint

KOUBEI = str(Path(sys.executable).parent / "koubei")


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _train_args(data: Path, out: Path, steps: int) -> list[str]:
    return [
        "lm",
        "train",
        "--data",
        str(data),
        "--preset",
        "micro",
        "--vocab-size",
        "400",
        "--max-steps",
        str(steps),
        "--batch-size",
        "4",
        "--context-length",
        "32",
        "--threads",
        "1",
        "--checkpoint-interval",
        "3",
        "--precision",
        "fp32",
        "--out",
        str(out),
        "--no-progress",
        "--json",
    ]


class Evil:
    """Unpickling this runs a shell command: what a hostile checkpoint would carry."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (f"touch {self.marker}",))


# -- checkpoints ---------------------------------------------------------------------------------------------------


def test_checkpoint_holds_config_and_tokenizer_and_lists_its_files(
    tmp_path: Path, micro_model_dir: Path
) -> None:
    from koubei.lm.model import load_model

    model, tok = load_model(micro_model_dir)
    opt = torch.optim.AdamW(model.parameters())
    path = save_checkpoint(tmp_path / "ck", model, opt, {"step": 5}, tok)
    state = json.loads((path / "state.json").read_text())
    assert {"model.safetensors", "optimizer.pt", "config.json", "tokenizer.json"} <= set(state["files"])
    assert all((path / f).stat().st_size == n for f, n in state["files"].items())
    ckpt = latest_checkpoint(tmp_path / "ck")
    assert ckpt is not None and ckpt.has_tokenizer and ckpt.note is None


def test_latest_pointing_at_an_incomplete_checkpoint_falls_back_and_says_so(tmp_path: Path) -> None:
    model = torch.nn.Linear(3, 2)
    opt = torch.optim.AdamW(model.parameters())
    root = tmp_path / "checkpoints"
    save_checkpoint(root, model, opt, {"step": 1})
    newest = save_checkpoint(root, model, opt, {"step": 2})
    weights = newest / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:20])  # truncated, as a dying disk would leave it
    ckpt = latest_checkpoint(root)
    assert ckpt is not None and ckpt.state["step"] == 1
    assert ckpt.note is not None and "step-00000002" in ckpt.note and "truncated" in ckpt.note
    assert "step-00000001" in ckpt.note
    (root / "latest.json").write_text("{not json")
    ckpt = latest_checkpoint(root)
    assert ckpt is not None and ckpt.state["step"] == 1 and "damaged" in (ckpt.note or "")


def test_an_old_checkpoint_without_config_json_is_skipped(tmp_path: Path) -> None:
    """The defect: older koubei wrote config.json after moving the pointer, so a kill left it missing."""
    model = torch.nn.Linear(3, 2)
    opt = torch.optim.AdamW(model.parameters())
    root = tmp_path / "checkpoints"
    for step in (3, 6):
        path = save_checkpoint(root, model, opt, {"step": step})
        state = json.loads((path / "state.json").read_text())
        del state["files"]  # written by an older koubei: no list of files
        (path / "state.json").write_text(json.dumps(state))
        (path / "config.json").write_text("{}")
    (root / "step-00000006" / "config.json").unlink()
    ckpt = latest_checkpoint(root)
    assert ckpt is not None and ckpt.state["step"] == 3 and "config.json is missing" in (ckpt.note or "")


def test_resume_falls_back_through_the_cli_and_says_so(cli, tmp_path: Path, corpus: list[str]) -> None:
    data = _write(tmp_path / "d.txt", corpus)
    out = tmp_path / "m"
    r = cli(*_train_args(data, out, 6))
    assert r.exit_code == 0, r.output
    (out / "checkpoints" / "step-00000006" / "config.json").unlink()
    r = cli(*_train_args(data, out, 8), "--resume")
    assert r.exit_code == 0, r.output
    assert "note:" in r.stderr and "step-00000006" in r.stderr and "resuming from step-00000003" in r.stderr
    result = json.loads(r.stdout)
    assert result["resumed_from_step"] == 3 and result["steps"] == 8 and result["notes"]


def test_a_truncated_tokenizer_is_trained_again_or_taken_from_the_checkpoint(
    cli, tmp_path: Path, corpus: list[str]
) -> None:
    data = _write(tmp_path / "d.txt", corpus)
    fresh = tmp_path / "fresh"  # killed while the tokenizer was written, before any checkpoint
    fresh.mkdir()
    (fresh / "tokenizer.json").write_text('{"version": "1.0", "truncated')
    r = cli(*_train_args(data, fresh, 3))
    assert r.exit_code == 0, r.output
    assert "trained the tokenizer again" in r.stderr
    json.loads((fresh / "tokenizer.json").read_text())
    resumed = tmp_path / "resumed"  # a run with checkpoints whose top-level tokenizer.json was damaged later
    assert cli(*_train_args(data, resumed, 3)).exit_code == 0
    good = json.loads((resumed / "tokenizer.json").read_text())
    (resumed / "tokenizer.json").write_text("{")
    r = cli(*_train_args(data, resumed, 5), "--resume")
    assert r.exit_code == 0, r.output
    assert json.loads((resumed / "tokenizer.json").read_text()) == good  # the checkpoint's copy was used


def test_a_hostile_optimizer_state_is_refused_in_one_line(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    model = torch.nn.Linear(3, 2)
    opt = torch.optim.AdamW(model.parameters())
    path = save_checkpoint(tmp_path / "ck", model, opt, {"step": 1})
    torch.save({"state": Evil(marker)}, path / "optimizer.pt")
    with pytest.raises(BadInputError, match="refused") as error:
        load_torch_state(path / "optimizer.pt")
    assert "\n" not in str(error.value) and not marker.exists()
    state = json.loads((path / "state.json").read_text())
    state["files"]["optimizer.pt"] = (path / "optimizer.pt").stat().st_size
    (path / "state.json").write_text(json.dumps(state))
    ckpt = latest_checkpoint(tmp_path / "ck")
    assert ckpt is not None
    with pytest.raises(BadInputError, match="refused"):
        load_into(ckpt, model, opt)
    assert not marker.exists()


# -- model directories -----------------------------------------------------------------------------------------------


def _copy_model(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("checkpoints"))
    return dst


def test_a_truncated_model_is_one_line_exit_2_in_sample_and_eval(
    cli, tmp_path: Path, micro_model_dir: Path
) -> None:
    from koubei.lm.model import load_model

    broken = _copy_model(micro_model_dir, tmp_path / "broken")
    weights = broken / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    with pytest.raises(BadInputError, match="truncated"):
        load_model(broken)
    held = _write(tmp_path / "held.txt", ["这个手机很好用"])
    for args in (
        ["lm", "sample", "--model", broken, "--prompt", "这个"],
        ["lm", "eval", "--model", broken, "--input", held],
    ):
        r = cli(*args)
        assert r.exit_code == 2, r.output
        assert r.stderr.count("\n") == 1 and "truncated" in r.stderr and "Traceback" not in r.output
        assert r.stdout == ""  # nothing half-printed (the prompt waits for the model)


def test_a_truncated_tokenizer_in_a_model_dir_is_one_line(tmp_path: Path, micro_model_dir: Path) -> None:
    from koubei.lm.model import load_model

    broken = _copy_model(micro_model_dir, tmp_path / "broken")
    (broken / "tokenizer.json").write_text('{"model": ')
    with pytest.raises(BadInputError, match="tokenizer"):
        load_model(broken)


def test_a_hostile_pytorch_model_bin_is_refused(tmp_path: Path, micro_model_dir: Path) -> None:
    from koubei.lm.model import load_model

    marker = tmp_path / "pwned"
    hostile = _copy_model(micro_model_dir, tmp_path / "hostile")
    (hostile / "model.safetensors").unlink()
    torch.save({"transformer.wte.weight": Evil(marker)}, hostile / "pytorch_model.bin")
    with pytest.raises(BadInputError, match="refused") as error:
        load_model(hostile)
    assert "\n" not in str(error.value) and not marker.exists()


def test_a_newer_format_is_refused(tmp_path: Path, micro_model_dir: Path) -> None:
    from koubei.lm.model import load_model

    newer = _copy_model(micro_model_dir, tmp_path / "newer")
    meta = json.loads((newer / "koubei_lm.json").read_text())
    (newer / "koubei_lm.json").write_text(json.dumps({**meta, "format_version": 99}))
    with pytest.raises(BadInputError, match="upgrade koubei"):
        load_model(newer)


@pytest.mark.parametrize("option", ["--temperature", "--top-p", "--repetition-penalty"])
@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_non_finite_sampling_options_are_refused(cli, micro_model_dir: Path, option: str, value: str) -> None:
    r = cli("lm", "sample", "--model", micro_model_dir, option, value)
    assert r.exit_code == 2, r.output
    name = option.lstrip("-").replace("-", "_")
    assert f"{name} must be a finite number" in r.stderr and value in r.stderr and "Traceback" not in r.output


# -- kill -9 at each point of a save ---------------------------------------------------------------------------------


def _run(args: list[str], kill_at: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    env.pop(KILL_ENV, None)
    if kill_at:
        env[KILL_ENV] = kill_at
    return subprocess.run([KOUBEI, *args], capture_output=True, text=True, env=env, timeout=300)


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory, corpus: list[str]) -> tuple[Path, Path]:
    """(data file, model folder of a 6-step run that was never interrupted)."""
    root = tmp_path_factory.mktemp("straight")
    data = _write(root / "d.txt", corpus)
    assert _run(_train_args(data, root / "model", 6)).returncode == 0
    return data, root / "model"


@pytest.mark.slow
@pytest.mark.parametrize(
    "kill_at",
    [
        "checkpoint-files-written",
        "checkpoint-renamed",
        "checkpoint-pointer-moved",
        "model-saved-model.safetensors",
    ],
)
def test_kill_9_anywhere_in_a_save_leaves_a_resumable_run(
    tmp_path: Path, uninterrupted: tuple[Path, Path], kill_at: str
) -> None:
    from koubei.lm.model import load_model

    data, straight = uninterrupted
    killed = tmp_path / "killed"
    first = _run(_train_args(data, killed, 6), kill_at)
    assert first.returncode == -9, first.stderr[-2000:]
    resumed = _run([*_train_args(data, killed, 6), "--resume"])
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    result = json.loads(resumed.stdout)
    assert result["steps"] == 6
    assert not list((killed / "checkpoints").glob(".tmp-*")) and not list(killed.glob(".tmp-*"))
    a, b = load_model(straight)[0].state_dict(), load_model(killed)[0].state_dict()
    for key in a:  # the continued run equals the uninterrupted one
        torch.testing.assert_close(b[key], a[key], rtol=0, atol=1e-6)
