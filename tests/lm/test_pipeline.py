"""The LM use cases (`koubei.pipelines.lm`): one training text for CLI and demo, progress, the loop's helpers,
and the layering (the CLI calls the pipeline; `koubei.lm` imports neither the CLI nor itself in a cycle)."""

from __future__ import annotations

import ast
import json
import math
from pathlib import Path

import pytest

from koubei.lm import TrainConfig
from koubei.lm.train import TimeBudgetHorizon, lr_at, train
from koubei.pipelines import lm as pipeline
from koubei.progress import RecordingProgress

SRC = Path(__file__).resolve().parents[2] / "src" / "koubei"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_the_cli_calls_the_pipeline_only() -> None:
    imported = _imports(SRC / "cli" / "lm.py")
    assert not {m for m in imported if m.startswith(("koubei.lm", "koubei.store"))}, imported
    assert "koubei.pipelines.lm" in imported


def test_lm_imports_no_cli_and_distill_train_is_one_way() -> None:
    for module in (SRC / "lm").glob("*.py"):
        assert not {m for m in _imports(module) if m.startswith("koubei.cli")}, module.name
    assert "koubei.lm.distill" not in _imports(SRC / "lm" / "train.py")
    assert "koubei.lm.train" in _imports(SRC / "lm" / "distill.py")


def test_store_text_is_reviews_then_titles_for_cli_and_demo(tmp_path: Path) -> None:
    from koubei.store import Store
    from koubei.store.models import Product, Review

    url = f"sqlite:///{tmp_path / 's.db'}"
    with Store.open(url) as store:
        with store.session() as s:
            s.add(Review(review_id="r2", text="secret 2", masked_text="第二条", content_hash="h"))
            s.add(Review(review_id="r1", text="secret 1", masked_text="第一条", content_hash="h"))
            s.add(Review(review_id="r3", text="x", masked_text="", content_hash="h"))
            s.add(Product(product_id="p1", title="华为手机 Mate", content_hash="h"))
        assert pipeline.store_texts(store) == ["第一条", "第二条", "华为手机 Mate"]
        assert pipeline.store_texts(store, limit=1) == ["第一条", "华为手机 Mate"]
    assert pipeline.training_texts("store", url) == ["第一条", "第二条", "华为手机 Mate"]


def test_training_texts_from_a_file_and_plain_errors(tmp_path: Path) -> None:
    from koubei.errors import BadInputError

    data = tmp_path / "d.txt"
    data.write_text("一\n\n二\n", encoding="utf-8")
    assert pipeline.training_texts(str(data)) == ["一", "二"]
    with pytest.raises(BadInputError, match="folder"):
        pipeline.training_texts(str(tmp_path))
    (tmp_path / "empty.txt").write_text("\n \n", encoding="utf-8")
    with pytest.raises(BadInputError, match="no non-empty line"):
        pipeline.training_texts(str(tmp_path / "empty.txt"))
    with pytest.raises(BadInputError, match="ingest"):
        pipeline.training_texts("store", f"sqlite:///{tmp_path / 'empty.db'}")


def test_default_folders_come_from_koubei_home(isolated_home: Path) -> None:
    assert pipeline.model_dir_or_default(None) == isolated_home / "models" / "lm"
    assert (
        pipeline.model_dir_or_default(None, pipeline.DEFAULT_STUDENT)
        == isolated_home / "models" / "lm-student"
    )
    assert pipeline.model_dir_or_default("x") == Path("x")


def test_progress_is_reported_by_steps_or_by_seconds(
    tmp_path: Path, tokenizer_dir: Path, corpus: list[str]
) -> None:
    import shutil

    def folder(name: str) -> Path:
        out = tmp_path / name
        out.mkdir()
        for file in ("tokenizer.json", "tokenizer_config.json"):
            shutil.copy(tokenizer_dir / file, out / file)
        return out

    base = dict(preset="micro", batch_size=4, context_length=32, warmup_steps=2, log_interval=2, threads=1)
    by_steps = RecordingProgress()
    train(corpus, folder("steps"), TrainConfig(max_steps=6, **base), progress=by_steps)  # type: ignore[arg-type]
    assert by_steps.state.desc == "train" and by_steps.state.unit == "step"
    assert by_steps.state.total == 6 and by_steps.state.done == 6 and by_steps.closed
    assert any(n.startswith("step 6  loss ") for n in by_steps.notes)
    by_time = RecordingProgress()
    cfg = TrainConfig(time_budget=3.0, spectral_init=False, **base)  # type: ignore[arg-type]
    result = train(corpus, folder("time"), cfg, progress=by_time)
    assert by_time.state.unit == "s" and by_time.state.total == 3 and by_time.state.done == 3
    assert result.steps > 0


