"""The default training recipe: the window follows the documents, the model keeps its positions for generation."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from koubei.errors import BadInputError
from koubei.lm import TrainConfig
from koubei.lm.data import choose_context
from koubei.lm.train import SequenceShape, sequence_shape, train


def test_window_from_the_document_lengths() -> None:
    # 75% of the documents fit in 40 tokens -> 64; the window is a power of two >= 32, capped at the positions.
    reviews = [21] * 50 + [40] * 25 + [84] * 25
    assert choose_context(reviews, 128) == 64
    assert choose_context([5] * 10, 128) == 32
    assert choose_context([33] * 10, 128) == 64 and choose_context([32] * 10, 128) == 32
    assert choose_context([500] * 10, 128) == 128  # long documents: the whole model
    assert choose_context(reviews, 48) == 48
    assert choose_context([], 128) == 128


def test_sequence_shape_keeps_tokens_per_step_and_trains_every_position() -> None:
    shape = sequence_shape(TrainConfig(max_steps=1), [21] * 50 + [40] * 50, positions=128)
    assert shape == SequenceShape(context=64, rows=32, positions=128, full_rows=16, full_every=4)
    assert [shape.at(s) for s in range(8)] == [(64, 32)] * 3 + [(128, 16)] + [(64, 32)] * 3 + [(128, 16)]
    explicit = sequence_shape(
        TrainConfig(max_steps=1, context_length=128, batch_size=16), [21], positions=128
    )
    assert explicit.full_every == 0 and {explicit.at(s) for s in range(5)} == {(128, 16)}
    never = sequence_shape(TrainConfig(max_steps=1, full_context_every=0), [21] * 10, positions=128)
    assert never.context == 32 and never.rows == 64 and {never.at(s) for s in range(5)} == {(32, 64)}
    with pytest.raises(BadInputError, match="divisible"):
        sequence_shape(TrainConfig(max_steps=1, batch_size=3), [21], positions=128, world_size=2)


def test_the_loop_trains_the_windows_it_planned(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, tokenizer_dir: Path, corpus: list[str]
) -> None:
    import koubei.lm.data as data

    seen: list[tuple[int, int]] = []
    real = data.get_batch

    def spy(stream, offsets, context):  # type: ignore[no-untyped-def]
        x, y = real(stream, offsets, context)
        seen.append(tuple(x.shape))
        return x, y

    monkeypatch.setattr(data, "get_batch", spy)
    out = tmp_path / "m"
    out.mkdir()
    for file in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(tokenizer_dir / file, out / file)
    cfg = TrainConfig(
        preset="micro",
        max_steps=4,
        context_length=16,
        tokens_per_step=128,
        full_context_every=2,
        eval_interval=10**6,
        threads=1,
        log_interval=1,
    )
    result = train(corpus, out, cfg)
    assert seen[:4] == [(8, 16), (2, 64), (8, 16), (2, 64)]  # micro has 64 positions (then the held-out loss)
    assert result.context_length == 16 and result.batch_size == 8 and result.tokens == 2 * 128 + 2 * 128
    saved = json.loads((out / "koubei_lm.json").read_text())["train_config"]
    assert (
        saved["context_length"] == 16 and saved["batch_size"] == 8
    )  # resolved values, so resume repeats them


def test_a_short_window_keeps_the_presets_positions(
    tmp_path: Path, tokenizer_dir: Path, corpus: list[str]
) -> None:
    from koubei.lm.model import load_model, model_context_length

    out = tmp_path / "m"
    out.mkdir()
    for file in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(tokenizer_dir / file, out / file)
    train(corpus, out, TrainConfig(preset="micro", max_steps=2, context_length=16, threads=1))
    assert model_context_length(load_model(out)[0]) == 64  # generation keeps every position of the preset
    longer = tmp_path / "long"
    longer.mkdir()
    for file in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(tokenizer_dir / file, longer / file)
    train(
        corpus, longer, TrainConfig(preset="micro", max_steps=2, context_length=96, batch_size=2, threads=1)
    )
    assert model_context_length(load_model(longer)[0]) == 96  # a longer window needs more positions
