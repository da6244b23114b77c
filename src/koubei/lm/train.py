"""Training loop of koubei's causal LMs: from raw documents to a Hugging Face model directory.

`train(texts, out_dir, config)` trains a tokenizer first when `out_dir` has none (unless continuing from
`config.init_from`, whose tokenizer is kept), packs the documents (held-out split by text hash), starts a fresh
model from the training text's bigram statistics (`koubei.lm.spectral_init`; its seconds count in the budget), and
optimizes next-token cross-entropy with AdamW (or Muon on the weight matrices, `koubei.lm.muon`), a faster rate for
the embeddings, linear warmup + cosine decay and gradient clipping. It evaluates on the
held-out stream periodically, appends metrics to `metrics.jsonl`, writes atomic checkpoints, and at the end saves
the model directory (`load_model(out_dir)` / `AutoModelForCausalLM.from_pretrained(out_dir)`).

Stopping: `max_steps` fixes the schedule exactly (fully deterministic with a seed). `time_budget` (seconds of
optimization, evaluation and checkpoints included; tokenizer and data preparation are timed and reported
separately) times the first `horizon_probe_steps` steps, sizes the cosine schedule from them and re-sizes it every
`horizon_probe_steps` steps from the average step time, so the learning rate reaches its floor as the budget runs out.

Resume: `resume=True` restores weights, optimizer state and counters from the newest checkpoint; the data order
and learning-rate schedule are functions of the step number, so the continued run equals an uninterrupted one.
When the newest checkpoint is incomplete (a kill from an older koubei, a damaged disk), the newest complete one is
taken and the result's `notes` say so. Distributed: `torchrun --no-python --nproc_per_node=N koubei lm train ...`.
Progress goes to the `koubei.progress.Progress` handed in: phases "train" (steps, or seconds of the time budget) with
a note of loss and speed at each log interval.
Distillation: pass `teacher` (see `koubei.lm.distill`).
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from koubei.errors import BadInputError
from koubei.lm.checkpoint import Checkpoint
from koubei.lm.config import DistillConfig, TrainConfig, preset
from koubei.progress import NULL_PROGRESS, Progress, or_null
from koubei.results import Result

if TYPE_CHECKING:
    import torch

METRICS_FILE = "metrics.jsonl"
SUMMARY_FILE = "train_summary.json"


@dataclass
class TrainResult(Result):
    """What a training run did; also written to `train_summary.json`."""

    model_dir: str
    steps: int
    tokens: int
    chars: float
    train_seconds: float
    tokenizer_seconds: float
    data_seconds: float
    tokens_per_second: float
    chars_per_second: float
    chars_per_token: float
    final_loss: (
        float | None
    )  # last training loss (the checkpoint's when a resumed run had no step left to take)
    val_loss: float | None
    val_bits_per_char: float | None
    params: dict[str, int]
    resumed_from_step: int | None
    world_size: int
    replicas_in_sync: bool
    precision: str
    context_length: int = 0  # tokens per training sequence
    batch_size: int = 0  # sequences per step (global)
    notes: list[str] = field(
        default_factory=list
    )  # what the run had to decide for itself (e.g. a checkpoint skipped)


def lr_at(step: int, cfg: TrainConfig, planned: int | None) -> float:
    """Linear warmup to the peak, cosine decay to `min_lr_ratio` by step `planned`, then flat."""
    peak, floor = cfg.learning_rate, cfg.learning_rate * cfg.min_lr_ratio
    if step < cfg.warmup_steps:
        return peak * (step + 1) / cfg.warmup_steps
    if planned is None:
        return peak
    if step >= planned:
        return floor
    progress = (step - cfg.warmup_steps) / max(1, planned - cfg.warmup_steps)
    return floor + 0.5 * (peak - floor) * (1.0 + math.cos(math.pi * progress))


class TimeBudgetHorizon:
    """How many steps fit in a time budget: the length the cosine schedule is sized to.

    The first `skip` steps are not timed (kernel selection, caches); from then on, every `every` steps the average
    seconds per step since timing began re-sizes the plan to `step + remaining budget / seconds per step`, so a
    machine that slows down or speeds up (shared cores) still ends the cosine near the budget."""

    def __init__(self, budget: float, every: int, skip: int = 3) -> None:
        self.budget = budget
        self.every = every
        self.skip = min(skip, every - 1)
        self._start: tuple[int, float] | None = None

    def update(self, step: int, elapsed: float) -> int | None:
        """The planned total number of steps after `step` steps and `elapsed` seconds; None when not re-sized now."""
        if self._start is None:
            if step >= self.skip:
                self._start = (step, elapsed)
            return None
        first_step, first_elapsed = self._start
        if step - first_step < self.every or step % self.every:
            return None
        per_step = (elapsed - first_elapsed) / (step - first_step)
        return step + max(1, int((self.budget - elapsed) / max(per_step, 1e-6)))


@dataclass(frozen=True)
class SequenceShape:
    """The windows a run trains on: `rows` x `context` tokens a step, and every `full_every`-th step
    `full_rows` x `positions` (the model's whole length) so every position is trained."""

    context: int
    rows: int
    positions: int
    full_rows: int
    full_every: int

    def at(self, step: int) -> tuple[int, int]:
        """(window, rows) of `step`: a function of the step only, so a resumed run sees the same batches."""
        if self.full_every and step % self.full_every == self.full_every - 1:
            return self.positions, self.full_rows
        return self.context, self.rows


def sequence_shape(
    config: TrainConfig, doc_lengths: list[int], positions: int, world_size: int = 1
) -> SequenceShape:
    """Resolve the run's windows from the config, the documents' token lengths and the model's positions."""
    from koubei.lm.data import choose_context

    context = min(config.context_length or choose_context(doc_lengths, positions), positions)
    rows = config.batch_size or max(1, config.tokens_per_step // context)
    full_rows = max(1, (rows * context) // positions)
    full_every = config.full_context_every if context < positions else 0
    for name, n in (("batch_size", rows), ("full-length rows", full_rows if full_every else world_size)):
        if n % world_size:
            raise BadInputError(f"{name} {n} must be divisible by the number of processes ({world_size})")
    return SequenceShape(context, rows, positions, full_rows, full_every)


def optimizer_step(model: torch.nn.Module, optimizer: torch.optim.Optimizer, grad_clip: float) -> float:
    """Clip the gradients' global norm to `grad_clip` (when > 0), step, clear them; the norm before clipping."""
    import torch

    params = [p for p in model.parameters() if p.grad is not None]
    if grad_clip > 0:
        norm = float(torch.nn.utils.clip_grad_norm_(params, grad_clip))
    else:
        norm = (
            float(torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(p.grad) for p in params])))
            if params
            else 0.0
        )
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    return norm