def test_time_budget_horizon_exact() -> None:
    horizon = TimeBudgetHorizon(budget=10.0, every=5, skip=3)
    assert horizon.update(0, 0.0) is None and horizon.update(2, 0.5) is None
    assert horizon.update(3, 1.0) is None  # timing starts here
    assert horizon.update(5, 2.0) is None  # only 2 timed steps
    assert horizon.update(8, 3.0) is None  # not a multiple of `every`
    # 7 steps in 3 s since timing began: 3/7 s a step, 6 s left -> 14 more steps.
    assert horizon.update(10, 4.0) == 24
    assert horizon.update(15, 9.9) == 16  # out of time: at least one more step


def test_lr_schedule_exact_values() -> None:
    cfg = TrainConfig(max_steps=110, learning_rate=1e-3, min_lr_ratio=0.1, warmup_steps=10)
    assert lr_at(0, cfg, 110) == pytest.approx(1e-4)  # warmup: (step + 1) / warmup of the peak
    assert lr_at(9, cfg, 110) == pytest.approx(1e-3)
    assert lr_at(10, cfg, 110) == pytest.approx(1e-3)  # cosine starts at the peak
    # Halfway through the cosine: floor + (peak - floor) / 2; a quarter: floor + (peak - floor)(1 + cos(pi/4)) / 2.
    assert lr_at(60, cfg, 110) == pytest.approx(1e-4 + 0.5 * 9e-4)
    assert lr_at(35, cfg, 110) == pytest.approx(1e-4 + 0.5 * 9e-4 * (1 + math.cos(math.pi / 4)))
    assert lr_at(110, cfg, 110) == pytest.approx(1e-4) and lr_at(500, cfg, 110) == pytest.approx(1e-4)
    assert lr_at(50, cfg, None) == pytest.approx(1e-3)  # no horizon yet: the peak


def test_resume_of_a_finished_run_prints_strict_json(cli, tmp_path: Path, corpus: list[str]) -> None:
    data = tmp_path / "d.txt"
    data.write_text("\n".join(corpus) + "\n", encoding="utf-8")
    out = tmp_path / "m"
    args = [
        "lm",
        "train",
        "--data",
        data,
        "--preset",
        "micro",
        "--vocab-size",
        "400",
        "--max-steps",
        "3",
        "--batch-size",
        "4",
        "--context-length",
        "32",
        "--threads",
        "1",
        "--out",
        out,
        "--no-progress",
        "--json",
    ]
    first = cli(*args)
    assert first.exit_code == 0, first.output
    again = cli(*args, "--resume")  # nothing left to do
    assert again.exit_code == 0, again.output

    def no_nan(value: str) -> float:
        raise AssertionError(f"non-JSON constant {value}")

    result = json.loads(again.stdout, parse_constant=no_nan)
    assert result["resumed_from_step"] == 3 and result["steps"] == 3
    assert result["final_loss"] == json.loads(first.stdout)["final_loss"]  # the checkpoint's last loss
    assert result["chars_per_second"] == 0.0


def test_gradient_clipping_exact() -> None:
    import torch

    from koubei.lm.train import optimizer_step

    def stepped(clip: float) -> tuple[list[float], float]:
        layer = torch.nn.Linear(2, 1, bias=False)
        with torch.no_grad():
            layer.weight.zero_()
        layer.weight.grad = torch.tensor([[3.0, 4.0]])  # norm 5
        norm = optimizer_step(layer, torch.optim.SGD(layer.parameters(), lr=1.0), clip)
        assert layer.weight.grad is None  # cleared for the next step
        return layer.weight.detach().flatten().tolist(), norm

    weights, norm = stepped(1.0)
    assert norm == pytest.approx(5.0) and weights == pytest.approx([-0.6, -0.8])  # scaled to norm 1
    assert stepped(10.0)[0] == pytest.approx([-3.0, -4.0])  # under the limit: untouched
    assert stepped(0.0) == (pytest.approx([-3.0, -4.0]), pytest.approx(5.0))  # 0 turns clipping off


def test_the_loop_clips_every_step(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, tokenizer_dir: Path, corpus: list[str]
) -> None:
    import shutil

    import torch

    seen: list[float] = []
    real = torch.nn.utils.clip_grad_norm_

    def spy(params: object, max_norm: float, *args: object, **kwargs: object) -> torch.Tensor:
        seen.append(max_norm)
        return real(params, max_norm, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(torch.nn.utils, "clip_grad_norm_", spy)
    out = tmp_path / "clip"
    out.mkdir()
    for file in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(tokenizer_dir / file, out / file)
    cfg = TrainConfig(
        preset="micro",
        max_steps=4,
        batch_size=4,
        context_length=32,
        grad_clip=0.25,
        threads=1,
        log_interval=1,
    )
    train(corpus, out, cfg)
    assert seen == [0.25] * 4
    norms = [
        json.loads(line)["grad_norm"]
        for line in (out / "metrics.jsonl").read_text().splitlines()
        if "grad_norm" in line
    ]
    assert len(norms) == 4 and all(n > 0 for n in norms)
