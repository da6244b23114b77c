"""The demo's language-model step on a store of reviews, in quick mode: it returns data, the view prints it."""

from __future__ import annotations

import json
from pathlib import Path

from koubei.cli.demo_views import lm as view
from koubei.lm.data import split_documents
from koubei.pipelines.demo_steps import lm as step
from koubei.progress import RecordingProgress


def test_demo_step_quick(tmp_path: Path, corpus: list[str]) -> None:
    from rich.console import Console

    from koubei.pipelines.demo import DemoContext
    from koubei.store import Store
    from koubei.store.models import Product, Review

    store = Store.open(f"sqlite:///{tmp_path / 's.db'}")
    with store.session() as s:
        for i, text in enumerate(corpus):
            s.add(Review(review_id=f"r{i:04d}", text=text, masked_text=text, content_hash="h"))
        s.add(Product(product_id="p1", title="华为手机 Mate 60", content_hash="h"))
    progress = RecordingProgress()
    ctx = DemoContext(store=store, workdir=tmp_path / "work", quick=True, progress=progress)
    result = step.run(ctx)
    assert isinstance(result, step.LmStep)
    assert Path(result.model_dir, "model.safetensors").is_file()
    assert 0 < result.bits_per_char < 20 and result.steps == 40
    # The same text as `koubei lm train --data store` (reviews, then the product title), split by text hash.
    train, held = split_documents([*corpus, "华为手机 Mate 60"], 0.1, step.HELD_OUT_SEED)
    assert "华为手机 Mate 60" in train + held
    assert result.train_reviews == len(train) and result.held_out_reviews == min(len(held), 300)
    assert len(result.samples) == 2
    assert (
        progress.state.desc == "eval" and progress.state.done > 0
    )  # progress went to the context's Progress
    json.dumps(result.to_dict())  # JSON-safe
    console = Console(record=True, width=120)
    view.render(result, console)
    text = console.export_text()
    assert "bits/char" in text and f"{result.bits_per_char:.3f}" in text and "Sample 2:" in text
    assert step.ORDER == 20
    again = step.run(ctx)  # re-runnable: the old model folder is replaced
    assert again.model_dir == result.model_dir
    store.close()
