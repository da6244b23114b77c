"""koubei's language-model stack: tokenizer, GPT-2-style decoder, training, evaluation, sampling, distillation.

Models are standard Hugging Face directories (safetensors + config.json + tokenizer.json + tokenizer_config.json,
plus koubei_lm.json with the resolved config): `transformers.AutoModelForCausalLM.from_pretrained(DIR)` and
`AutoTokenizer.from_pretrained(DIR)` load them, and so does `AutoModelForSequenceClassification.from_pretrained(
DIR, num_labels=2)` for transfer learning (the classification head is new, the body is ours).

Stable public API (other parts of koubei call these):
- `load_model(dir, device="cpu") -> (model, tokenizer)`: any local HF causal-LM directory, in eval mode.
- `train_tokenizer(texts, vocab_size, out_dir=None) -> tokenizer`: byte-level BPE with koubei's special tokens.
- `train_lm(texts, out_dir, preset_name="small", max_steps=None, time_budget=None, ...) -> TrainResult`.
- `koubei.lm.train.train(texts, out_dir, TrainConfig(...), resume=False, progress=None) -> TrainResult` (the full
  loop; DDP under `torchrun --no-python ... koubei lm train`). `koubei.lm.train` and `koubei.lm.distill` are modules.
- `evaluate_texts(model, tokenizer, texts, progress=None) -> EvalResult` (bits_per_char, perplexity, tokens, chars).
- `generate(model, tokenizer, prompt, SampleConfig(...), on_text=None) -> SampleResult`.
- `koubei.lm.distill.distill(teacher_dir, texts, out_dir, TrainConfig(...), DistillConfig(...)) -> TrainResult`.
- Special tokens: `EOT` (`<|endoftext|>`, document boundary and BOS/EOS/PAD), `PROMPT_TOKENS`
  (`<|product|>`, `<|review|>`, `<|copy|>`, `<|reply|>`, `<|question|>`, `<|answer|>`), `PII_TOKENS`.
Long work reports through a `koubei.progress.Progress` (none given: silent); results are `koubei.results.Result`s.
The use cases that join these with the store (training text, default folders) are in `koubei.pipelines.lm`.
Heavy libraries (torch, transformers) are imported inside the functions, so importing this package is cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from koubei.lm.config import PRESETS, DistillConfig, ModelConfig, SampleConfig, TrainConfig, preset
from koubei.lm.tokenizer import (
    EOT,
    PII_TOKENS,
    PROMPT_TOKENS,
    SPECIAL_TOKENS,
    load_tokenizer,
    train_tokenizer,
)

if TYPE_CHECKING:
    from koubei.lm.evaluate import EvalResult, evaluate_model_dir, evaluate_texts
    from koubei.lm.model import build_model, load_model, save_model
    from koubei.lm.sample import SampleResult, generate
    from koubei.lm.train import TrainResult, train_lm

_LAZY = {
    "load_model": "koubei.lm.model",
    "build_model": "koubei.lm.model",
    "save_model": "koubei.lm.model",
    "train_lm": "koubei.lm.train",
    "TrainResult": "koubei.lm.train",
    "evaluate_texts": "koubei.lm.evaluate",
    "evaluate_model_dir": "koubei.lm.evaluate",
    "EvalResult": "koubei.lm.evaluate",
    "generate": "koubei.lm.sample",
    "SampleResult": "koubei.lm.sample",
}

__all__ = [
    "EOT",
    "PII_TOKENS",
    "PRESETS",
    "PROMPT_TOKENS",
    "SPECIAL_TOKENS",
    "DistillConfig",
    "EvalResult",
    "ModelConfig",
    "SampleConfig",
    "SampleResult",
    "TrainConfig",
    "TrainResult",
    "build_model",
    "evaluate_model_dir",
    "evaluate_texts",
    "generate",
    "load_model",
    "load_tokenizer",
    "preset",
    "save_model",
    "train_lm",
    "train_tokenizer",
]


def __getattr__(name: str) -> Any:
    # Lazy: `koubei.lm.train` imports torch; plain `import koubei.lm` should not.
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'koubei.lm' has no attribute {name!r}")
