"""Mixed precision: how `auto` is resolved, and that a bf16 run trains and says so."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from koubei.errors import BadInputError
from koubei.lm import TrainConfig
from koubei.lm.precision import autocast, cpu_has_native_bf16, resolve_precision
from koubei.lm.train import train


def test_native_bf16_is_read_from_the_cpu_flags(tmp_path: Path) -> None:
    with_bf16 = tmp_path / "a"
    with_bf16.write_text("processor : 0\nflags : fpu sse avx512f avx512_bf16 avx512_vnni\n")
    without = tmp_path / "b"
    without.write_text("processor : 0\nflags : fpu sse avx2 avx512f\n")
    assert cpu_has_native_bf16(str(with_bf16)) is True
    assert cpu_has_native_bf16(str(without)) is False
    assert cpu_has_native_bf16(str(tmp_path / "missing")) is False


def test_explicit_precision_wins_and_auto_follows_the_hardware() -> None:
    cpu = torch.device("cpu")
    assert resolve_precision("fp32", cpu) == "fp32"
    assert resolve_precision("bf16", cpu) == "bf16"
    assert resolve_precision("auto", cpu) == ("bf16" if cpu_has_native_bf16() else "fp32")
    with pytest.raises(BadInputError, match="--precision"):
        TrainConfig(max_steps=1, precision="fp16")


def test_autocast_runs_matmuls_in_bf16_only_when_asked() -> None:
    a = torch.randn(4, 4)
    with autocast("bf16", torch.device("cpu")):
        assert (a @ a).dtype == torch.bfloat16
    with autocast("fp32", torch.device("cpu")):
        assert (a @ a).dtype == torch.float32


def test_bf16_run_learns_and_records_its_precision(tmp_path: Path, corpus: list[str], tokenizer_dir: Path) -> None:
    import shutil

    out = tmp_path / "bf16"
    out.mkdir()
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(tokenizer_dir / name, out / name)
    cfg = TrainConfig(
        preset="micro", max_steps=60, batch_size=8, context_length=32, learning_rate=1e-2, warmup_steps=5,
        seed=0, threads=1, precision="bf16", log_interval=10,
    )
    result = train(corpus, out, cfg, progress=False)
    assert result.precision == "bf16"
    losses = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    start = next(r for r in losses if r.get("event") == "start")
    first = next(r["loss"] for r in losses if "loss" in r)
    assert start["precision"] == "bf16" and result.final_loss < 0.8 * first


def test_bf16_on_a_cpu_that_would_emulate_it_is_warned_about(monkeypatch: pytest.MonkeyPatch) -> None:
    import koubei.lm.precision as precision

    cpu = torch.device("cpu")
    monkeypatch.setattr(precision, "cpu_has_native_bf16", lambda: False)
    message = precision.emulation_warning("bf16", cpu)
    assert message is not None and "emulated" in message and "fp32" in message
    assert precision.emulation_warning("auto", cpu) is None
    assert precision.emulation_warning("fp32", cpu) is None
    monkeypatch.setattr(precision, "cpu_has_native_bf16", lambda: True)
    assert precision.emulation_warning("bf16", cpu) is None
