"""Model and training: overfit -> save -> load -> same predictions, HF loading, determinism, resume, atomic checkpoints."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch

from koubei.errors import BadInputError
from koubei.lm import TrainConfig, load_model, train_lm
from koubei.lm.checkpoint import latest_checkpoint, load_into, save_checkpoint
from koubei.lm.train import train
from koubei.progress import RecordingProgress


def _with_tokenizer(tokenizer_dir: Path, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(tokenizer_dir / name, out / name)
    return out


def _cfg(**kw: object) -> TrainConfig:
    base: dict[str, object] = dict(
        preset="micro",
        batch_size=4,
        context_length=32,
        learning_rate=1e-2,
        warmup_steps=2,
        eval_interval=1000,
        checkpoint_interval=3,
        log_interval=2,
        seed=0,
        max_steps=6,
        threads=1,
    )
    base.update(kw)
    return TrainConfig(**base)  # type: ignore[arg-type]


class CrashAt(RecordingProgress):
    """A progress that interrupts training (as Ctrl-C would) when step `at` is reported done."""

    def __init__(self, at: int) -> None:
        super().__init__()
        self.at = at

    def advance(self, n: int = 1) -> None:
        super().advance(n)
        if self.state.unit == "step" and self.state.done >= self.at:
            raise KeyboardInterrupt


def _weights(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def test_overfit_save_load_same_predictions(micro_model_dir: Path, corpus: list[str]) -> None:
    from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification, AutoTokenizer

    summary = json.loads((micro_model_dir / "train_summary.json").read_text())
    first = json.loads((micro_model_dir / "metrics.jsonl").read_text().splitlines()[1])["loss"]
    assert summary["result"]["final_loss"] < 0.5 * first  # it learned the tiny corpus
    model, tok = load_model(micro_model_dir)
    ids = torch.tensor([[tok.eos_token_id, *tok(corpus[0], add_special_tokens=False)["input_ids"]]])
    ours = model(input_ids=ids).logits
    hf = AutoModelForCausalLM.from_pretrained(str(micro_model_dir)).eval()
    torch.testing.assert_close(hf(input_ids=ids).logits, ours)
    assert type(hf).__name__ == "GPTBigCodeForCausalLM"
    assert AutoTokenizer.from_pretrained(str(micro_model_dir)).eos_token == "<|endoftext|>"
    clf = AutoModelForSequenceClassification.from_pretrained(str(micro_model_dir), num_labels=2)
    assert clf(input_ids=ids).logits.shape == (1, 2)
    # The bigram spectral init needs different input and output embeddings (koubei.lm.spectral_init).
    assert model.get_output_embeddings().weight is not model.get_input_embeddings().weight
    assert model.config.tie_word_embeddings is False and hf.config.tie_word_embeddings is False
    meta = json.loads((micro_model_dir / "koubei_lm.json").read_text())
    assert meta["format_version"] == 1 and meta["train_config"]["preset"] == "micro"


def test_same_seed_same_weights(tmp_path: Path, tokenizer_dir: Path, corpus: list[str]) -> None:
    a = _with_tokenizer(tokenizer_dir, tmp_path / "a")
    b = _with_tokenizer(tokenizer_dir, tmp_path / "b")
    train(corpus, a, _cfg())
    train(corpus, b, _cfg())
    wa, wb = _weights(load_model(a)[0]), _weights(load_model(b)[0])
    for key in wa:
        assert torch.equal(wa[key], wb[key]), key


@pytest.mark.parametrize("optimizer", ["adamw", "muon"])
def test_resume_equals_uninterrupted(
    tmp_path: Path, tokenizer_dir: Path, corpus: list[str], optimizer: str
) -> None:
    straight = _with_tokenizer(tokenizer_dir, tmp_path / "straight")
    train(corpus, straight, _cfg(optimizer=optimizer))

    interrupted = _with_tokenizer(tokenizer_dir, tmp_path / "interrupted")

    with pytest.raises(KeyboardInterrupt):  # after the step-3 checkpoint: step 4's work is lost
        train(corpus, interrupted, _cfg(optimizer=optimizer), progress=CrashAt(4))
    ckpt = latest_checkpoint(interrupted / "checkpoints")
    assert ckpt is not None and ckpt.state["step"] == 3
    with pytest.raises(BadInputError, match="--resume"):
        train(corpus, interrupted, _cfg(optimizer=optimizer))
    result = train(corpus, interrupted, _cfg(optimizer=optimizer), resume=True)
    assert result.resumed_from_step == 3 and result.steps == 6
    ws, wi = _weights(load_model(straight)[0]), _weights(load_model(interrupted)[0])
    for key in ws:
        torch.testing.assert_close(wi[key], ws[key], rtol=0, atol=1e-6)


def test_a_checkpoint_with_another_optimizer_layout_is_refused_in_plain_words(tmp_path: Path) -> None:
    model = torch.nn.Linear(3, 2)
    save_checkpoint(tmp_path / "ck", model, torch.optim.AdamW([model.weight, model.bias]), {"step": 1})
    ckpt = latest_checkpoint(tmp_path / "ck")
    assert ckpt is not None
    regrouped = torch.optim.AdamW([{"params": [model.weight]}, {"params": [model.bias]}])
    with pytest.raises(BadInputError, match="cannot continue"):
        load_into(ckpt, model, regrouped)


def test_checkpoint_write_failure_keeps_last_good(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    model = torch.nn.Linear(3, 2)
    opt = torch.optim.AdamW(model.parameters())
    root = tmp_path / "checkpoints"
    save_checkpoint(root, model, opt, {"step": 1})
    good = {k: v.clone() for k, v in model.state_dict().items()}
    with torch.no_grad():
        model.weight.add_(1.0)
    real_rename = os.rename

    def dying_rename(
        src: str, dst: str
    ) -> None:  # the process "dies" between writing files and publishing them
        raise OSError("killed")

    monkeypatch.setattr(os, "rename", dying_rename)
    with pytest.raises(OSError):
        save_checkpoint(root, model, opt, {"step": 2})
    monkeypatch.setattr(os, "rename", real_rename)
    ckpt = latest_checkpoint(root)
    assert ckpt is not None and ckpt.state["step"] == 1
    fresh = torch.nn.Linear(3, 2)
    load_into(ckpt, fresh, torch.optim.AdamW(fresh.parameters()))
    for key, value in good.items():
        assert torch.equal(fresh.state_dict()[key], value)


KILL_SCRIPT = r"""
import sys, torch
from pathlib import Path
from koubei.lm.checkpoint import save_checkpoint
model = torch.nn.Linear(256, 256)
opt = torch.optim.AdamW(model.parameters())
model(torch.randn(2, 256)).sum().backward(); opt.step()
step = 0
while True:
    step += 1
    with torch.no_grad():
        model.weight.fill_(float(step))
    save_checkpoint(Path(sys.argv[1]), model, opt, {"step": step})
    print(step, flush=True)
