"""Typed configs of the language-model stack: model presets, training, distillation, sampling.

Every config is a frozen dataclass with commented defaults; the resolved config is saved beside each artifact
(`koubei_lm.json` in the model directory). CLI flags override fields with `dataclasses.replace`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from koubei.errors import BadInputError
from koubei.lm.precision import check_precision

FORMAT_VERSION = 1  # of the koubei model directory (koubei_lm.json + checkpoints layout)


def _number(
    name: str,
    value: Any,
    *,
    low: float | None = None,
    low_open: bool = False,
    high: float | None = None,
    high_open: bool = False,
    integer: bool = False,
) -> None:
    """One check for every numeric config field: a finite number (an integer when asked) inside its range.

    The message names the field, the bad value and the range, e.g. "temperature must be a finite number >= 0,
    got nan"."""
    kind = "an integer" if integer else "a finite number"
    bounds = []
    if low is not None:
        bounds.append(f"{'>' if low_open else '>='} {low:g}")
    if high is not None:
        bounds.append(f"{'<' if high_open else '<='} {high:g}")
    expected = f"{kind} {' and '.join(bounds)}".strip()
    ok = isinstance(value, int) if integer else isinstance(value, (int, float)) and math.isfinite(value)
    if isinstance(value, bool) or not ok:
        raise BadInputError(f"{name} must be {expected}, got {value!r}")
    if low is not None and (value <= low if low_open else value < low):
        raise BadInputError(f"{name} must be {expected}, got {value!r}")
    if high is not None and (value >= high if high_open else value > high):
        raise BadInputError(f"{name} must be {expected}, got {value!r}")


@dataclass(frozen=True)
class ModelConfig:
    """Shape of a GPT-2-style decoder (pre-LayerNorm, learned positions, GELU MLP, SDPA attention, tied embeddings).

    Built with tied input/output embeddings: at width 256 and an 8k vocabulary the embedding is 2.1 M parameters, as
    large as the rest of the model, and untying alone did not help (150 steps: 6.50 vs 6.54 bits/char). Training
    from scratch unties them, because the bigram spectral initialisation needs different input and output
    embeddings (koubei.lm.spectral_init: 5.80 bits/char at 150 steps); `--no-spectral-init` keeps them tied.
    """

    n_layer: int = 4
    n_head: int = 4
    n_embd: int = 256
    intermediate_size: int = 1024  # MLP hidden width (GPT-2's 4 x n_embd)
    context_length: int = (
        128  # tokens per training sequence, also the learned-position limit (~180 characters)
    )

    def __post_init__(self) -> None:
        for name in ("n_layer", "n_head", "n_embd", "intermediate_size", "context_length"):
            value = getattr(self, name)
            _number(f"model {name}", value, low=1, integer=True)
        if self.n_embd % self.n_head:
            raise BadInputError(f"model n_embd ({self.n_embd}) must be divisible by n_head ({self.n_head})")


PRESETS: dict[str, ModelConfig] = {
    # For unit tests and smoke runs: trains in seconds, learns nothing useful.
    "micro": ModelConfig(n_layer=2, n_head=2, n_embd=32, intermediate_size=128, context_length=64),
    # Distillation student / very fast experiments: ~0.4 M non-embedding parameters.
    "tiny": ModelConfig(n_layer=2, n_head=2, n_embd=128, intermediate_size=512, context_length=128),
    # The 2-core laptop model: ~3.2 M non-embedding parameters (the benchmark size, nanoGPT's shape).
    "small": ModelConfig(n_layer=4, n_head=4, n_embd=256, intermediate_size=1024, context_length=128),
    # For a GPU or a long CPU run: ~10.7 M non-embedding parameters.
    "base": ModelConfig(n_layer=6, n_head=6, n_embd=384, intermediate_size=1536, context_length=256),
}


def preset(name: str) -> ModelConfig:
    """The named model preset; a clear error lists the valid names."""
    if name not in PRESETS:
        raise BadInputError(f"preset {name!r} is unknown; choose one of {', '.join(PRESETS)}")
    return PRESETS[name]


