"""The demo's language-model step on a store of reviews, in quick mode."""

from __future__ import annotations

from pathlib import Path

from koubei.pipelines.demo_steps import lm as step


def test_demo_step_quick(tmp_path: Path, corpus: list[str]) -> None:
    from rich.console import Console

    from koubei.pipelines.demo import DemoContext
    from koubei.store import Store
    from koubei.store.models import Review

    store = Store.open(f"sqlite:///{tmp_path / 's.db'}")
    with store.session() as s:
        for i, text in enumerate(corpus):
            s.add(Review(review_id=f"r{i:04d}", text=text, masked_text=text, content_hash="h"))
    console = Console(record=True, width=120)
    ctx = DemoContext(store=store, workdir=tmp_path / "work", console=console, quick=True)
    result = step.run(ctx)
    assert Path(result["model_dir"], "model.safetensors").is_file()
    assert 0 < result["bits_per_char"] < 20
    assert len(result["samples"]) == 2
    assert "bits/char" in console.export_text()
    assert step.ORDER == 20
    again = step.run(ctx)  # re-runnable: the old model folder is replaced
    assert again["model_dir"] == result["model_dir"]
    store.close()
