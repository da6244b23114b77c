"""Sampling from a causal LM with a KV cache, streaming, and the usual controls.

Controls (see `SampleConfig`): temperature (0 = greedy), top-k, top-p, repetition penalty (the logits processors of
`transformers`), max new tokens, seed (a private `torch.Generator`: same seed -> same text), banned words, KV cache
on/off (off re-reads the whole prefix every step: the benchmark's baseline).

Byte-level tokens that would make the output invalid UTF-8 are masked and resampled (`Utf8Guard`).
Banned words are checked on the decoded text, not on token ids: with BPE a word can be spelled by many token
sequences (or hide inside one merged token), so banning fixed id sequences would leak. Tokens whose own text contains
a banned word are masked up front; every other sampled token is checked against the decoded tail and, when it would
complete a banned word, masked and the step resampled.

Why a hand-written loop instead of `model.generate`: decoded-text banning and exact per-step streaming of whole
characters (byte-level tokens may end mid-character) need control of each step.

Public API: `generate(model, tokenizer, prompt, config, on_text=None) -> SampleResult`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from koubei.lm.config import SampleConfig
from koubei.results import Result

if TYPE_CHECKING:
    import torch
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

MAX_RESAMPLES = 64


@dataclass
class SampleResult(Result):
    prompt: str
    text: str  # generated continuation only
    tokens: int  # generated tokens
    seconds: float
    stopped: str  # "eos" | "max_tokens" | "banned" (no allowed token left)
    token_ids: list[int] = field(default_factory=list, repr=False)  # the generated ids (not in to_dict)

    @property
    def tokens_per_second(self) -> float:
        return self.tokens / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "prompt": self.prompt,
            "text": self.text,
            "tokens": self.tokens,
            "seconds": round(self.seconds, 4),
            "tokens_per_second": round(self.tokens_per_second, 2),
            "stopped": self.stopped,
        }


def _processors(cfg: SampleConfig) -> list[Any]:
    from transformers.generation.logits_process import (
        RepetitionPenaltyLogitsProcessor,
        TemperatureLogitsWarper,
        TopKLogitsWarper,
        TopPLogitsWarper,
    )

    procs: list[Any] = []
    if cfg.repetition_penalty != 1.0:
        procs.append(RepetitionPenaltyLogitsProcessor(cfg.repetition_penalty))
    if cfg.temperature > 0:
        if cfg.temperature != 1.0:
            procs.append(TemperatureLogitsWarper(cfg.temperature))
        if cfg.top_k:
            procs.append(TopKLogitsWarper(cfg.top_k))
        if cfg.top_p is not None and cfg.top_p < 1.0:
            procs.append(TopPLogitsWarper(cfg.top_p))
    return procs


def _banned_token_mask(
    tokenizer: PreTrainedTokenizerBase, words: tuple[str, ...], vocab: int
) -> torch.Tensor:
    import torch

    mask = torch.zeros(vocab, dtype=torch.bool)
    if words:
        for token_id in range(min(vocab, len(tokenizer))):
            piece = _decode(tokenizer, [token_id])
            if any(w in piece for w in words):
                mask[token_id] = True
    return mask


def generate(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    prompt: str,
    config: SampleConfig | None = None,
    on_text: Callable[[str], None] | None = None,
) -> SampleResult:
    """Continue `prompt` (which may start with a prompt marker such as `<|review|>`); stream via `on_text`."""
    import torch
    from transformers import DynamicCache

    from koubei.lm.model import model_context_length

    cfg = config or SampleConfig()
    device = next(model.parameters()).device
    ctx = model_context_length(model)
    eot = tokenizer.eos_token_id
    stop_ids = {eot} if cfg.stop_at_eos else set()
    prompt_ids = [eot, *tokenizer(prompt, add_special_tokens=False)["input_ids"]]
    vocab = model.get_output_embeddings().weight.shape[0]
    banned_mask = _banned_token_mask(tokenizer, cfg.banned_words, vocab)
    longest = max((len(w) for w in cfg.banned_words), default=0)
    procs = _processors(cfg)
    utf8 = Utf8Guard(tokenizer)
    gen = torch.Generator(device="cpu").manual_seed(cfg.seed)
    ids = list(prompt_ids)
    new_ids: list[int] = []
    emitted = ""
    stopped = "max_tokens"
    was_training = model.training
    model.eval()
    start = time.perf_counter()
    past: Any = None
    cached = 0  # how many tokens the cache holds
    with torch.no_grad():
        for _ in range(cfg.max_new_tokens):
            if cfg.use_cache:
                if past is None or cached >= ctx:
                    # (Re)fill the cache: the prompt's last context, or, when the window is full, its newest half
                    # (positions must stay within the trained context).
                    keep = ids[-ctx:] if past is None else ids[-(ctx // 2) :]
                    past = DynamicCache()
                    out = model(
                        input_ids=torch.tensor([keep], device=device),
                        cache=past,
                        use_cache=True,
                        logits_to_keep=1,
                    )
                    cached = len(keep)
                else:
                    out = model(
                        input_ids=torch.tensor([ids[-1:]], device=device),
                        cache=past,
                        use_cache=True,
                        logits_to_keep=1,
                    )
                    cached += 1
                past = out.cache
            else:
                out = model(
                    input_ids=torch.tensor([ids[-ctx:]], device=device), use_cache=False, logits_to_keep=1
                )
            logits = out.logits[:, -1, :].float().cpu()
            scores = logits
            history = torch.tensor([ids], dtype=torch.long)
            for proc in procs:
                scores = proc(history, scores)
            scores = scores.masked_fill(banned_mask.unsqueeze(0), float("-inf"))
            token = _pick(scores, cfg, gen)
            tries = 0
            while token is not None and not utf8.allows(token):
                scores[0, token] = float("-inf")
                tries += 1
                token = _pick(scores, cfg, gen) if tries < MAX_RESAMPLES else None
            if longest:
                prev_text = _decode(tokenizer, new_ids)
                tries = 0
                while token is not None and _completes_banned(
                    tokenizer, new_ids, token, prev_text, cfg, longest
                ):
                    scores[0, token] = float("-inf")
                    tries += 1
                    token = _pick(scores, cfg, gen) if tries < MAX_RESAMPLES else None
            if token is None:  # every token is banned or masked
                stopped = "banned"
                break
            if token in stop_ids:
                stopped = "eos"
                break
            ids.append(token)
            new_ids.append(token)
            utf8.commit(token)
            if on_text is not None:
                text = _decode(tokenizer, new_ids)
                if not text.endswith("\ufffd") and text.startswith(emitted):
                    on_text(text[len(emitted) :])
                    emitted = text
    seconds = time.perf_counter() - start
    model.train(was_training)
    text = _decode(tokenizer, new_ids)
    if utf8.pending():  # stopped mid-character: drop the unfinished bytes
        text = text.rstrip("\ufffd")
    if on_text is not None and text.startswith(emitted) and text != emitted:
        on_text(text[len(emitted) :])
    return SampleResult(
        prompt=prompt, text=text, tokens=len(new_ids), seconds=seconds, stopped=stopped, token_ids=new_ids
    )


def _bytes_to_unicode() -> dict[int, str]:
    """GPT-2's reversible byte -> printable-character table (what byte-level BPE tokens are spelled in)."""
    bs = (
        list(range(ord("!"), ord("~") + 1))
        + list(range(ord("¡"), ord("¬") + 1))
        + list(range(ord("®"), ord("ÿ") + 1))
    )
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs), strict=True))


