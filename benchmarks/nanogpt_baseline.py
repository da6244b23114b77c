"""nanoGPT's character-level model as the side-by-side baseline of the LM benchmark.

Nothing of nanoGPT is copied here: the caller passes a local checkout (`--nanogpt DIR`, e.g. a clone of
github.com/karpathy/nanoGPT at 3adf61e) and its own `model.py` is imported from there. The recipe is the one the
issue names: n_layer=4, n_head=4, n_embd=256, block_size=128, batch 16, no dropout, no bias, compile off, nanoGPT's
`configure_optimizers` (AdamW, weight decay 0.1 on matrices, betas 0.9/0.99 as in its char config), lr 1e-3 with 100
warmup iterations and cosine decay to 1e-4, gradient clipping 1.0. Because the run is bounded by wall-clock time like
ours, the cosine horizon is sized from the first 20 iterations' speed, as koubei's trainer does.

Data as nanoGPT's char `prepare.py` does it: the vocabulary is every character of the corpus (training and held-out
reviews, plus the "\\n" that separates documents); training batches are random 128-character windows of the
training reviews joined by "\\n". Evaluation matches `koubei lm eval`: each held-out review scored on its own from
its start ("\\n" given as the boundary), sliding windows of half a context for long reviews, bits/char = NLL in bits
/ characters.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import time
from pathlib import Path
from typing import Any

import torch

from koubei.lm.evaluate import scoring_windows


def _import_nanogpt(checkout: Path) -> Any:
    spec = importlib.util.spec_from_file_location("nanogpt_model", checkout / "model.py")
    if spec is None or spec.loader is None:
        raise SystemExit(f"--nanogpt {checkout}: no model.py there (expected a nanoGPT checkout)")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _lr(it: int, planned: int, warmup: int = 100, peak: float = 1e-3, floor: float = 1e-4) -> float:
    if it < warmup:
        return peak * (it + 1) / (warmup + 1)
    if it > planned:
        return floor
    ratio = (it - warmup) / max(1, planned - warmup)
    return floor + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (peak - floor)


def bits_per_char(
    model: Any, stoi: dict[str, int], held: list[str], context: int = 128, batch: int = 64
) -> float:
    items: list[tuple[list[int], int]] = []
    for text in held:
        ids = [stoi["\n"], *(stoi[c] for c in text)]
        for start, end, first in scoring_windows(len(ids), context):
            items.append((ids[start:end], first - start))
    nll, chars = 0.0, sum(map(len, held))
    model.eval()
    with torch.no_grad():
        for b in range(0, len(items), batch):
            chunk = items[b : b + batch]
            width = max(len(ids) for ids, _ in chunk)
            x = torch.zeros(len(chunk), width, dtype=torch.long)
            for row, (ids, _) in enumerate(chunk):
                x[row, : len(ids)] = torch.tensor(ids)
            # nanoGPT's forward returns last-position logits without targets; pass dummy targets for all positions.
            logits, _ = model(x, torch.zeros_like(x))
            logp = torch.log_softmax(logits.float(), dim=-1)
            for row, (ids, first) in enumerate(chunk):
                targets = torch.tensor(ids[first:])
                nll -= float(logp[row, first - 1 : len(ids) - 1].gather(1, targets.unsqueeze(1)).sum())
    return nll / math.log(2) / chars


def run(
    checkout: Path, train_texts: list[str], held: list[str], budget: float, seed: int = 1337
) -> dict[str, Any]:
    """Train nanoGPT's char model for `budget` seconds; return steps, chars/s and held-out bits/char."""
    nanogpt = _import_nanogpt(checkout)
    vocab = sorted(set("".join(train_texts)) | set("".join(held)) | {"\n"})
    stoi = {c: i for i, c in enumerate(vocab)}
    data = torch.tensor([stoi[c] for c in "\n".join(train_texts)], dtype=torch.long)
    torch.manual_seed(seed)
    config = nanogpt.GPTConfig(
        n_layer=4, n_head=4, n_embd=256, block_size=128, vocab_size=len(vocab), dropout=0.0, bias=False
    )
    model = nanogpt.GPT(config)
    optimizer = model.configure_optimizers(0.1, 1e-3, (0.9, 0.99), "cpu")
    gen = torch.Generator().manual_seed(seed)
    planned, it, probe_at = 10**9, 0, None
    start = time.perf_counter()
    model.train()
    while time.perf_counter() - start < budget:
        if it == 20:
            probe_at = time.perf_counter()
        if probe_at is not None and it > 20 and it % 20 == 0:
            per_step = (time.perf_counter() - probe_at) / (it - 20)
            planned = it + int((budget - (time.perf_counter() - start)) / per_step)
        for group in optimizer.param_groups:
            group["lr"] = _lr(it, planned)
        ix = torch.randint(len(data) - 128, (16,), generator=gen)
        x = torch.stack([data[i : i + 128] for i in ix])
        y = torch.stack([data[i + 1 : i + 129] for i in ix])
        _, loss = model(x, y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        it += 1
    seconds = time.perf_counter() - start
    params = sum(p.numel() for p in model.parameters())
    return {
        "steps": it,
        "train_seconds": round(seconds, 2),
        "chars_per_second": round(it * 16 * 128 / seconds, 1),
        "vocab_size": len(vocab),
        "params": params,
        "final_loss": round(float(loss.detach()), 4),
        "held_out_bits_per_char": round(bits_per_char(model, stoi, held), 4),
    }


def main() -> None:
    """`python benchmarks/nanogpt_baseline.py --nanogpt DIR --texts texts.json --budget 300`: the result as JSON.

    texts.json holds {"train": [...], "held_out": [...]}; the LM benchmark runs this as a process of its own so it
    can train side by side with `koubei lm train`."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--nanogpt", type=Path, required=True)
    parser.add_argument("--texts", type=Path, required=True)
    parser.add_argument("--budget", type=float, default=300.0)
    args = parser.parse_args()
    texts = json.loads(args.texts.read_text(encoding="utf-8"))
    print(json.dumps(run(args.nanogpt, texts["train"], texts["held_out"], args.budget)))


if __name__ == "__main__":
    main()
