"""Typed configs of the language-model stack: model presets, training, distillation, sampling.

Every config is a frozen dataclass with commented defaults; the resolved config is saved beside each artifact
(`koubei_lm.json` in the model directory). CLI flags override fields with `dataclasses.replace`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from koubei.errors import BadInputError
from koubei.lm.precision import check_precision

FORMAT_VERSION = 1  # of the koubei model directory (koubei_lm.json + checkpoints layout)


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
    context_length: int = 128  # tokens per training sequence, also the learned-position limit (~180 characters)

    def __post_init__(self) -> None:
        for name in ("n_layer", "n_head", "n_embd", "intermediate_size", "context_length"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise BadInputError(f"model {name} must be a positive integer, got {value!r}")
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
        raise BadInputError(f"--preset {name!r} is unknown; choose one of {', '.join(PRESETS)}")
    return PRESETS[name]


@dataclass(frozen=True)
class TrainConfig:
    """How to train (or continue training) a causal LM on packed documents."""

    preset: str = "small"  # model shape when training from scratch (ignored with init_from)
    vocab_size: int = 8192  # tokenizer size when `train` has to train one first
    batch_size: int = 16  # sequences per optimizer step (global, split across DDP ranks)
    context_length: int | None = None  # None: the preset's (or init_from model's, capped at 512)
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
    time_budget: float | None = None  # seconds of optimization (the schedule's length is estimated from step time)
    horizon_probe_steps: int = 20  # time-budget mode: steps timed before sizing the schedule (and between re-sizings)
    val_fraction: float = 0.1  # documents held out (by a hash of their text) for periodic evaluation
    eval_interval: int = 100  # steps between held-out evaluations (also at the end)
    eval_batches: int = 8  # batches per periodic evaluation
    checkpoint_interval: int = 100  # steps between atomic checkpoints (also at the end)
    log_interval: int = 10  # steps between metric lines in metrics.jsonl
    seed: int = 0
    device: str = "auto"  # auto | cpu | cuda | cuda:N
    threads: int | None = None  # torch intra-op threads on CPU (None: torch's default)
    # Matmul precision of forward/backward: auto | fp32 | bf16 (autocast; weights, optimizer and loss stay fp32).
    # auto = bf16 where the hardware computes it natively (see koubei.lm.precision), else fp32.
    precision: str = "auto"
    init_from: str | None = None  # local HF causal-LM directory to continue from (its tokenizer is used)

    def __post_init__(self) -> None:
        if self.max_steps is None and self.time_budget is None:
            raise BadInputError("give --max-steps or --time-budget (or both) so training knows when to stop")
        if self.max_steps is not None and self.max_steps < 1:
            raise BadInputError(f"--max-steps must be >= 1, got {self.max_steps}")
        if self.time_budget is not None and self.time_budget <= 0:
            raise BadInputError(f"--time-budget must be > 0 seconds, got {self.time_budget}")
        if self.horizon_probe_steps < 2:
            raise BadInputError(f"horizon_probe_steps must be >= 2, got {self.horizon_probe_steps}")
        if self.batch_size < 1:
            raise BadInputError(f"--batch-size must be >= 1, got {self.batch_size}")
        if not 0.0 <= self.val_fraction < 1.0:
            raise BadInputError(f"val_fraction must be in [0, 1), got {self.val_fraction}")
        check_precision(self.precision)
        if self.learning_rate <= 0:
            raise BadInputError(f"--lr must be > 0, got {self.learning_rate}")
        if self.optimizer not in ("muon", "adamw"):
            raise BadInputError(f"--optimizer must be muon or adamw, got {self.optimizer!r}")
        if self.muon_lr <= 0:
            raise BadInputError(f"--muon-lr must be > 0, got {self.muon_lr}")
        if self.embedding_lr_scale <= 0:
            raise BadInputError(f"--embedding-lr-scale must be > 0, got {self.embedding_lr_scale}")
        if self.init_from is None:
            preset(self.preset)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class DistillConfig:
    """Knowledge distillation: loss = alpha * T^2 * KL(teacher_T || student_T) + (1 - alpha) * CE(labels)."""

    temperature: float = 2.0  # softens both distributions; T^2 keeps gradient scale comparable (Hinton et al.)
    alpha: float = 0.5  # weight of the soft-target term

    def __post_init__(self) -> None:
        if self.temperature <= 0:
            raise BadInputError(f"--temperature must be > 0, got {self.temperature}")
        if not 0.0 <= self.alpha <= 1.0:
            raise BadInputError(f"--alpha must be in [0, 1], got {self.alpha}")


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
        if self.max_new_tokens < 0:
            raise BadInputError(f"--max-tokens must be >= 0, got {self.max_new_tokens}")
        if self.temperature < 0:
            raise BadInputError(f"--temperature must be >= 0, got {self.temperature}")
        if self.top_k is not None and self.top_k < 1:
            raise BadInputError(f"--top-k must be >= 1, got {self.top_k}")
        if self.top_p is not None and not 0.0 < self.top_p <= 1.0:
            raise BadInputError(f"--top-p must be in (0, 1], got {self.top_p}")
        if self.repetition_penalty <= 0:
            raise BadInputError(f"--repetition-penalty must be > 0, got {self.repetition_penalty}")
        if any(not w for w in self.banned_words):
            raise BadInputError("banned words must be non-empty strings")
