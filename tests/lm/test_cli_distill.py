"""`koubei lm ...` end to end through the CLI, distillation loss and run, store reading."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from koubei.lm.config import DistillConfig
from koubei.lm.distill import kd_loss


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_kd_loss_hand_checked() -> None:
    hard = torch.tensor(2.0)
    logits = torch.randn(2, 3, 5)
    # Same distributions: KL = 0, only the hard part is left.
    assert float(
        kd_loss(logits, logits.clone(), hard, DistillConfig(temperature=2.0, alpha=0.5))
    ) == pytest.approx(1.0)
    # Student uniform, teacher one-hot-ish over 2 classes at T=1: KL = sum q log(q/p) = log(2) - H(q).
    s = torch.zeros(1, 1, 2)
    t = torch.tensor([[[0.0, math_log(3.0)]]])  # q = (1/4, 3/4)
    expected = 0.25 * math_log(0.25 / 0.5) + 0.75 * math_log(0.75 / 0.5)
    got = float(kd_loss(s, t, torch.tensor(0.0), DistillConfig(temperature=1.0, alpha=1.0)))
    assert got == pytest.approx(expected, rel=1e-5)


def math_log(x: float) -> float:
    import math

    return math.log(x)


def test_cli_end_to_end(cli, tmp_path: Path, corpus: list[str]) -> None:
    data = _write(tmp_path / "reviews.txt", corpus)
    held = _write(tmp_path / "held.txt", corpus[:10])
    out = tmp_path / "model"
    r = cli("lm", "tokenizer", "--corpus", data, "--vocab-size", "400", "--out", out, "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["vocab_size"] == 400
    r = cli(
        "lm",
        "train",
        "--data",
        data,
        "--preset",
        "micro",
        "--max-steps",
        "8",
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
    )
    assert r.exit_code == 0, r.output
    trained = json.loads(r.stdout)
    assert trained["steps"] == 8 and trained["chars_per_token"] > 0
    r = cli("lm", "eval", "--model", out, "--input", held, "--json")
    assert r.exit_code == 0, r.output
    ev = json.loads(r.stdout)
    assert {"bits_per_char", "perplexity", "tokens", "chars"} <= set(ev) and ev["chars"] == sum(
        map(len, corpus[:10])
    )
    r = cli("lm", "sample", "--model", out, "--prompt", "这个", "--max-tokens", "5", "--seed", "1", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["tokens"] <= 5
    r = cli(
        "lm", "sample", "--model", out, "--prompt", "这个", "--max-tokens", "5", "--ban", "好", "--no-cache"
    )
    assert r.exit_code == 0 and r.stdout.startswith("这个")
    # Resume continues the same run to more steps; without --resume the folder is refused (exit 2).
    r = cli(
        "lm", "train", "--data", data, "--preset", "micro", "--max-steps", "10", "--out", out, "--no-progress"
    )
    assert r.exit_code == 2 and "--resume" in r.stderr
    r = cli(
        "lm",
        "train",
        "--data",
        data,
        "--max-steps",
        "10",
        "--out",
        out,
        "--resume",
        "--no-progress",
        "--json",
    )
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["resumed_from_step"] == 8
    # Transfer learning from our own checkpoint, then distillation into a micro student.
    r = cli(
        "lm",
        "train",
        "--data",
        data,
        "--init-from",
        out,
        "--max-steps",
        "3",
        "--batch-size",
        "4",
        "--threads",
        "1",
        "--out",
        tmp_path / "ft",
        "--no-progress",
        "--json",
    )
    assert r.exit_code == 0, r.output
    r = cli(
        "lm",
        "distill",
        "--teacher",
        out,
        "--preset",
        "micro",
        "--data",
        data,
        "--max-steps",
        "4",
        "--batch-size",
        "4",
        "--out",
        tmp_path / "student",
        "--no-progress",
        "--json",
    )
    assert r.exit_code == 0, r.output
    meta = json.loads((tmp_path / "student" / "koubei_lm.json").read_text())
    assert meta["teacher"] == str(out) and meta["distill"]["alpha"] == 0.5


def test_cli_plain_adamw_without_spectral_init_keeps_tied_embeddings(
    cli, tmp_path: Path, corpus: list[str]
) -> None:
    from koubei.lm.model import load_model

    data = _write(tmp_path / "reviews.txt", corpus)
    out = tmp_path / "plain"
    r = cli(
        "lm",
        "train",
        "--data",
        data,
        "--preset",
        "micro",
        "--max-steps",
        "3",
        "--batch-size",
        "4",
        "--context-length",
        "32",
        "--threads",
        "1",
        "--optimizer",
        "adamw",
        "--no-spectral-init",
        "--embedding-lr-scale",
        "1",
        "--out",
        out,
        "--no-progress",
        "--json",
    )
    assert r.exit_code == 0, r.output
    model, _ = load_model(out)
    assert model.get_output_embeddings().weight is model.get_input_embeddings().weight
    start = json.loads((out / "metrics.jsonl").read_text().splitlines()[0])
    assert start["spectral_init"] is None and start["config"]["optimizer"] == "adamw"


def test_cli_bad_input(cli, tmp_path: Path) -> None:
    r = cli("lm", "eval", "--model", tmp_path, "--input", tmp_path / "missing.txt")
    assert r.exit_code == 2 and "does not exist" in r.stderr
    data = _write(tmp_path / "d.txt", ["一些文字"] * 5)
    r = cli("lm", "train", "--data", data, "--preset", "giant", "--max-steps", "1", "--out", tmp_path / "m")
    assert r.exit_code == 2 and "micro" in r.stderr
    r = cli("lm", "train", "--data", data, "--out", tmp_path / "m")
    assert r.exit_code == 2 and "--max-steps" in r.stderr
    r = cli("lm", "train", "--data", data, "--max-steps", "1", "--optimizer", "sgd", "--out", tmp_path / "m")
    assert r.exit_code == 2 and "muon or adamw" in r.stderr
    r = cli("lm", "sample", "--model", tmp_path, "--top-p", "2")
    assert r.exit_code == 2
    r = cli("lm", "train", "--data", "store", "--max-steps", "1", "--out", tmp_path / "m")
    assert r.exit_code == 2 and "ingest" in r.stderr


def test_store_texts_are_masked_and_trainable(tmp_path: Path, corpus: list[str]) -> None:
    from koubei.store import Store
    from koubei.store.lm_data import count_review_texts, iter_review_texts, read_training_texts
    from koubei.store.models import Product, Review

    store = Store.open(f"sqlite:///{tmp_path / 's.db'}")
    with store.session() as s:
        for i, text in enumerate(corpus[:30]):
            s.add(
                Review(
                    review_id=f"r{i:03d}", text=f"secret {i}", masked_text=text, content_hash="h", source="t"
                )
            )
        s.add(Review(review_id="r999", text="x", masked_text="", content_hash="h"))
        s.add(Product(product_id="p1", title="华为手机 Mate", content_hash="h"))
    assert count_review_texts(store) == 30
    texts = list(iter_review_texts(store, batch_size=7))
    assert texts == corpus[:30]  # masked text only, in review_id order, empty skipped
    assert read_training_texts(store)[-1] == "华为手机 Mate"
    store.close()


def test_cli_train_from_the_store(cli, tmp_path: Path, corpus: list[str]) -> None:
    from koubei.store import Store
    from koubei.store.models import Review

    url = f"sqlite:///{tmp_path / 'store.db'}"
    store = Store.open(url)
    with store.session() as s:
        for i, text in enumerate(corpus):
            s.add(Review(review_id=f"r{i:04d}", text="unmasked " + text, masked_text=text, content_hash="h"))
    store.close()
    out = tmp_path / "m"
    r = cli(
        "lm",
        "train",
        "--db",
        url,
        "--preset",
        "micro",
        "--vocab-size",
        "400",
        "--max-steps",
        "3",
        "--batch-size",
        "4",
        "--threads",
        "1",
        "--out",
        out,
        "--no-progress",
        "--json",
    )
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["steps"] == 3
    from koubei.lm import load_tokenizer

    assert "unmasked" not in load_tokenizer(out).get_vocab()  # trained on masked text only