@dataclass(frozen=True)
class TrainConfig:
    """How to train (or continue training) a causal LM on packed documents."""

    preset: str = "small"  # model shape when training from scratch (ignored with init_from)
    vocab_size: int = 8192  # tokenizer size when `train` has to train one first
    # The sequence shape. context_length is the training window; None picks it from the documents: the smallest power
    # of two >= 32 that holds 75% of them whole (koubei.lm.data.choose_context; 64 for online_shopping reviews),
    # capped at the model's positions. batch_size None: tokens_per_step // context_length sequences.
    context_length: int | None = None
    batch_size: int | None = None  # sequences per optimizer step (global, split across DDP ranks)
    tokens_per_step: int = 2048  # with batch_size None
    # A window shorter than the model's positions leaves the positions past it untrained, yet generation (and the
    # evaluation of long documents) reads all of them: every `full_context_every`-th step trains on windows of the
    # model's full length instead (tokens_per_step // positions of them; 0 = never). The model keeps the preset's
    # positions (>= 128 for small) whatever the window.
    full_context_every: int = 4
    # Peak. Measured at the small preset, 8k BPE, 250 steps at constant LR (fp32): 1e-3 -> 6.63 bits/char, 2e-3 -> 6.68,
    # 4e-3 -> 6.91. With bf16 and the cosine, 2e-3 looked better at 120 s (6.57 vs 6.63) but not at 300 s (5.89 vs 5.72).
    learning_rate: float = 1e-3
    min_lr_ratio: float = 0.1  # cosine decays to learning_rate * min_lr_ratio
    # "adamw": AdamW on everything; "muon": Muon on the Transformer's weight matrices, AdamW on embeddings, LM head,
    # gains and biases. With the spectral init, AdamW won at 300 s (5.43 vs 5.52 bits/char: Muon's steps cost 24%
    # more here and it learned no more per step); without it Muon led (koubei.lm.muon).
    optimizer: str = "adamw"
    muon_lr: float = 0.02  # Muon's peak rate (follows the same warmup and cosine as learning_rate)
    # The embeddings and LM head learn this many times faster than learning_rate: at a budget of a few hundred steps
    # the token statistics are most of what can be learned. Measured with the spectral init, 150 steps, AdamW:
    # x1 5.80, x3 5.66, x10 5.71 bits/char.
    embedding_lr_scale: float = 3.0
    # A fresh model starts from the training text's bigram statistics (koubei.lm.spectral_init); its embeddings are
    # then untied. Ignored with init_from and on resume.
    spectral_init: bool = True
    warmup_steps: int = 30
    weight_decay: float = 0.1  # on matrices only (not norms)
    beta1: float = 0.9
    # Measured at the small preset, 750 steps, bf16 (AVX-512 EPYC, 2026-11-29): 0.99 -> 5.183 bits/char, 0.95 -> 5.220;
    # with 64-token sequences x 32: 5.103 vs 5.139. Short runs with the spectral init favour the slower second moment.
    beta2: float = 0.99
    grad_clip: float = 1.0
    max_steps: int | None = None  # stop after this many optimizer steps (fixes the LR schedule exactly)
    time_budget: float | None = (
        None  # seconds of optimization (the schedule's length is estimated from step time)
    )
    horizon_probe_steps: int = (
        20  # time-budget mode: steps timed before sizing the schedule (and between re-sizings)
    )
    val_fraction: float = 0.1  # documents held out (by a hash of their text) for periodic evaluation
    eval_interval: int = 100  # steps between held-out evaluations (also at the end)
    eval_batches: int = 8  # batches per periodic evaluation
    checkpoint_interval: int = 100  # steps between atomic checkpoints (also at the end)
    log_interval: int = 10  # steps between metric lines in metrics.jsonl
    seed: int = 0
    device: str = "auto"  # auto | cpu | cuda | cuda:N
    threads: int | None = None  # torch intra-op threads on CPU (None: torch's default)
    # Matmul precision of forward/backward: auto | fp32 | bf16 (autocast; weights, optimizer and loss stay fp32).
    # auto = whichever a sub-second probe measured faster on this machine (cached; see koubei.lm.precision).
    precision: str = "auto"
    init_from: str | None = None  # local HF causal-LM directory to continue from (its tokenizer is used)

    def __post_init__(self) -> None:
        if self.max_steps is None and self.time_budget is None:
            raise BadInputError("give max_steps or time_budget (or both) so training knows when to stop")
        if self.max_steps is not None:
            _number("max_steps", self.max_steps, low=1, integer=True)
        if self.time_budget is not None:
            _number("time_budget", self.time_budget, low=0, low_open=True)
        _number("horizon_probe_steps", self.horizon_probe_steps, low=2, integer=True)
        if self.batch_size is not None:
            _number("batch_size", self.batch_size, low=1, integer=True)
        _number("tokens_per_step", self.tokens_per_step, low=2, integer=True)
        _number("full_context_every", self.full_context_every, low=0, integer=True)
        if self.context_length is not None:
            _number("context_length", self.context_length, low=2, integer=True)
        _number("vocab_size", self.vocab_size, low=1, integer=True)
        _number("val_fraction", self.val_fraction, low=0, high=1, high_open=True)
        check_precision(self.precision)
        for name in ("learning_rate", "muon_lr", "embedding_lr_scale"):
            _number(name, getattr(self, name), low=0, low_open=True)
        _number("min_lr_ratio", self.min_lr_ratio, low=0, high=1)
        _number("warmup_steps", self.warmup_steps, low=0, integer=True)
        _number("weight_decay", self.weight_decay, low=0)
        _number("beta1", self.beta1, low=0, high=1, high_open=True)
        _number("beta2", self.beta2, low=0, high=1, high_open=True)
        _number("grad_clip", self.grad_clip, low=0)
        for name in ("eval_interval", "eval_batches", "checkpoint_interval", "log_interval"):
            _number(name, getattr(self, name), low=1, integer=True)
        if self.threads is not None:
            _number("threads", self.threads, low=1, integer=True)
        if self.optimizer not in ("muon", "adamw"):
            raise BadInputError(f"optimizer must be muon or adamw, got {self.optimizer!r}")
        if self.init_from is None:
            preset(self.preset)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class DistillConfig:
    """Knowledge distillation: loss = alpha * T^2 * KL(teacher_T || student_T) + (1 - alpha) * CE(labels)."""

    temperature: float = (
        2.0  # softens both distributions; T^2 keeps gradient scale comparable (Hinton et al.)
    )
    alpha: float = 0.5  # weight of the soft-target term

    def __post_init__(self) -> None:
        _number("temperature", self.temperature, low=0, low_open=True)
        _number("alpha", self.alpha, low=0, high=1)


@dataclass(frozen=True)
class SampleConfig:
    """Decoding controls for `generate`."""

    max_new_tokens: int = 100
    temperature: float = 0.8  # 0 = greedy
    top_k: int | None = 50
    top_p: float | None = 0.95
    repetition_penalty: float = 1.1  # > 1 discourages repeating tokens already in the text (CTRL-style)
    seed: int = 0
    banned_words: tuple[str, ...] = field(default_factory=tuple)  # never appear in the generated text
    use_cache: bool = True  # KV cache: each step feeds one token instead of the whole prefix
    stop_at_eos: bool = True

    def __post_init__(self) -> None:
        _number("max_new_tokens", self.max_new_tokens, low=0, integer=True)
        _number("temperature", self.temperature, low=0)
        if self.top_k is not None:
            _number("top_k", self.top_k, low=1, integer=True)
        if self.top_p is not None:
            _number("top_p", self.top_p, low=0, low_open=True, high=1)
        _number("repetition_penalty", self.repetition_penalty, low=0, low_open=True)
        _number("seed", self.seed, integer=True)
        if any(not isinstance(w, str) or not w for w in self.banned_words):
            raise BadInputError("banned_words must be non-empty strings")
