"""Language-model use cases: the text a model trains on, then tokenizer, training, evaluation, sampling, distillation.

One flow each, called by `koubei lm ...`, the demo's LM step and (later) the API and jobs, so they cannot disagree:
- training text from the store is `store_texts`: the PII-masked review texts in review_id order, then the product
  titles (catalog text, no personal data). Titles are kept because the same model later writes product copy from
  `<|product|>` prompts and must know how products are named; reviews come first so a `limit` trims titles last;
- default places come from `koubei.artifacts.default_model_dir` ("lm" for models, "lm-student" for students);
- every step reports through the `Progress` it is handed and returns a typed result (`to_dict()` for `--json`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from koubei.artifacts import default_model_dir
from koubei.errors import BadInputError, NotFoundError
from koubei.lm.config import DistillConfig, SampleConfig, TrainConfig
from koubei.progress import Progress
from koubei.results import Result

if TYPE_CHECKING:
    from koubei.lm.evaluate import EvalResult
    from koubei.lm.sample import SampleResult
    from koubei.lm.train import TrainResult
    from koubei.store.db import Store

__all__ = [
    "DistillConfig",
    "SampleConfig",
    "TokenizerResult",
    "TrainConfig",
    "banned_words",
    "distill_model",
    "evaluate",
    "evaluation_texts",
    "model_dir_or_default",
    "precision_warning",
    "sample",
    "store_texts",
    "train_model",
    "train_tokenizer",
    "training_texts",
]

STORE = "store"
DEFAULT_MODEL = "lm"
DEFAULT_STUDENT = "lm-student"


@dataclass
class TokenizerResult(Result):
    out: str
    vocab_size: int
    documents: int
    seconds: float
    chars_per_token: float


def store_texts(store: Store, *, limit: int | None = None) -> list[str]:
    """What a model trains on from the store: masked review texts (at most `limit`), then product titles."""
    from koubei.store.lm_data import read_training_texts

    return read_training_texts(store, include_products=True, limit=limit)


def training_texts(data: str = STORE, db: str | None = None) -> list[str]:
    """The training documents `data` names: "store" (see `store_texts`) or a UTF-8 file, one document per line."""
    if data == STORE:
        from koubei.store import Store

        with Store.open(db) as store:
            texts = store_texts(store)
        if not texts:
            raise BadInputError(
                "data 'store': the store holds no review text; ingest some (koubei ingest reviews FILE) "
                "or give a text file instead"
            )
        return texts
    from koubei.lm.data import read_documents

    path = Path(data)
    if path.is_dir():
        raise BadInputError(f"data {data!r} is a folder; expected a text file, one document per line")
    texts = read_documents(path)
    if not texts:
        raise BadInputError(f"data {data!r} has no non-empty line")
    return texts


def model_dir_or_default(out: str | Path | None, name: str = DEFAULT_MODEL) -> Path:
    """`out`, or the default model folder `name` under KOUBEI_HOME."""
    return Path(out) if out is not None else default_model_dir(name)


def precision_warning(precision: str, device: str) -> str | None:
    """A warning to show before a run that asks for bf16 on hardware that would emulate it (it would crawl)."""
    from koubei.lm.precision import emulation_warning
    from koubei.lm.train import resolve_device

    return emulation_warning(precision, resolve_device(device))


def train_tokenizer(
    data: str = STORE, *, db: str | None = None, vocab_size: int = 8192, out: str | Path | None = None
) -> TokenizerResult:
    """Train the byte-level BPE tokenizer on the training text and save it into the model folder."""
    from koubei.lm.tokenizer import chars_per_token
    from koubei.lm.tokenizer import train_tokenizer as train_bpe

    texts = training_texts(data, db)
    target = model_dir_or_default(out)
    started = time.perf_counter()
    tok = train_bpe(texts, vocab_size, target)
    return TokenizerResult(
        out=str(target),
        vocab_size=len(tok),
        documents=len(texts),
        seconds=round(time.perf_counter() - started, 2),
        chars_per_token=round(chars_per_token(tok, texts[: min(len(texts), 2000)]), 4),
    )


def train_model(
    texts: list[str],
    config: TrainConfig,
    *,
    out: str | Path | None = None,
    resume: bool = False,
    progress: Progress | None = None,
) -> TrainResult:
    """Train (or resume) a causal LM on `texts` into `out` (default: the "lm" model folder)."""
    from koubei.lm.train import train

    if config.init_from is not None and not (Path(config.init_from) / "config.json").is_file():
        raise NotFoundError(f"init_from {config.init_from!r} is not a model directory (no config.json)")
    return train(texts, model_dir_or_default(out), config, resume=resume, progress=progress)


def distill_model(
    teacher: str | Path,
    texts: list[str],
    config: TrainConfig,
    distill_config: DistillConfig | None = None,
    *,
    out: str | Path | None = None,
    resume: bool = False,
    progress: Progress | None = None,
) -> TrainResult:
    """Train a smaller student on `teacher`'s soft targets into `out` (default: the "lm-student" model folder)."""
    from koubei.lm.distill import distill

    target = model_dir_or_default(out, DEFAULT_STUDENT)
    return distill(teacher, texts, target, config, distill_config, resume=resume, progress=progress)


def evaluate(
    model_dir: str | Path,
    texts: list[str],
    *,
    batch_size: int = 32,
    device: str = "cpu",
    progress: Progress | None = None,
) -> EvalResult:
    """Bits per character and perplexity of the model in `model_dir`, each text scored as its own document."""
    from koubei.lm.evaluate import evaluate_model_dir

    return evaluate_model_dir(model_dir, texts, batch_size=batch_size, device=device, progress=progress)


def evaluation_texts(path: str | Path) -> list[str]:
    """The documents of an evaluation file (UTF-8, one per line)."""
    from koubei.lm.data import read_documents

    return read_documents(path)


def banned_words(words: list[str] | None, ban_file: str | Path | None) -> tuple[str, ...]:
    """Words never to generate: those given plus a file's lines (one word a line, blanks skipped)."""
    out = list(words or [])
    if ban_file is not None:
        from koubei.lm.data import read_documents

        out += [w.strip() for w in read_documents(ban_file) if w.strip()]
    return tuple(out)


def sample(
    model_dir: str | Path,
    prompt: str,
    config: SampleConfig,
    *,
    device: str = "cpu",
    on_text: Callable[[str], None] | None = None,
) -> SampleResult:
    """Continue `prompt` with the model in `model_dir`, streaming whole characters to `on_text`."""
    from koubei.lm.model import load_model
    from koubei.lm.sample import generate

    model, tokenizer = load_model(model_dir, device=device)
    return generate(model, tokenizer, prompt, config, on_text=on_text)