"""


@pytest.mark.slow
def test_kill_9_mid_save_never_corrupts(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    root = tmp_path / "checkpoints"
    for delay in (0.0, 0.029):
        proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(root)], stdout=subprocess.PIPE)
        assert proc.stdout is not None
        while True:  # wait until it is saving in a loop
            line = proc.stdout.readline()
            assert line, "the checkpoint writer died before saving"
            if int(line) >= 2:
                break
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        ckpt = latest_checkpoint(root)
        assert ckpt is not None
        fresh = torch.nn.Linear(256, 256)
        load_into(ckpt, fresh, torch.optim.AdamW(fresh.parameters()))
        assert torch.all(fresh.weight == float(ckpt.state["step"]))
        assert len(list(root.glob("step-*"))) <= 3  # pruning works even across kills


def test_bad_config(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="max_steps"):
        TrainConfig(preset="micro")
    with pytest.raises(BadInputError, match="preset"):
        TrainConfig(preset="huge", max_steps=1)
    with pytest.raises(BadInputError, match="tokens"):
        train_lm(["短"], tmp_path / "out", preset_name="micro", max_steps=1, vocab_size=300)


def test_init_from_continues_a_checkpoint(tmp_path: Path, micro_model_dir: Path, corpus: list[str]) -> None:
    out = tmp_path / "ft"
    result = train(corpus, out, _cfg(init_from=str(micro_model_dir), max_steps=3))
    assert result.steps == 3
    tuned, tok = load_model(out)
    base, base_tok = load_model(micro_model_dir)
    assert tok.get_vocab() == base_tok.get_vocab()  # the base's tokenizer is kept
    assert tuned.config.hidden_size == base.config.hidden_size
    # Starting from a trained model: the first loss is far below a fresh model's (ln V ~ 6).
    first = json.loads((out / "metrics.jsonl").read_text().splitlines()[1])["loss"]
    assert first < 4.0


def test_init_from_a_foreign_hf_model(tmp_path: Path, tokenizer_dir: Path, corpus: list[str]) -> None:
    """A user's own HF causal-LM directory (here a tiny GPT-2 with our tokenizer) continues training."""
    from transformers import GPT2Config, GPT2LMHeadModel

    from koubei.lm import load_tokenizer

    tok = load_tokenizer(tokenizer_dir)
    base = tmp_path / "gpt2"
    cfg = GPT2Config(
        vocab_size=len(tok), n_embd=32, n_layer=1, n_head=2, n_positions=64, bos_token_id=0, eos_token_id=0
    )
    GPT2LMHeadModel(cfg).save_pretrained(str(base))
    tok.save_pretrained(str(base))
    out = tmp_path / "tuned"
    result = train(corpus, out, _cfg(init_from=str(base), max_steps=4, checkpoint_interval=2))
    assert result.steps == 4
    model, _ = load_model(out)
    assert type(model).__name__ == "GPT2LMHeadModel"
    resumed = train(corpus, out, _cfg(init_from=str(base), max_steps=6), resume=True)
    assert resumed.resumed_from_step == 4 and resumed.steps == 6


def test_time_budget_sizes_the_schedule(tmp_path: Path, tokenizer_dir: Path, corpus: list[str]) -> None:
    out = _with_tokenizer(tokenizer_dir, tmp_path / "timed")
    cfg = _cfg(
        max_steps=None, time_budget=2.0, horizon_probe_steps=5, warmup_steps=2, checkpoint_interval=10**6
    )
    result = train(corpus, out, cfg)
    assert 2.0 <= result.train_seconds < 6.0
    ckpt = latest_checkpoint(out / "checkpoints")
    assert ckpt is not None and ckpt.state["planned_steps"] is not None and ckpt.state["planned_steps"] > 5
    lrs = [
        json.loads(line)["lr"] for line in (out / "metrics.jsonl").read_text().splitlines() if '"lr"' in line
    ]
    assert lrs[-1] < 0.7 * cfg.learning_rate  # the cosine was under way when the budget ran out
