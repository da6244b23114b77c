"""Mixed precision: `auto` is decided by a measured probe (cached per machine), and a bf16 run trains and says so."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from koubei.errors import BadInputError
from koubei.lm import TrainConfig
from koubei.lm import precision as P
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


def test_bf16_is_chosen_only_when_clearly_faster() -> None:
    assert P.choose(1.0, 0.5) == "bf16"
    assert P.choose(1.0, 1.0 / P.BF16_MIN_SPEEDUP) == "bf16"
    assert P.choose(1.0, 0.95) == "fp32"  # a 5% edge is within the noise of shared cores
    assert P.choose(0.253, 0.438) == "fp32"  # the Xeon: fp32 253 GFLOP/s, bf16 146
    assert P.choose(1.0, 300.0) == "fp32"  # emulated


def _fake_probe(choice: str, consistent: bool = True) -> P.PrecisionProbe:
    return P.PrecisionProbe(P.machine_key(), 1.0, 0.5 if choice == "bf16" else 2.0, choice, consistent, 0.1)


def test_auto_follows_the_measurement_not_the_cpu_flags(
    monkeypatch: pytest.MonkeyPatch, isolated_home: Path
) -> None:
    cpu = torch.device("cpu")
    assert resolve_precision("fp32", cpu) == "fp32"
    assert resolve_precision("bf16", cpu) == "bf16"
    calls: list[int] = []

    def measured() -> P.PrecisionProbe:
        calls.append(1)
        return _fake_probe("fp32")

    P._MEMO.clear()
    monkeypatch.setattr(
        P, "cpu_has_native_bf16", lambda: True
    )  # the flag says bf16; the measurement says fp32
    monkeypatch.setattr(P, "measure_precisions", measured)
    assert resolve_precision("auto", cpu) == "fp32"
    cache = isolated_home / "cache" / P.CACHE_FILE
    assert json.loads(cache.read_text())[P.machine_key()]["choice"] == "fp32"
    P._MEMO.clear()
    assert resolve_precision("auto", cpu) == "fp32" and len(calls) == 1  # from the cache: measured once
    cache.write_text(
        json.dumps({P.machine_key(): {**json.loads(cache.read_text())[P.machine_key()], "choice": "bf16"}})
    )
    assert resolve_precision("auto", cpu) == "bf16"  # the cached answer is what decides
    with pytest.raises(BadInputError, match="precision"):
        TrainConfig(max_steps=1, precision="fp16")


def test_an_inconsistent_probe_is_used_but_not_cached(
    monkeypatch: pytest.MonkeyPatch, isolated_home: Path
) -> None:
    P._MEMO.clear()
    monkeypatch.setattr(P, "measure_precisions", lambda: _fake_probe("bf16", consistent=False))
    assert P.probe_cpu_precision().choice == "bf16"
    assert not (isolated_home / "cache" / P.CACHE_FILE).exists()
    P._MEMO.clear()


def test_cache_lives_under_koubei_home_or_the_user_cache_dir(
    monkeypatch: pytest.MonkeyPatch, isolated_home: Path
) -> None:
    assert P.cache_path() == isolated_home / "cache" / "precision.json"
    monkeypatch.delenv("KOUBEI_HOME")
    import platformdirs

    assert P.cache_path() == Path(platformdirs.user_cache_dir("koubei")) / "precision.json"


def test_the_real_probe_measures_both_quickly() -> None:
    probe = P.measure_precisions()
    assert probe.choice in ("fp32", "bf16") and probe.fp32_seconds > 0 and probe.bf16_seconds > 0
    assert probe.choice == P.choose(probe.fp32_seconds, probe.bf16_seconds)
    assert probe.probe_seconds < 10  # well under a second on idle cores; generous for a shared machine


def test_autocast_runs_matmuls_in_bf16_only_when_asked() -> None:
    a = torch.randn(4, 4)
    with autocast("bf16", torch.device("cpu")):
        assert (a @ a).dtype == torch.bfloat16
    with autocast("fp32", torch.device("cpu")):
        assert (a @ a).dtype == torch.float32


def test_bf16_run_learns_and_records_its_precision(
    tmp_path: Path, corpus: list[str], tokenizer_dir: Path
) -> None:
    import shutil

    out = tmp_path / "bf16"
    out.mkdir()
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(tokenizer_dir / name, out / name)
    cfg = TrainConfig(
        preset="micro",
        max_steps=60,
        batch_size=8,
        context_length=32,
        learning_rate=1e-2,
        warmup_steps=5,
        seed=0,
        threads=1,
        precision="bf16",
        log_interval=10,
    )
    result = train(corpus, out, cfg)
    assert result.precision == "bf16"
    losses = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    start = next(r for r in losses if r.get("event") == "start")
    first = next(r["loss"] for r in losses if "loss" in r)
    assert start["precision"] == "bf16" and result.final_loss is not None and result.final_loss < 0.8 * first


def test_bf16_on_a_cpu_that_would_emulate_it_is_warned_about(monkeypatch: pytest.MonkeyPatch) -> None:
    cpu = torch.device("cpu")
    monkeypatch.setattr(P, "cpu_has_native_bf16", lambda: False)
    message = P.emulation_warning("bf16", cpu)
    assert message is not None and "emulated" in message and "fp32" in message
    assert P.emulation_warning("auto", cpu) is None
    assert P.emulation_warning("fp32", cpu) is None
    monkeypatch.setattr(P, "cpu_has_native_bf16", lambda: True)
    assert P.emulation_warning("bf16", cpu) is None
