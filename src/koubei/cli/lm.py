"""`koubei lm {tokenizer,train,eval,sample,distill}`: own your language model, from raw text to samples.

Commands only parse options, call `koubei.pipelines.lm` and render its typed results (torch and transformers are
imported inside the commands, so `koubei --help` stays instant). `--data store` (default) trains on the store's
PII-masked review texts and product titles; `--data FILE` on a UTF-8 text file with one document per line.
Progress goes to stderr (`koubei.progress.ConsoleProgress`), so `--json` on stdout stays clean.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from koubei.cli.common import DatabaseOption, JsonOption, console_progress, emit, existing_file, get_console
from koubei.pipelines.lm import DistillConfig, SampleConfig, TrainConfig


def _default(config_class: Any, name: str) -> Any:
    """The library's own default for an option, so `koubei lm` and `koubei.lm` cannot drift apart."""
    return config_class.__dataclass_fields__[name].default


lm_app = typer.Typer(
    name="lm",
    help="Train, evaluate, sample and distill your own language model (tokenizer + GPT-2-style decoder).",
    no_args_is_help=True,
)

DataOption = Annotated[
    str,
    typer.Option(
        "--data",
        "--corpus",
        metavar="store|FILE",
        help="Training text: 'store' (masked reviews + product titles in the store) or a file, one document per line.",
    ),
]
OutOption = Annotated[
    Path | None, typer.Option("--out", help="Model directory to write (default: $KOUBEI_HOME/models/lm).")
]
NoProgress = Annotated[bool, typer.Option("--no-progress", help="Hide the progress bar.")]
PrecisionOption = Annotated[
    str,
    typer.Option(
        "--precision",
        help="auto, fp32 or bf16 matmuls (auto: whichever a sub-second probe measures faster on this machine; cached).",
    ),
]


def _cpu_friendly_threads() -> None:
    """Let torch's idle OpenMP threads sleep instead of spin (only possible before torch is imported).

    Why: on a small shared machine, spinning threads fight other processes for the cores; measured on the project's
    2-core box with other work running, a `small` training step took ~6 s spinning vs ~2.1 s passive.
    An explicit OMP_WAIT_POLICY in the environment wins.
    """
    import os
    import sys

    if "torch" not in sys.modules:
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def _warn_if_emulated(precision: str, device: str) -> None:
    """Say so on stderr before a run asks for bf16 on hardware that would emulate it (it would crawl)."""
    from koubei.pipelines.lm import precision_warning

    message = precision_warning(precision, device)
    if message:
        get_console(stderr=True).print(message)


def _render_dict(title: str, data: dict[str, Any]) -> Any:
    def render(console: Any) -> None:
        console.print(f"[bold]{title}[/]")
        for key, value in data.items():
            if isinstance(value, float):
                value = f"{value:,.4f}"
            console.print(f"  {key}: {value}")

    return render


def _need_a_stop(max_steps: int | None, time_budget: float | None) -> None:
    if max_steps is None and time_budget is None:
        from koubei.errors import BadInputError

        raise BadInputError("give --max-steps or --time-budget (or both) so training knows when to stop")


def _show_notes(notes: list[str]) -> None:
    """What a run decided for itself (e.g. a damaged checkpoint skipped), on stderr in both output modes."""
    for note in notes:
        get_console(stderr=True).print(f"note: {note}")