def resolve_device(name: str) -> torch.device:
    import torch

    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise BadInputError(f"device {name!r}: CUDA is not available here; use cpu or auto")
    if name != "cpu" and not name.startswith("cuda"):
        raise BadInputError(f"device must be auto, cpu, cuda or cuda:N, got {name!r}")
    return torch.device(name)


def _append_jsonl(path: Path, record: dict[str, Any]) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def _obtain_tokenizer(
    texts: list[str],
    out: Path,
    cfg: TrainConfig,
    teacher_dir: str | None,
    existing: Checkpoint | None,
    main: bool,
    notes: list[str],
) -> Any:
    """The run's tokenizer: the base model's or teacher's, the checkpoint's on resume, `out`'s, else a new one.

    None on non-main ranks when the main rank is training it (they load it from `out` after the barrier)."""
    from koubei.lm.tokenizer import has_tokenizer, load_tokenizer, tokenizer_problem, train_tokenizer

    if cfg.init_from:
        return load_tokenizer(cfg.init_from)
    if teacher_dir:
        return load_tokenizer(teacher_dir)
    if existing is not None and existing.has_tokenizer:
        return load_tokenizer(existing.path)
    if has_tokenizer(out):
        problem = tokenizer_problem(out)
        if problem is None:
            return load_tokenizer(out)
        if existing is not None:
            raise BadInputError(
                f"out_dir {str(out)!r}: {problem}, and checkpoint {existing.path.name} (written by an older koubei) "
                "holds no tokenizer, so that run cannot be continued; start again in another folder"
            )
        notes.append(
            f"{problem} in {str(out)!r} (a run killed while writing it); trained the tokenizer again"
        )
    if main:
        train_tokenizer(texts, cfg.vocab_size, out)
    return None  # other ranks load it after the barrier


