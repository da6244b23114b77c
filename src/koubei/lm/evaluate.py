"""Evaluation: perplexity per token and bits per character of a causal LM on documents.

Each document is scored on its own, from its start: the input begins with the boundary token `<|endoftext|>` and
every token of the document is predicted from the tokens before it (the boundary itself is given, never scored,
and no end token is scored). Bits per character = total negative log-likelihood in bits / number of characters
(Unicode code points) of the documents: independent of the tokenizer, so models with different vocabularies and
character-level baselines compare. Documents longer than the model's context are scored with a sliding window
(stride half the context), each token exactly once and with at least half a context of history.

Public API: `evaluate_texts(model, tokenizer, texts) -> EvalResult`, `evaluate_model_dir(dir, texts)`,
`stream_loss(model, stream, ...)` (the training loop's quick held-out loss on packed windows).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from koubei.errors import BadInputError
from koubei.progress import Progress, or_null
from koubei.results import Result

if TYPE_CHECKING:
    import torch
    from transformers import PreTrainedModel, PreTrainedTokenizerBase


@dataclass
class EvalResult(Result):
    bits_per_char: float
    perplexity: float  # exp(mean NLL per scored token)
    nll_nats: float  # total
    tokens: int  # scored tokens
    chars: int
    documents: int
    chars_per_token: float
    seconds: float


def scoring_windows(n: int, context: int) -> list[tuple[int, int, int]]:
    """(start, end, first scored position) windows over a document of n token positions (position 0 = boundary)."""
    if n <= context:
        return [(0, n, 1)]
    stride = max(1, context // 2)
    out = [(0, context, 1)]
    end = context
    while end < n:
        new_end = min(n, end + stride)
        out.append((new_end - context, new_end, end))
        end = new_end
    return out


def evaluate_texts(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    texts: list[str],
    *,
    batch_size: int = 32,
    context: int | None = None,
    progress: Progress | None = None,
) -> EvalResult:
    """Score each non-empty text as its own document; see the module docstring."""
    import torch

    from koubei.lm.model import model_context_length

    docs = [t for t in texts if t]
    if not docs:
        raise BadInputError("evaluation input has no non-empty line to score")
    if batch_size < 1:
        raise BadInputError(f"batch_size must be >= 1, got {batch_size}")
    ctx = context or model_context_length(model)
    if ctx < 2:
        raise BadInputError(f"context must be >= 2 tokens, got {ctx}")
    eot = tokenizer.eos_token_id
    device = next(model.parameters()).device
    items: list[tuple[list[int], int]] = []  # (window token ids, index of first scored target in window)
    for ids in tokenizer(docs, add_special_tokens=False)["input_ids"]:
        full = [eot, *ids]
        for start, end, first in scoring_windows(len(full), ctx):
            items.append((full[start:end], first - start))
    items.sort(key=lambda item: len(item[0]))
    start_time = time.perf_counter()
    total = 0.0
    scored = 0
    was_training = model.training
    model.eval()
    report = or_null(progress)
    report.start(len(items), unit="window", desc="eval")
    with torch.no_grad():
        for b in range(0, len(items), batch_size):
            chunk = items[b : b + batch_size]
            width = max(len(w) for w, _ in chunk)
            x = torch.full((len(chunk), width), eot, dtype=torch.long)
            mask = torch.zeros((len(chunk), width - 1), dtype=torch.bool)
            for row, (window, first) in enumerate(chunk):
                x[row, : len(window)] = torch.tensor(window)
                mask[row, first - 1 : len(window) - 1] = True  # logits at i predict token i+1
            x = x.to(device)
            # Right padding needs no attention mask: causal attention never looks right.
            logits = model(input_ids=x).logits[:, :-1].float()
            logp = torch.log_softmax(logits, dim=-1).gather(-1, x[:, 1:].unsqueeze(-1)).squeeze(-1)
            mask = mask.to(device)
            total -= float(logp[mask].double().sum())
            scored += int(mask.sum())
            report.advance(len(chunk))
    report.close()
    model.train(was_training)
    chars = sum(map(len, docs))
    return EvalResult(
        bits_per_char=total / math.log(2) / chars,
        perplexity=math.exp(total / scored) if scored else float("nan"),
        nll_nats=total,
        tokens=scored,
        chars=chars,
        documents=len(docs),
        chars_per_token=chars / scored if scored else float("nan"),
        seconds=time.perf_counter() - start_time,
    )


def evaluate_model_dir(
    model_dir: str | Path,
    texts: list[str],
    *,
    batch_size: int = 32,
    device: str = "cpu",
    progress: Progress | None = None,
) -> EvalResult:
    """Load a model directory and evaluate it on `texts`."""
    from koubei.lm.model import load_model

    model, tokenizer = load_model(model_dir, device=device)
    return evaluate_texts(model, tokenizer, texts, batch_size=batch_size, progress=progress)


def stream_loss(
    model: torch.nn.Module, stream: torch.Tensor, context: int, batches: int, batch_size: int, seed: int
) -> float | None:
    """Mean next-token loss (nats) on fixed windows of the held-out stream; None when it is too short."""
    import torch

    from koubei.lm.data import batch_offsets, get_batch

    if stream.numel() < context + 2 or batches < 1:
        return None
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    total = 0.0
    with torch.no_grad():
        for i in range(batches):
            offsets = batch_offsets(stream.numel(), context, batch_size, seed + 7919, i)
            x, y = get_batch(stream, offsets, context)
            logits = model(input_ids=x.to(device)).logits
            total += float(
                torch.nn.functional.cross_entropy(logits.flatten(0, 1).float(), y.to(device).flatten())
            )
    model.train(was_training)
    return total / batches