@lm_app.command("tokenizer")
def tokenizer_command(
    data: DataOption = "store",
    vocab_size: Annotated[
        int, typer.Option("--vocab-size", help="Vocabulary size (bytes + specials + merges).")
    ] = 8192,
    out: OutOption = None,
    db: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Train a byte-level BPE tokenizer on masked text.

    Example: koubei lm tokenizer --corpus reviews.txt --vocab-size 8192 --out models/lm
    """
    _cpu_friendly_threads()
    from koubei.pipelines.lm import train_tokenizer

    result = train_tokenizer(data, db=db, vocab_size=vocab_size, out=out).to_dict()
    emit(result, as_json, _render_dict("tokenizer trained", result))


@lm_app.command("train")
def train_command(
    data: DataOption = "store",
    preset: Annotated[str, typer.Option("--preset", help="Model size: micro, tiny, small, base.")] = "small",
    time_budget: Annotated[
        float | None, typer.Option("--time-budget", help="Seconds of optimization (schedule fitted to it).")
    ] = None,
    max_steps: Annotated[
        int | None, typer.Option("--max-steps", help="Optimizer steps (exact schedule).")
    ] = None,
    out: OutOption = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue from the newest checkpoint in --out.")
    ] = False,
    init_from: Annotated[
        Path | None, typer.Option("--init-from", help="Continue training a local HF causal-LM directory.")
    ] = None,
    vocab_size: Annotated[
        int, typer.Option("--vocab-size", help="Tokenizer size if one must be trained.")
    ] = _default(TrainConfig, "vocab_size"),
    batch_size: Annotated[
        int | None,
        typer.Option(
            "--batch-size", help="Sequences per step (global; default: 2,048 tokens of --context-length)."
        ),
    ] = _default(TrainConfig, "batch_size"),
    context_length: Annotated[
        int | None,
        typer.Option(
            "--context-length",
            help="Tokens per training sequence (default: from your documents, the power of two >= 32 that holds 75% "
            "of them whole, e.g. 64 for short reviews; the model keeps the preset's 128+ positions for generation).",
        ),
    ] = _default(TrainConfig, "context_length"),
    lr: Annotated[float, typer.Option("--lr", help="Peak learning rate.")] = _default(
        TrainConfig, "learning_rate"
    ),
    warmup_steps: Annotated[int, typer.Option("--warmup-steps")] = _default(TrainConfig, "warmup_steps"),
    optimizer: Annotated[
        str, typer.Option("--optimizer", help="adamw, or muon (Muon on weight matrices, AdamW elsewhere).")
    ] = _default(TrainConfig, "optimizer"),
    muon_lr: Annotated[
        float, typer.Option("--muon-lr", help="Peak learning rate of the Muon matrices.")
    ] = _default(TrainConfig, "muon_lr"),
    embedding_lr_scale: Annotated[
        float,
        typer.Option("--embedding-lr-scale", help="Embeddings and LM head learn this many times faster."),
    ] = _default(TrainConfig, "embedding_lr_scale"),
    spectral_init: Annotated[
        bool,
        typer.Option(
            "--spectral-init/--no-spectral-init",
            help="Start a fresh model from the training text's bigram statistics (unties the embeddings).",
        ),
    ] = _default(TrainConfig, "spectral_init"),
    eval_interval: Annotated[
        int, typer.Option("--eval-interval", help="Steps between held-out evaluations.")
    ] = 100,
    checkpoint_interval: Annotated[
        int, typer.Option("--checkpoint-interval", help="Steps between checkpoints.")
    ] = 100,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    device: Annotated[str, typer.Option("--device", help="auto, cpu, cuda or cuda:N.")] = "auto",
    threads: Annotated[int | None, typer.Option("--threads", help="CPU threads (default: torch's).")] = None,
    precision: PrecisionOption = "auto",
    db: DatabaseOption = None,
    no_progress: NoProgress = False,
    as_json: JsonOption = False,
) -> None:
    """Train a causal LM (trains a tokenizer first when --out has none). DDP: torchrun --no-python ... koubei lm train.

    Example: koubei lm train --data reviews.txt --preset small --time-budget 300 --out models/lm
    """
    _cpu_friendly_threads()
    from koubei.pipelines.lm import train_model, training_texts

    _need_a_stop(max_steps, time_budget)
    config = TrainConfig(
        preset=preset,
        vocab_size=vocab_size,
        batch_size=batch_size,
        context_length=context_length,
        learning_rate=lr,
        warmup_steps=warmup_steps,
        optimizer=optimizer,
        muon_lr=muon_lr,
        embedding_lr_scale=embedding_lr_scale,
        spectral_init=spectral_init,
        max_steps=max_steps,
        time_budget=time_budget,
        eval_interval=eval_interval,
        checkpoint_interval=checkpoint_interval,
        seed=seed,
        device=device,
        threads=threads,
        precision=precision,
        init_from=str(init_from) if init_from else None,
    )
    _warn_if_emulated(precision, device)
    result = train_model(
        training_texts(data, db), config, out=out, resume=resume, progress=console_progress(not no_progress)
    )
    _show_notes(result.notes)
    emit(result.to_dict(), as_json, _render_dict("model trained", result.to_dict()))


@lm_app.command("eval")
def eval_command(
    model: Annotated[Path, typer.Option("--model", help="Model directory.")],
    input: Annotated[Path, typer.Option("--input", help="Text file, one document per line.")],
    batch_size: Annotated[int, typer.Option("--batch-size")] = 32,
    device: Annotated[str, typer.Option("--device")] = "cpu",
    as_json: JsonOption = False,
) -> None:
    """Perplexity per token and bits per character, each line scored as its own document.

    Example: koubei lm eval --model models/lm --input heldout.txt --json
    """
    _cpu_friendly_threads()
    from koubei.pipelines.lm import evaluate, evaluation_texts

    texts = evaluation_texts(existing_file(input, "--input"))
    result = evaluate(
        model, texts, batch_size=batch_size, device=device, progress=console_progress(not as_json)
    )
    emit(result.to_dict(), as_json, _render_dict(f"evaluation of {model}", result.to_dict()))


@lm_app.command("sample")
def sample_command(
    model: Annotated[Path, typer.Option("--model", help="Model directory.")],
    prompt: Annotated[
        str, typer.Option("--prompt", help="Text to continue (may start with <|review|> etc.).")
    ] = "",
    max_tokens: Annotated[int, typer.Option("--max-tokens")] = 100,
    temperature: Annotated[float, typer.Option("--temperature", help="0 = greedy.")] = 0.8,
    top_k: Annotated[int | None, typer.Option("--top-k")] = 50,
    top_p: Annotated[float | None, typer.Option("--top-p")] = 0.95,
    repetition_penalty: Annotated[float, typer.Option("--repetition-penalty")] = 1.1,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    ban: Annotated[
        list[str] | None, typer.Option("--ban", help="A word never to generate (repeatable).")
    ] = None,
    ban_file: Annotated[
        Path | None, typer.Option("--ban-file", help="File of banned words, one a line.")
    ] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Disable the KV cache (slower).")] = False,
    device: Annotated[str, typer.Option("--device")] = "cpu",
    as_json: JsonOption = False,
) -> None:
    """Generate a continuation, streaming to the terminal.

    Example: koubei lm sample --model models/lm --prompt "这款手机" --temperature 0.8 --top-k 50 --ban 最
    """
    _cpu_friendly_threads()
    import sys

    from koubei.pipelines.lm import banned_words
    from koubei.pipelines.lm import sample as sample_text

    words = banned_words(ban, existing_file(ban_file, "--ban-file") if ban_file is not None else None)
    config = SampleConfig(
        max_new_tokens=max_tokens,
        temperature=temperature,
        top_k=top_k,
        top_p=top_p,
        repetition_penalty=repetition_penalty,
        seed=seed,
        banned_words=words,
        use_cache=not no_cache,
    )

    shown = False

    def stream(piece: str) -> None:  # the prompt first, once the model has loaded and text comes
        nonlocal shown
        sys.stdout.write(piece if shown else prompt + piece)
        sys.stdout.flush()
        shown = True

    result = sample_text(model, prompt, config, device=device, on_text=None if as_json else stream)
    if as_json:
        emit(result.to_dict(), True, lambda _c: None)
    else:
        sys.stdout.write(("" if shown else prompt) + "\n")
        get_console(stderr=True).print(
            f"[dim]{result.tokens} tokens in {result.seconds:.2f} s ({result.tokens_per_second:,.1f} tokens/s), "
            f"stopped: {result.stopped}[/]"
        )


@lm_app.command("distill")
def distill_command(
    teacher: Annotated[Path, typer.Option("--teacher", help="Teacher model directory.")],
    preset: Annotated[str, typer.Option("--preset", help="Student size: micro, tiny, small, base.")] = "tiny",
    out: OutOption = None,
    data: DataOption = "store",
    time_budget: Annotated[float | None, typer.Option("--time-budget")] = None,
    max_steps: Annotated[int | None, typer.Option("--max-steps")] = None,
    temperature: Annotated[
        float, typer.Option("--temperature", help="Softening of both distributions.")
    ] = _default(DistillConfig, "temperature"),
    alpha: Annotated[float, typer.Option("--alpha", help="Weight of the soft-target (KL) loss.")] = _default(
        DistillConfig, "alpha"
    ),
    batch_size: Annotated[int | None, typer.Option("--batch-size")] = _default(TrainConfig, "batch_size"),
    lr: Annotated[float, typer.Option("--lr")] = _default(TrainConfig, "learning_rate"),
    resume: Annotated[bool, typer.Option("--resume")] = False,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    device: Annotated[str, typer.Option("--device")] = "auto",
    precision: PrecisionOption = "auto",
    db: DatabaseOption = None,
    no_progress: NoProgress = False,
    as_json: JsonOption = False,
) -> None:
    """Train a smaller student on a teacher's soft targets (same tokenizer as the teacher).

    Example: koubei lm distill --teacher models/lm --preset tiny --time-budget 120 --out models/lm-tiny
    """
    _cpu_friendly_threads()
    from koubei.pipelines.lm import distill_model, training_texts

    _need_a_stop(max_steps, time_budget)
    config = TrainConfig(
        preset=preset,
        batch_size=batch_size,
        learning_rate=lr,
        max_steps=max_steps,
        time_budget=time_budget,
        seed=seed,
        device=device,
        precision=precision,
    )
    dcfg = DistillConfig(temperature=temperature, alpha=alpha)
    _warn_if_emulated(precision, device)
    texts = training_texts(data, db)
    result = distill_model(
        teacher, texts, config, dcfg, out=out, resume=resume, progress=console_progress(not no_progress)
    )
    _show_notes(result.notes)
    emit(result.to_dict(), as_json, _render_dict("student distilled", result.to_dict()))


def register(app: typer.Typer) -> None:
    app.add_typer(lm_app, name="lm")