def _fresh_model(cfg: TrainConfig, tokenizer: Any) -> Any:
    from transformers import AutoModelForCausalLM

    from koubei.lm.model import build_model

    if cfg.init_from:
        model: Any = AutoModelForCausalLM.from_pretrained(cfg.init_from, attn_implementation="sdpa")
        if model.get_input_embeddings().weight.shape[0] < len(tokenizer):
            model.resize_token_embeddings(len(tokenizer))
        return model
    shape = preset(cfg.preset)
    if (
        cfg.context_length and cfg.context_length > shape.context_length
    ):  # a longer window needs more positions
        shape = replace(shape, context_length=cfg.context_length)
    return build_model(shape, tokenizer, seed=cfg.seed)


def _model_from_checkpoint(ckpt_path: Path) -> Any:
    from transformers import AutoConfig, AutoModelForCausalLM

    return AutoModelForCausalLM.from_config(
        AutoConfig.from_pretrained(str(ckpt_path)), attn_implementation="sdpa"
    )


def _resume_point(out: Path, config: TrainConfig, resume: bool) -> tuple[TrainConfig, Checkpoint | None]:
    """The config this run uses and the checkpoint it continues from (None for a fresh run)."""
    from koubei.lm.checkpoint import latest_checkpoint

    existing = latest_checkpoint(out / "checkpoints")
    if existing is None:
        return config, None
    if not resume:
        raise BadInputError(
            f"out_dir {str(out)!r} already holds checkpoints (step {existing.state['step']}); "
            "resume to continue that run (--resume), or choose another folder"
        )
    # The checkpoint's config is authoritative for data order and schedule; only the stop (and device) may change.
    saved = dict(existing.state["train_config"])
    saved.update(max_steps=config.max_steps, time_budget=config.time_budget, device=config.device)
    known = TrainConfig.__dataclass_fields__
    return TrainConfig(**{k: v for k, v in saved.items() if k in known}), existing


def _loss(
    net: torch.nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    precision: str,
    device: torch.device,
    teacher: Any,
    vocab: int,
    dcfg: DistillConfig,
) -> torch.Tensor:
    """Next-token cross-entropy (fp32 whatever the matmul precision), mixed with the teacher's KL when distilling."""
    import torch

    from koubei.lm.losses import kd_loss
    from koubei.lm.precision import autocast

    with autocast(precision, device), training_attention(device):
        logits = net(input_ids=x).logits
    logits = logits.float()
    loss = torch.nn.functional.cross_entropy(logits.flatten(0, 1), y.flatten())
    if teacher is not None:
        with torch.no_grad(), autocast(precision, device):
            t_logits = teacher(input_ids=x).logits[..., :vocab]
        loss = kd_loss(logits, t_logits.float(), loss, dcfg)
    return loss


def training_attention(device: torch.device) -> Any:
    """On CPU, SDPA's plain matmul-softmax-matmul path for training windows of a few hundred tokens or less.

    Why: the CPU flash-attention kernel's backward took 67 ms of a 405 ms small-preset step (32 x 64 tokens, bf16;
    profiled on 2 cores 2026-12-01), the math path's matmuls and softmax about a third of that; results agree to
    rounding. Elsewhere (CUDA) SDPA chooses for itself."""
    import contextlib

    if device.type != "cpu":
        return contextlib.nullcontext()
    from torch.nn.attention import SDPBackend, sdpa_kernel

    return sdpa_kernel(SDPBackend.MATH)


def _bits_per_char(loss: float | None, tokens_per_char: float) -> float | None:
    return None if loss is None else round(loss / math.log(2) * tokens_per_char, 5)


