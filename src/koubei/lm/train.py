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
Distributed: run under `torchrun --nproc_per_node=N -m koubei.lm.train <koubei lm train options>`.
Distillation: pass `teacher` (see `koubei.lm.distill`).
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from koubei.errors import BadInputError
from koubei.lm.config import DistillConfig, TrainConfig, preset

if TYPE_CHECKING:
    import torch

METRICS_FILE = "metrics.jsonl"
SUMMARY_FILE = "train_summary.json"


@dataclass
class TrainResult:
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
    final_loss: float
    val_loss: float | None
    val_bits_per_char: float | None
    params: dict[str, int]
    resumed_from_step: int | None
    world_size: int
    replicas_in_sync: bool
    precision: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


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


def resolve_device(name: str) -> torch.device:
    import torch

    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise BadInputError(f"--device {name!r}: CUDA is not available here; use cpu or auto")
    if name != "cpu" and not name.startswith("cuda"):
        raise BadInputError(f"--device must be auto, cpu, cuda or cuda:N, got {name!r}")
    return torch.device(name)


def _append_jsonl(path: Path, record: dict[str, Any]) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def _make_optimizer(model: torch.nn.Module, cfg: TrainConfig, device: torch.device) -> torch.optim.Optimizer:
    """AdamW, or Muon + AdamW (cfg.optimizer); embeddings and LM head get `embedding_lr_scale`, 1-D no decay."""
    import torch

    from koubei.lm.muon import MuonAdamW

    embedding_ids = {id(m.weight) for m in model.modules() if isinstance(m, torch.nn.Embedding)}
    get_output = getattr(model, "get_output_embeddings", None)
    output = get_output() if callable(get_output) else None
    if output is not None:
        embedding_ids.add(id(output.weight))
    seen: set[int] = set()
    embeddings: list[torch.nn.Parameter] = []
    matrices: list[torch.nn.Parameter] = []
    vectors: list[torch.nn.Parameter] = []
    for p in model.parameters():
        if id(p) in seen or not p.requires_grad:
            continue
        seen.add(id(p))
        if id(p) in embedding_ids:
            embeddings.append(p)
        elif p.dim() == 2:
            matrices.append(p)
        else:
            vectors.append(p)
    groups: list[dict[str, Any]] = [
        {"params": embeddings, "weight_decay": cfg.weight_decay, "lr_scale": cfg.embedding_lr_scale},
        {"params": vectors, "weight_decay": 0.0, "lr_scale": 1.0},
    ]
    groups = [g for g in groups if g["params"]]
    betas = (cfg.beta1, cfg.beta2)
    if cfg.optimizer == "adamw":
        groups.append({"params": matrices, "weight_decay": cfg.weight_decay, "lr_scale": 1.0})
        return torch.optim.AdamW(groups, lr=cfg.learning_rate, betas=betas, eps=1e-8)
    for group in groups:
        group["algorithm"] = "adamw"
    # Muon's update has a fixed size per entry, so weight decay at AdamW's strength would dominate: none here.
    groups.append(
        {"params": matrices, "algorithm": "muon", "weight_decay": 0.0, "lr_scale": cfg.muon_lr / cfg.learning_rate}
    )
    return MuonAdamW(groups, lr=cfg.learning_rate, betas=betas, eps=1e-8)