class Utf8Guard:
    """Keeps byte-level sampling from writing invalid UTF-8 (which would show as U+FFFD forever).

    Byte-level tokens may end mid-character; that is fine as long as a later token completes it. A token whose bytes
    cannot continue the pending sequence (or start a valid one) is masked and the step resampled. Inactive for
    tokenizers that are not byte-level.
    """

    def __init__(self, tokenizer: PreTrainedTokenizerBase) -> None:
        import codecs

        self._bytes: dict[int, bytes] | None = None
        backend = getattr(tokenizer, "backend_tokenizer", None)
        if backend is not None and type(backend.decoder).__name__ == "ByteLevel":
            inverse = {c: b for b, c in _bytes_to_unicode().items()}
            special = set(tokenizer.all_special_ids)
            table: dict[int, bytes] = {}
            for token, token_id in tokenizer.get_vocab().items():
                if token_id in special or not all(ch in inverse for ch in token):
                    table[token_id] = token.encode("utf-8")
                else:
                    table[token_id] = bytes(inverse[ch] for ch in token)
            self._bytes = table
        self._decoder = codecs.getincrementaldecoder("utf-8")()

    def allows(self, token: int) -> bool:
        if self._bytes is None:
            return True
        import codecs

        trial = codecs.getincrementaldecoder("utf-8")()
        trial.setstate(self._decoder.getstate())
        try:
            trial.decode(self._bytes.get(token, b""), final=False)
        except UnicodeDecodeError:
            return False
        return True

    def pending(self) -> bool:
        """True when the text so far ends inside a multi-byte character."""
        return self._bytes is not None and bool(self._decoder.getstate()[0])

    def commit(self, token: int) -> None:
        if self._bytes is not None:
            self._decoder.decode(self._bytes.get(token, b""), final=False)


def _decode(tokenizer: PreTrainedTokenizerBase, ids: list[int]) -> str:
    return str(tokenizer.decode(ids))


def _pick(scores: torch.Tensor, cfg: SampleConfig, gen: torch.Generator) -> int | None:
    import torch

    if not torch.isfinite(scores).any():
        return None
    if cfg.temperature == 0:
        return int(scores.argmax(dim=-1))
    probs = torch.softmax(scores, dim=-1)
    return int(torch.multinomial(probs, 1, generator=gen))


def _completes_banned(
    tokenizer: PreTrainedTokenizerBase,
    new_ids: list[int],
    token: int,
    prev_text: str,
    cfg: SampleConfig,
    longest: int,
) -> bool:
    text = _decode(tokenizer, [*new_ids, token])
    # Only the part that could contain a newly completed word: the old tail plus the new characters.
    common = len(prev_text.rstrip("\ufffd"))
    tail = text[max(0, common - longest + 1) :]
    return any(w in tail for w in cfg.banned_words)