def train(
    texts: Iterable[str],
    out_dir: str | Path,
    config: TrainConfig,
    *,
    resume: bool = False,
    teacher: str | None = None,
    distill: DistillConfig | None = None,
    progress: Progress | None = None,
) -> TrainResult:
    """Train (or continue) a causal LM on `texts`; see the module docstring. Returns a `TrainResult`."""
    import torch

    from koubei.lm import distributed as D
    from koubei.lm.checkpoint import load_into, save_checkpoint
    from koubei.lm.data import batch_offsets, get_batch, prepare_corpus, require_window
    from koubei.lm.evaluate import stream_loss
    from koubei.lm.model import count_params, load_model, model_context_length, save_model
    from koubei.lm.optim import make_optimizer
    from koubei.lm.precision import resolve_precision
    from koubei.lm.tokenizer import load_tokenizer

    out = Path(out_dir)
    device = resolve_device(config.device)
    info = D.setup(device.type)
    report = or_null(progress) if info.is_main else NULL_PROGRESS
    if device.type == "cuda" and info.enabled:
        device = torch.device("cuda", info.local_rank)
        torch.cuda.set_device(device)
    try:
        # -- init: config, threads, tokenizer, data, model, optimizer (nanoGPT's "init" section)
        config, existing = _resume_point(out, config, resume)
        notes: list[str] = []
        if existing is not None and existing.note:
            notes.append(existing.note)
            report.note(existing.note)
        threads = config.threads
        if threads is None and info.enabled and device.type == "cpu":
            threads = max(
                1, (os.cpu_count() or 1) // int(os.environ.get("LOCAL_WORLD_SIZE", info.world_size))
            )
        if threads:
            torch.set_num_threads(threads)
        out.mkdir(parents=True, exist_ok=True)

        docs = [t for t in texts if t]
        t0 = time.perf_counter()
        tokenizer = _obtain_tokenizer(docs, out, config, teacher, existing, info.is_main, notes)
        D.barrier(info)
        if tokenizer is None:
            tokenizer = load_tokenizer(out)
        tokenizer_seconds = time.perf_counter() - t0

        model: Any = _model_from_checkpoint(existing.path) if existing else _fresh_model(config, tokenizer)
        positions = model_context_length(model)
        teacher_model = None
        dcfg = distill or DistillConfig()
        if teacher:
            teacher_model, _ = load_model(teacher, device=str(device))
            for p in teacher_model.parameters():
                p.requires_grad_(False)
            # A teacher with learned positions cannot read windows longer than it was built for.
            positions = min(positions, model_context_length(teacher_model))
        t1 = time.perf_counter()
        corpus = prepare_corpus(tokenizer, docs, config.val_fraction, config.seed)
        shape = sequence_shape(config, corpus.doc_lengths, positions, info.world_size)
        require_window(corpus, shape.positions if shape.full_every else shape.context)
        config = replace(
            config, context_length=shape.context, batch_size=shape.rows
        )  # resolved: saved as run
        context = shape.context
        data_seconds = time.perf_counter() - t1
        model.to(device)
        model.train()
        spectral: dict[str, Any] | None = None
        if config.spectral_init and config.init_from is None and existing is None:
            from koubei.lm.spectral_init import bigram_spectral_init

            spectral = bigram_spectral_init(model, corpus.train, seed=config.seed)
        optimizer = make_optimizer(model, config)

        # The spectral init is part of optimization (it learns from the training text), so it counts in the budget.
        state: dict[str, Any] = {
            "step": 0,
            "elapsed": spectral["seconds"] if spectral else 0.0,
            "tokens": 0,
            "planned_steps": config.max_steps,
            "loss": None,
        }
        if existing is not None:
            load_into(existing, model, optimizer)
            state.update(
                {k: existing.state.get(k) for k in ("step", "elapsed", "tokens", "planned_steps", "loss")}
            )
            if config.max_steps is not None:
                state["planned_steps"] = config.max_steps
        resumed_from = int(state["step"]) if existing is not None else None
        start_elapsed = float(state["elapsed"])

        net: torch.nn.Module = model
        if info.enabled:
            from torch.nn.parallel import DistributedDataParallel

            net = DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)
        local_rows = shape.rows // info.world_size
        metrics_path = out / METRICS_FILE
        vocab = model.get_output_embeddings().weight.shape[0]
        precision = resolve_precision(config.precision, device)
        chars_per_token = corpus.chars_per_token
        val_tokens_per_char = corpus.val.numel() / max(1, corpus.val_chars)
        if info.is_main:
            _append_jsonl(
                metrics_path,
                {
                    "event": "start",
                    "resumed_from_step": resumed_from,
                    "train_docs": corpus.train_docs,
                    "val_docs": corpus.val_docs,
                    "train_tokens": corpus.train.numel(),
                    "chars_per_token": round(chars_per_token, 4),
                    "tokenizer_seconds": round(tokenizer_seconds, 3),
                    "data_seconds": round(data_seconds, 3),
                    "params": count_params(model),
                    "world_size": info.world_size,
                    "precision": precision,
                    "context_length": context,
                    "batch_size": shape.rows,
                    "positions": shape.positions,
                    "full_context_every": shape.full_every,
                    "spectral_init": spectral,
                    "config": config.to_dict(),
                },
            )

        def checkpoint_now() -> None:
            if info.is_main:
                save_checkpoint(
                    out / "checkpoints",
                    model,
                    optimizer,
                    {**state, "train_config": config.to_dict()},
                    tokenizer,
                )

        # -- the loop
        budget = config.time_budget
        by_time = budget is not None and config.max_steps is None
        horizon = (
            TimeBudgetHorizon(budget, config.horizon_probe_steps) if budget is not None and by_time else None
        )
        if by_time:
            report.start(math.ceil(budget or 0), unit="s", desc="train")
            shown_seconds = min(int(start_elapsed), math.ceil(budget or 0))
        else:
            report.start(config.max_steps, unit="step", desc="train")
            shown_seconds = 0
        report.advance(0 if by_time else int(state["step"]))
        report.advance(shown_seconds)
        loss_value: float | None = None
        val_loss: float | None = None
        window_start, window_tokens = time.perf_counter(), 0
        last_checkpoint_step = state["step"]
        clock = time.perf_counter() - start_elapsed
        while True:
            step = int(state["step"])
            state["elapsed"] = time.perf_counter() - clock
            over_time = config.time_budget is not None and state["elapsed"] >= config.time_budget
            over_steps = config.max_steps is not None and step >= config.max_steps
            if D.any_flag(info, info.is_main and (over_time or over_steps), device):
                break
            if horizon is not None:
                planned = horizon.update(step, state["elapsed"])  # main rank's clock, broadcast
                if planned is not None:
                    state["planned_steps"] = D.broadcast_int(info, planned, device)
            lr = lr_at(step, config, state["planned_steps"])
            for group in optimizer.param_groups:
                group["lr"] = lr * group.get("lr_scale", 1.0)

            window, rows = shape.at(step)
            offsets = batch_offsets(corpus.train.numel(), window, rows, config.seed, step)
            x, y = get_batch(corpus.train, offsets[info.rank :: info.world_size], window)
            loss = _loss(net, x.to(device), y.to(device), precision, device, teacher_model, vocab, dcfg)
            loss.backward()
            grad_norm = optimizer_step(model, optimizer, config.grad_clip)

            loss_value = float(loss.detach())
            state.update(step=step + 1, loss=loss_value, tokens=state["tokens"] + rows * window)
            window_tokens += rows * window
            if by_time:
                now_seconds = min(int(time.perf_counter() - clock), math.ceil(budget or 0))
                report.advance(now_seconds - shown_seconds)
                shown_seconds = now_seconds
            else:
                report.advance(1)
            if state["step"] % config.log_interval == 0:
                now = time.perf_counter()
                tps = window_tokens / max(now - window_start, 1e-9)
                window_start, window_tokens = now, 0
                report.note(
                    f"step {state['step']}  loss {loss_value:.3f}  {tps * chars_per_token:,.0f} chars/s"
                )
                if info.is_main:
                    _append_jsonl(
                        metrics_path,
                        {
                            "step": state["step"],
                            "loss": round(loss_value, 5),
                            "lr": lr,
                            "grad_norm": round(grad_norm, 5),
                            "tokens_per_s": round(tps, 1),
                            "chars_per_s": round(tps * chars_per_token, 1),
                            "elapsed": round(now - clock, 3),
                        },
                    )
            if state["step"] % config.eval_interval == 0:
                val_loss = stream_loss(
                    model, corpus.val, context, config.eval_batches, local_rows, config.seed
                )
                if val_loss is not None and info.is_main:
                    _append_jsonl(
                        metrics_path,
                        {
                            "step": state["step"],
                            "val_loss": round(val_loss, 5),
                            "val_bits_per_char": _bits_per_char(val_loss, val_tokens_per_char),
                        },
                    )
            if state["step"] % config.checkpoint_interval == 0:
                state["elapsed"] = time.perf_counter() - clock
                checkpoint_now()
                last_checkpoint_step = state["step"]
        if by_time:  # the budget is spent: the bar ends full
            report.advance(min(int(state["elapsed"]), math.ceil(budget or 0)) - shown_seconds)
        report.close()

        # -- the end: final evaluation, last checkpoint, summary, model directory
        val_loss = stream_loss(model, corpus.val, context, config.eval_batches, local_rows, config.seed)
        if state["step"] != last_checkpoint_step:
            checkpoint_now()
        sums = D.replica_checksums(info, model)
        result = _summarize(
            out,
            state,
            start_elapsed,
            resumed_from,
            shape,
            chars_per_token,
            val_loss,
            val_tokens_per_char,
            count_params(model),
            info.world_size,
            sums,
            precision,
            tokenizer_seconds,
            data_seconds,
            notes,
        )
        if info.is_main:
            meta = {
                "train_config": config.to_dict(),
                "distill": asdict(dcfg) if teacher else None,
                "teacher": teacher,
                "result": result.to_dict(),
                "replica_checksums": sums,
            }
            save_model(model, tokenizer, out, meta)
            from koubei.artifacts import write_json

            write_json(out / SUMMARY_FILE, meta)
            _append_jsonl(metrics_path, {"event": "end", **result.to_dict()})
        D.barrier(info)
        return result
    finally:
        D.teardown(info)