def _evaluate_stream(
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
            total += float(torch.nn.functional.cross_entropy(logits.flatten(0, 1).float(), y.to(device).flatten()))
    model.train(was_training)
    return total / batches


def _obtain_tokenizer(texts: list[str], out: Path, cfg: TrainConfig, teacher_dir: str | None, main: bool) -> Any:
    from koubei.lm.tokenizer import has_tokenizer, load_tokenizer, train_tokenizer

    if cfg.init_from:
        return load_tokenizer(cfg.init_from)
    if teacher_dir:
        return load_tokenizer(teacher_dir)
    if has_tokenizer(out):
        return load_tokenizer(out)
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
    if cfg.context_length:
        shape = replace(shape, context_length=cfg.context_length)
    return build_model(shape, tokenizer, seed=cfg.seed)


def _model_from_checkpoint(ckpt_path: Path) -> Any:
    from transformers import AutoConfig, AutoModelForCausalLM

    config = AutoConfig.from_pretrained(str(ckpt_path))
    config._attn_implementation = "sdpa"
    return AutoModelForCausalLM.from_config(config)


def train(
    texts: Iterable[str],
    out_dir: str | Path,
    config: TrainConfig,
    *,
    resume: bool = False,
    teacher: str | None = None,
    distill: DistillConfig | None = None,
    progress: bool = True,
    on_step: Callable[[dict[str, Any]], None] | None = None,
) -> TrainResult:
    """Train (or continue) a causal LM on `texts`; see the module docstring. Returns a `TrainResult`."""
    import torch

    from koubei.lm import distributed as D
    from koubei.lm.checkpoint import latest_checkpoint, load_into, save_checkpoint
    from koubei.lm.data import batch_offsets, get_batch, prepare_corpus
    from koubei.lm.distill import kd_loss
    from koubei.lm.model import count_params, load_model, model_context_length, save_model
    from koubei.lm.precision import autocast, resolve_precision
    from koubei.lm.tokenizer import load_tokenizer

    out = Path(out_dir)
    ckpt_root = out / "checkpoints"
    device = resolve_device(config.device)
    info = D.setup(device.type)
    if device.type == "cuda" and info.enabled:
        device = torch.device("cuda", info.local_rank)
        torch.cuda.set_device(device)
    try:
        existing = latest_checkpoint(ckpt_root)
        if existing is not None and not resume:
            raise BadInputError(
                f"--out {str(out)!r} already holds checkpoints (step {existing.state['step']}); "
                "pass --resume to continue that run, or choose another --out"
            )
        if resume and existing is not None:
            # The checkpoint's config is authoritative for data order and schedule; only the stop may change.
            saved = dict(existing.state["train_config"])
            saved.update(max_steps=config.max_steps, time_budget=config.time_budget, device=config.device)
            config = TrainConfig(**saved)
        threads = config.threads
        if threads is None and info.enabled and device.type == "cpu":
            threads = max(1, (os.cpu_count() or 1) // int(os.environ.get("LOCAL_WORLD_SIZE", info.world_size)))
        if threads:
            torch.set_num_threads(threads)
        out.mkdir(parents=True, exist_ok=True)

        docs = [t for t in texts if t]
        t0 = time.perf_counter()
        tokenizer = _obtain_tokenizer(docs, out, config, teacher, info.is_main)
        D.barrier(info)
        if tokenizer is None:
            tokenizer = load_tokenizer(out)
        tokenizer_seconds = time.perf_counter() - t0

        model: Any
        if resume and existing is not None:
            model = _model_from_checkpoint(existing.path)
        else:
            model = _fresh_model(config, tokenizer)
        context = config.context_length or model_context_length(model)
        context = min(context, model_context_length(model))
        t1 = time.perf_counter()
        corpus = prepare_corpus(tokenizer, docs, config.val_fraction, config.seed, context)
        data_seconds = time.perf_counter() - t1
        model.to(device)
        model.train()
        spectral: dict[str, Any] | None = None
        if config.spectral_init and config.init_from is None and not (resume and existing is not None):
            from koubei.lm.spectral_init import bigram_spectral_init

            spectral = bigram_spectral_init(model, corpus.train, seed=config.seed)
        optimizer = _make_optimizer(model, config, device)

        # The spectral init is part of optimization (it learns from the training text), so it counts in the budget.
        elapsed0 = spectral["seconds"] if spectral else 0.0
        state: dict[str, Any] = {"step": 0, "elapsed": elapsed0, "tokens": 0, "planned_steps": config.max_steps}
        resumed_from = None
        if resume and existing is not None:
            load_into(existing, model, optimizer)
            state.update({k: existing.state[k] for k in ("step", "elapsed", "tokens", "planned_steps")})
            resumed_from = int(state["step"])
            if config.max_steps is not None:
                state["planned_steps"] = config.max_steps

        teacher_model = None
        dcfg = distill or DistillConfig()
        if teacher:
            teacher_model, _ = load_model(teacher, device=str(device))
            for p in teacher_model.parameters():
                p.requires_grad_(False)
            # A teacher with learned positions cannot read windows longer than it was built for.
            context = min(context, model_context_length(teacher_model))

        net: torch.nn.Module = model
        if info.enabled:
            from torch.nn.parallel import DistributedDataParallel

            net = DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)

        metrics_path = out / METRICS_FILE
        vocab = model.get_output_embeddings().weight.shape[0]
        local_rows = config.batch_size // info.world_size
        if local_rows * info.world_size != config.batch_size:
            raise BadInputError(
                f"--batch-size {config.batch_size} must be divisible by the number of processes ({info.world_size})"
            )
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
                    "spectral_init": spectral,
                    "config": config.to_dict(),
                },
            )

        def checkpoint_now() -> None:
            if info.is_main:
                path = save_checkpoint(
                    ckpt_root, model, optimizer, {**state, "train_config": config.to_dict()}
                )
                model.config.to_json_file(str(path / "config.json"))

        from tqdm import tqdm

        bar = tqdm(
            total=state["planned_steps"],
            initial=state["step"],
            disable=not (progress and info.is_main),
            desc="train",
            unit="step",
            dynamic_ncols=True,
        )
        loss_value = float("nan")
        val_loss: float | None = None
        window_start, window_tokens = time.perf_counter(), 0
        probe_start: float | None = None
        probe_step = 0
        last_checkpoint_step = state["step"]
        clock = time.perf_counter() - state["elapsed"]
        while True:
            step = int(state["step"])
            state["elapsed"] = time.perf_counter() - clock
            over_time = config.time_budget is not None and state["elapsed"] >= config.time_budget
            over_steps = config.max_steps is not None and step >= config.max_steps
            if D.any_flag(info, info.is_main and (over_time or over_steps), device):
                break
            if config.time_budget is not None and config.max_steps is None:
                # Time mode: size the schedule from the measured step time (main rank's clock, broadcast), first
                # after `horizon_probe_steps` steps, then re-sized every as many steps from the average since the
                # probe started, so a machine that slows down or speeds up (shared cores) still ends the cosine
                # near the budget.
                if probe_start is None and step >= min(3, config.horizon_probe_steps - 1):
                    probe_start, probe_step = time.perf_counter(), step
                n = config.horizon_probe_steps
                if probe_start is not None and step - probe_step >= n and step % n == 0:
                    per_step = (time.perf_counter() - probe_start) / (step - probe_step)
                    remaining = config.time_budget - state["elapsed"]
                    planned = step + max(1, int(remaining / max(per_step, 1e-6)))
                    state["planned_steps"] = D.broadcast_int(info, planned, device)
                    bar.total = state["planned_steps"]
            lr = lr_at(step, config, state["planned_steps"])
            for group in optimizer.param_groups:
                group["lr"] = lr * group.get("lr_scale", 1.0)

            offsets = batch_offsets(corpus.train.numel(), context, config.batch_size, config.seed, step)
            x, y = get_batch(corpus.train, offsets[info.rank :: info.world_size], context)
            x, y = x.to(device), y.to(device)
            with autocast(precision, device):
                logits = net(input_ids=x).logits
            logits = logits.float()  # the loss (and the KL of distillation) in fp32 whatever the matmul precision
            loss = torch.nn.functional.cross_entropy(logits.flatten(0, 1), y.flatten())
            if teacher_model is not None:
                with torch.no_grad(), autocast(precision, device):
                    t_logits = teacher_model(input_ids=x).logits[..., :vocab]
                loss = kd_loss(logits, t_logits.float(), loss, dcfg)
            loss.backward()
            if config.grad_clip > 0:
                torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)

            loss_value = float(loss.detach())
            state["step"] = step + 1
            state["tokens"] += config.batch_size * context
            window_tokens += config.batch_size * context
            bar.update(1)
            if on_step is not None and info.is_main:
                on_step({"step": state["step"], "loss": loss_value, "lr": lr})
            if state["step"] % config.log_interval == 0:
                now = time.perf_counter()
                tps = window_tokens / max(now - window_start, 1e-9)
                window_start, window_tokens = now, 0
                bar.set_postfix(loss=f"{loss_value:.3f}", tok_s=f"{tps:,.0f}", chars_s=f"{tps * chars_per_token:,.0f}")
                if info.is_main:
                    _append_jsonl(
                        metrics_path,
                        {
                            "step": state["step"],
                            "loss": round(loss_value, 5),
                            "lr": lr,
                            "tokens_per_s": round(tps, 1),
                            "chars_per_s": round(tps * chars_per_token, 1),
                            "elapsed": round(time.perf_counter() - clock, 3),
                        },
                    )
            if state["step"] % config.eval_interval == 0:
                val_loss = _evaluate_stream(model, corpus.val, context, config.eval_batches, local_rows, config.seed)
                if val_loss is not None and info.is_main:
                    _append_jsonl(
                        metrics_path,
                        {"step": state["step"], "val_loss": round(val_loss, 5),
                         "val_bits_per_char": round(val_loss / math.log(2) * val_tokens_per_char, 5)},
                    )
            if state["step"] % config.checkpoint_interval == 0:
                state["elapsed"] = time.perf_counter() - clock
                checkpoint_now()
                last_checkpoint_step = state["step"]
        bar.close()
        train_seconds = state["elapsed"]

        val_loss = _evaluate_stream(model, corpus.val, context, config.eval_batches, local_rows, config.seed)
        if state["step"] != last_checkpoint_step:
            checkpoint_now()
        sums = D.replica_checksums(info, model)
        in_sync = max(sums) - min(sums) <= 1e-6 * max(1.0, abs(sums[0]))
        tokens_done = int(state["tokens"]) - (resumed_from or 0) * config.batch_size * context
        run_seconds = max(train_seconds - float(existing.state["elapsed"] if resumed_from is not None and existing else 0.0), 1e-9)
        result = TrainResult(
            model_dir=str(out),
            steps=int(state["step"]),
            tokens=int(state["tokens"]),
            chars=round(int(state["tokens"]) * chars_per_token, 1),
            train_seconds=round(train_seconds, 3),
            tokenizer_seconds=round(tokenizer_seconds, 3),
            data_seconds=round(data_seconds, 3),
            tokens_per_second=round(tokens_done / run_seconds, 1),
            chars_per_second=round(tokens_done * chars_per_token / run_seconds, 1),
            chars_per_token=round(chars_per_token, 4),
            final_loss=round(loss_value, 5),
            val_loss=None if val_loss is None else round(val_loss, 5),
            val_bits_per_char=None if val_loss is None else round(val_loss / math.log(2) * val_tokens_per_char, 5),
            params=count_params(model),
            resumed_from_step=resumed_from,
            world_size=info.world_size,
            replicas_in_sync=in_sync,
            precision=precision,
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
            (out / SUMMARY_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
            _append_jsonl(metrics_path, {"event": "end", **result.to_dict()})
        D.barrier(info)
        return result
    finally:
        D.teardown(info)


def train_lm(
    texts: Iterable[str],
    out_dir: str | Path,
    *,
    preset_name: str = "small",
    max_steps: int | None = None,
    time_budget: float | None = None,
    vocab_size: int = 8192,
    seed: int = 0,
    progress: bool = False,
    **overrides: Any,
) -> TrainResult:
    """Train a tokenizer (if `out_dir` has none) and a small LM on a list of texts, from Python (demo, tests).

    Example: `train_lm(texts, "models/lm", preset_name="tiny", time_budget=60)`.
    """
    config = TrainConfig(
        preset=preset_name, max_steps=max_steps, time_budget=time_budget, vocab_size=vocab_size, seed=seed,
        **overrides,
    )
    return train(texts, out_dir, config, progress=progress)


def main(argv: list[str] | None = None) -> None:
    """`python -m koubei.lm.train ...` (and torchrun) = `koubei lm train ...` with the same options."""
    from koubei.cli.main import app

    app(["lm", "train", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
