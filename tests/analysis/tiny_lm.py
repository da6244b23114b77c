"""Tiny causal-LM directories for testing the neural models offline: koubei's own architecture (GPT-2-style
`GPTBigCodeForCausalLM`, as `koubei lm train` writes it) and a foreign one (`LlamaForCausalLM`), both with a BPE
tokenizer and random weights."""

from __future__ import annotations

from pathlib import Path


def make_tiny_lm(
    path: Path, texts: list[str], hidden: int = 32, layers: int = 2, seed: int = 0, arch: str = "llama"
) -> Path:
    """Train a byte-level BPE on `texts` and save a randomly initialised 2-layer model (`arch`: llama | koubei)."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    if arch == "koubei":
        from koubei.lm.config import ModelConfig
        from koubei.lm.model import build_model, save_model
        from koubei.lm.tokenizer import train_tokenizer

        koubei_tok = train_tokenizer(texts, 400)
        shape = ModelConfig(
            n_layer=layers, n_head=2, n_embd=hidden, intermediate_size=2 * hidden, context_length=64
        )
        save_model(build_model(shape, koubei_tok, seed=seed), koubei_tok, path)
        return path

    tok = Tokenizer(models.BPE(unk_token=None))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400, special_tokens=["<|endoftext|>"], initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    tok.train_from_iterator(texts, trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|endoftext|>", pad_token="<|endoftext|>")
    torch.manual_seed(seed)
    cfg = LlamaConfig(
        vocab_size=len(fast),
        hidden_size=hidden,
        intermediate_size=2 * hidden,
        num_hidden_layers=layers,
        num_attention_heads=2,
        num_key_value_heads=2,
        max_position_embeddings=64,
        eos_token_id=fast.eos_token_id,
        bos_token_id=fast.eos_token_id,
        pad_token_id=fast.pad_token_id,
        tie_word_embeddings=True,
    )
    model = LlamaForCausalLM(cfg)
    path.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(path))
    fast.save_pretrained(str(path))
    return path