def _summarize(
    out: Path,
    state: dict[str, Any],
    start_elapsed: float,
    resumed_from: int | None,
    shape: SequenceShape,
    chars_per_token: float,
    val_loss: float | None,
    val_tokens_per_char: float,
    params: dict[str, int],
    world_size: int,
    sums: list[float],
    precision: str,
    tokenizer_seconds: float,
    data_seconds: float,
    notes: list[str],
) -> TrainResult:
    """The end-of-run summary. Speeds count this process's own steps only (a resumed run's earlier steps ran
    elsewhere, at another time), and the final loss is the last step's, whoever took it."""
    train_seconds = float(state["elapsed"])
    steps_here = int(state["step"]) - (resumed_from or 0)
    tokens_here = sum(w * r for w, r in map(shape.at, range(resumed_from or 0, int(state["step"]))))
    seconds_here = max(train_seconds - start_elapsed, 1e-9)
    last_loss = state.get("loss")
    return TrainResult(
        model_dir=str(out),
        steps=int(state["step"]),
        tokens=int(state["tokens"]),
        chars=round(int(state["tokens"]) * chars_per_token, 1),
        train_seconds=round(train_seconds, 3),
        tokenizer_seconds=round(tokenizer_seconds, 3),
        data_seconds=round(data_seconds, 3),
        tokens_per_second=round(tokens_here / seconds_here, 1) if steps_here else 0.0,
        chars_per_second=round(tokens_here * chars_per_token / seconds_here, 1) if steps_here else 0.0,
        chars_per_token=round(chars_per_token, 4),
        final_loss=None if last_loss is None or not math.isfinite(last_loss) else round(float(last_loss), 5),
        val_loss=None if val_loss is None else round(val_loss, 5),
        val_bits_per_char=_bits_per_char(val_loss, val_tokens_per_char),
        params=params,
        resumed_from_step=resumed_from,
        world_size=world_size,
        replicas_in_sync=max(sums) - min(sums) <= 1e-6 * max(1.0, abs(sums[0])),
        precision=precision,
        context_length=shape.context,
        batch_size=shape.rows,
        notes=notes,
    )


def train_lm(
    texts: Iterable[str],
    out_dir: str | Path,
    *,
    preset_name: str = "small",
    max_steps: int | None = None,
    time_budget: float | None = None,
    vocab_size: int = 8192,
    seed: int = 0,
    progress: Progress | None = None,
    **overrides: Any,
) -> TrainResult:
    """Train a tokenizer (if `out_dir` has none) and a small LM on a list of texts, from Python (demo, tests).

    Example: `train_lm(texts, "models/lm", preset_name="tiny", time_budget=60)`.
    """
    config = TrainConfig(
        preset=preset_name,
        max_steps=max_steps,
        time_budget=time_budget,
        vocab_size=vocab_size,
        seed=seed,
        **overrides,
    )
    return train(texts, out_dir, config, progress=progress)


if __name__ == "__main__":
    # `python -m koubei.lm.train` was the DDP entry point; the command line lives in koubei.cli now.
    sys.exit(
        "run distributed training with: torchrun --no-python --nproc_per_node=N koubei lm train [options]"
    )
