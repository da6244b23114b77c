"""Language-model benchmark: `koubei lm train`'s default command against nanoGPT, side by side in one run.

Run (heavy: ~12 min on 2 shared cores, ~17 with --mode sequential; always under the shared lock):
    flock /tmp/koubei-heavy.lock python benchmarks/lm_benchmark.py --nanogpt PATH/TO/nanoGPT [--budget 300] [--quick]

Data: the review texts of ../shared/data/online_shopping_10_cats (relative to the repository; --data-dir to change).
A held-out 10% of the reviews (by a hash of the text, so duplicates stay on one side; seed 20240611) is never shown
to the trainer (nor to the tokenizer); the trainer gets the other 90% (and itself holds out 10% of those for its
periodic evaluation).
1. Peak matmul FLOP/s: a 2048x2048 `torch.matmul` in fp32 and bf16, same process, same threads; and the
   precision probe `--precision auto` decides by (koubei.lm.precision: timed here, not read from the cache).
2. Candidate step times (one training step, batch 16 x 128, 4 layers, width 256, our vocabulary):
   `transformers` GPTBigCode (GPT-2 block with nn.Linear: what koubei uses) vs Llama-style vs GPT-2.
3. Quality at fixed compute, with the README's default command and nothing else:
   `koubei lm train --data train.txt --preset small --time-budget 300` (run as that command, in a subprocess);
   bits/char and perplexity on the held-out 10%, each review scored from its start; characters/s of training text;
   MFU = achieved model FLOP/s (6 x matmul params incl. the LM head + attention) / measured peak of its precision.
4. nanoGPT's character-level model of the same size trained for the same --budget on the same training reviews and
   scored on the same held-out reviews, in the same run (see nanogpt_baseline.py), so the bits/char and
   characters/s ratios are measured under the same conditions, not quoted. `--mode concurrent` (default) trains
   both at the same time as two processes with one thread each (OMP_NUM_THREADS=1; the command line is the
   default one), so the other work on a shared machine hits both alike: on the project's 2 shared cores, two
   sequential runs gave chars/s ratios of 1.45 and 0.54 because other processes' load came and went between
   them. `--mode sequential` runs them one after the other with every core. Load averages are recorded.
5. Sampling: tokens/s of `generate` with vs without the KV cache (same model, prompt, seed, 120 new tokens).
6. Distillation: preset `tiny` student for --distill-budget seconds alone vs distilled from the step-3 model
   (same tokenizer, same seconds, same data, default sequence shape), both evaluated on the held-out 10%.
Writes lm_benchmark.json and lm_benchmark.md to --out; paths in them are relative (to the repository or workdir).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# Before torch starts its OpenMP pool: idle threads sleep instead of spinning. On this shared 2-core machine other
# processes (tests) run next to the locked benchmark, and spinning threads then fight them for the cores (measured
# 23:27 under load: 16x128 small step ~6 s spinning vs ~2.1 s passive vs ~2.9 s with one thread).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch

from koubei.lm.config import SampleConfig, TrainConfig
from koubei.lm.data import is_held_out
from koubei.lm.distill import distill
from koubei.lm.evaluate import evaluate_texts
from koubei.lm.model import count_params, load_model
from koubei.lm.precision import measure_precisions
from koubei.lm.sample import generate
from koubei.lm.train import train

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"  # ../shared/data relative to the repository
REVIEWS = Path("online_shopping_10_cats") / "online_shopping_10_cats.csv"
HELD_OUT_SEED = 20240611
# The README's default command; the benchmark adds only where to read and write (and --json to read the result).
DEFAULT_COMMAND = "koubei lm train --data train.txt --preset small --time-budget {budget:g}"


def log(*parts: Any) -> None:
    print(*parts, flush=True)


def relative(path: Path, base: Path = REPO) -> str:
    """`path` relative to `base` (the repository), so results never record this machine's absolute paths."""
    return os.path.relpath(Path(path).resolve(), base.resolve())


def read_reviews(data_dir: Path) -> list[str]:
    path = data_dir / REVIEWS
    with path.open(encoding="utf-8") as handle:
        return [row["review"].strip() for row in csv.DictReader(handle) if row["review"].strip()]


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


def start_default_command(
    train_file: Path, out: Path, budget: float, vocab_size: int, env: dict[str, str]
) -> tuple[subprocess.Popen[str], str]:
    """Start the README's default `koubei lm train` command on the training reviews (its --json comes on stdout)."""
    command = DEFAULT_COMMAND.format(budget=budget).split()
    if vocab_size != TrainConfig.__dataclass_fields__["vocab_size"].default:
        command += ["--vocab-size", str(vocab_size)]  # only --quick changes it
    koubei = Path(sys.executable).parent / "koubei"
    args = [str(koubei), *command[1:], "--out", str(out), "--no-progress", "--json"]
    args[args.index("train.txt")] = str(train_file)
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    return proc, " ".join(command)


def start_nanogpt(
    checkout: Path, texts_file: Path, budget: float, env: dict[str, str]
) -> subprocess.Popen[str]:
    script = Path(__file__).resolve().parent / "nanogpt_baseline.py"
    args = [
        sys.executable,
        str(script),
        "--nanogpt",
        str(checkout),
        "--texts",
        str(texts_file),
        "--budget",
        str(budget),
    ]
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def finish(proc: subprocess.Popen[str], what: str) -> dict[str, Any]:
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"{what} failed ({proc.returncode}): {err[-3000:]}")
    try:
        result: dict[str, Any] = json.loads(out)
    except json.JSONDecodeError:  # nanoGPT prints its own lines before the result's
        result = json.loads(out.strip().splitlines()[-1])
    return result


def peak_matmul_flops(n: int = 2048, repeats: int = 10, dtype: torch.dtype = torch.float32) -> float:
    a, b = torch.randn(n, n, dtype=dtype), torch.randn(n, n, dtype=dtype)
    for _ in range(2):
        torch.matmul(a, b)
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        torch.matmul(a, b)
        best = min(best, time.perf_counter() - t0)
    return 2 * n**3 / best


def step_time(
    model: torch.nn.Module, vocab: int, steps: int = 5, batch: int = 16, context: int = 128
) -> float:
    """Median seconds of one full training step (forward, loss, backward, clip, AdamW) on random tokens."""
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    gen = torch.Generator().manual_seed(0)
    x = torch.randint(0, vocab, (batch, context), generator=gen)
    y = torch.randint(0, vocab, (batch, context), generator=gen)
    times = []
    for i in range(steps + 2):
        t0 = time.perf_counter()
        logits = model(input_ids=x).logits
        loss = torch.nn.functional.cross_entropy(logits.flatten(0, 1), y.flatten())
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        if i >= 2:
            times.append(time.perf_counter() - t0)
    return sorted(times)[len(times) // 2]


def candidates(vocab: int, steps: int = 5) -> dict[str, float]:
    from transformers import (
        GPT2Config,
        GPT2LMHeadModel,
        GPTBigCodeConfig,
        GPTBigCodeForCausalLM,
        LlamaConfig,
        LlamaForCausalLM,
    )

    llama_cfg = LlamaConfig(
        vocab_size=vocab,
        hidden_size=256,
        intermediate_size=688,
        num_hidden_layers=4,
        num_attention_heads=4,
        num_key_value_heads=4,
        max_position_embeddings=128,
        tie_word_embeddings=True,
    )
    llama_cfg._attn_implementation = "sdpa"
    gpt2_cfg = GPT2Config(
        vocab_size=vocab,
        n_embd=256,
        n_layer=4,
        n_head=4,
        n_positions=128,
        resid_pdrop=0,
        embd_pdrop=0,
        attn_pdrop=0,
        bos_token_id=0,
        eos_token_id=0,
    )
    gpt2_cfg._attn_implementation = "sdpa"
    bigcode_cfg = GPTBigCodeConfig(
        vocab_size=vocab,
        n_embd=256,
        n_layer=4,
        n_head=4,
        n_positions=128,
        multi_query=False,
        activation_function="gelu",
        resid_pdrop=0,
        embd_pdrop=0,
        attn_pdrop=0,
    )
    bigcode_cfg._attn_implementation = "sdpa"
    torch.manual_seed(0)
    return {
        "gpt_bigcode_ms": round(1000 * step_time(GPTBigCodeForCausalLM(bigcode_cfg), vocab, steps), 1),
        "llama_style_ms": round(1000 * step_time(LlamaForCausalLM(llama_cfg), vocab, steps), 1),
        "gpt2_ms": round(1000 * step_time(GPT2LMHeadModel(gpt2_cfg), vocab, steps), 1),
    }


def flops_per_token(model: torch.nn.Module, context: int) -> float:
    """Training FLOPs per token: 6 x (non-embedding params + LM head matmul) + attention scores (PaLM appendix B)."""
    cfg = model.config
    params = count_params(model)
    head = model.get_output_embeddings().weight.numel()
    attention = 12 * cfg.num_hidden_layers * context * cfg.hidden_size
    return 6 * (params["non_embedding"] + head) + attention


def sampling_speed(model_dir: Path, new_tokens: int = 120) -> dict[str, float]:
    model, tok = load_model(model_dir)
    out: dict[str, float] = {}
    for use_cache in (True, False):
        cfg = SampleConfig(
            max_new_tokens=new_tokens,
            temperature=0.8,
            seed=0,
            use_cache=use_cache,
            stop_at_eos=False,
            repetition_penalty=1.1,
        )
        generate(model, tok, "<|review|>这款", SampleConfig(max_new_tokens=5, use_cache=use_cache))  # warm up
        best = max(generate(model, tok, "<|review|>这款", cfg).tokens_per_second for _ in range(3))
        out["with_cache" if use_cache else "without_cache"] = round(best, 1)
    out["speedup"] = round(out["with_cache"] / out["without_cache"], 2)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--budget", type=float, default=300.0, help="seconds of optimization of each model")
    parser.add_argument("--distill-budget", type=float, default=90.0, help="seconds for each student run")
    parser.add_argument("--vocab-size", type=int, default=8192)
    parser.add_argument("--quick", action="store_true", help="tiny budgets, to check the script runs")
    parser.add_argument(
        "--data-dir", type=Path, default=DATA, help="the shared data folder (default ../shared/data)"
    )
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "koubei-lm-benchmark")
    parser.add_argument(
        "--nanogpt", type=Path, default=None, help="local nanoGPT checkout: run its char model too"
    )
    parser.add_argument(
        "--mode",
        choices=("concurrent", "sequential"),
        default="concurrent",
        help="run koubei and nanoGPT at the same time, one thread each (default), or one after the other",
    )
    args = parser.parse_args()
    if args.quick:
        args.budget, args.distill_budget, args.vocab_size = 3.0, 2.0, 1000
    if args.workdir.exists():
        shutil.rmtree(args.workdir)
    args.workdir.mkdir(parents=True)
    results: dict[str, Any] = {
        "machine": {
            "python": sys.version.split()[0],
            "torch": torch.__version__,
            "threads": torch.get_num_threads(),
            "platform": platform.platform(),
            "processor": platform.processor(),
            "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"),
            "cpu_count": os.cpu_count(),
        },
        "config": {
            "budget_s": args.budget,
            "distill_budget_s": args.distill_budget,
            "vocab_size": args.vocab_size,
            "data": relative(args.data_dir / REVIEWS),
        },
    }
    reviews = read_reviews(args.data_dir)
    held = [t for t in reviews if is_held_out(t, 0.1, HELD_OUT_SEED)]
    train_texts = [t for t in reviews if not is_held_out(t, 0.1, HELD_OUT_SEED)]
    if args.quick:
        held, train_texts = held[:200], train_texts[:1500]
    suffix = "-quick" if args.quick else ""
    results["data"] = {
        "reviews": len(reviews),
        "train_reviews": len(train_texts),
        "held_out_reviews": len(held),
        "held_out_chars": sum(map(len, held)),
    }
    log("data:", results["data"])

    # 1. What the hardware does, and what `--precision auto` measures.
    probe = measure_precisions()
    emulated = probe.bf16_seconds > 20 * probe.fp32_seconds
    peak = peak_matmul_flops()
    # Emulated bf16 (0.28 GFLOP/s on an AVX2-only EPYC: a minute per 2048^2 matmul) is timed once at 512^2.
    peak_bf16 = (
        peak_matmul_flops(512, 1, torch.bfloat16) if emulated else peak_matmul_flops(dtype=torch.bfloat16)
    )
    results["peak_matmul_gflops"] = round(peak / 1e9, 2)
    results["peak_matmul_gflops_bf16"] = round(peak_bf16 / 1e9, 2)
    results["precision_probe"] = {
        "fp32_ms": round(1000 * probe.fp32_seconds, 2),
        "bf16_ms": round(1000 * probe.bf16_seconds, 2),
        "choice": probe.choice,
        "consistent": probe.consistent,
        "seconds": probe.probe_seconds,
    }
    log(
        f"peak matmul: {peak / 1e9:.1f} GFLOP/s fp32, {peak_bf16 / 1e9:.2f} GFLOP/s bf16; probe: {results['precision_probe']}"
    )
    save(results, args.out, suffix)

    results["candidates_step_ms"] = candidates(args.vocab_size, steps=1 if args.quick else 5)
    log("candidate step times (16 x 128):", results["candidates_step_ms"])

    # 3 + 4. The README's default command and nanoGPT on the same data and budget. Concurrent (default): both at
    # once, one thread each (OMP_NUM_THREADS=1 for both, the command line untouched), so whatever else runs on the
    # machine hits both alike; sequential: one after the other, each with every core.
    small_dir = args.workdir / "small"
    train_file = args.workdir / "train.txt"
    train_docs = [t.replace("\n", " ") for t in train_texts]  # one document a line, for both models
    train_file.write_text("\n".join(train_docs) + "\n", encoding="utf-8")
    texts_file = args.workdir / "texts.json"
    texts_file.write_text(
        json.dumps({"train": train_docs, "held_out": held}, ensure_ascii=False), encoding="utf-8"
    )
    env = dict(os.environ)
    if args.mode == "concurrent":
        env["OMP_NUM_THREADS"] = "1"
    results["config"]["mode"] = args.mode
    results["config"]["threads_each"] = 1 if args.mode == "concurrent" else torch.get_num_threads()
    load_before = load_average()
    started = time.perf_counter()
    ours_proc, command = start_default_command(train_file, small_dir, args.budget, args.vocab_size, env)
    base: dict[str, Any] | None = None
    if args.nanogpt is not None and args.mode == "concurrent":
        base = finish(start_nanogpt(args.nanogpt, texts_file, args.budget, env), "nanoGPT")
    trained = finish(ours_proc, "koubei lm train")
    trained["model_dir"] = small_dir.name
    ours_wall = round(time.perf_counter() - started, 1)
    load_after = load_average()
    if args.nanogpt is not None and args.mode == "sequential":
        base = finish(start_nanogpt(args.nanogpt, texts_file, args.budget, env), "nanoGPT")
        base["load_average_before_after"] = [load_after, load_average()]
    model, tok = load_model(small_dir)
    ev = evaluate_texts(model, tok, held, batch_size=64)
    fpt = flops_per_token(model, trained["context_length"])
    mfu = trained["tokens_per_second"] * fpt / (peak_bf16 if trained["precision"] == "bf16" else peak)
    results["small"] = {
        "command": command,
        "train": trained,
        "wall_seconds_total": ours_wall,
        "held_out": ev.to_dict(),
        "flops_per_token": fpt,
        "achieved_gflops": round(trained["tokens_per_second"] * fpt / 1e9, 2),
        "mfu": round(mfu, 4),
        "load_average_before_after": [load_before, load_after],
    }
    log(
        f"small ({command}): {trained['steps']} steps in {trained['train_seconds']:.0f} s, "
        f"{trained['chars_per_second']:,.0f} chars/s ({trained['precision']}, {trained['batch_size']} x "
        f"{trained['context_length']}), held-out {ev.bits_per_char:.4f} bits/char, ppl {ev.perplexity:.1f}, "
        f"MFU {mfu:.1%}"
    )
    if base is not None:
        base.setdefault("load_average_before_after", [load_before, load_after])
        base["commit"] = nanogpt_commit(args.nanogpt)
        results["nanogpt"] = base
        results["ratios"] = {
            "bits_per_char": round(ev.bits_per_char / base["held_out_bits_per_char"], 4),
            "chars_per_second": round(trained["chars_per_second"] / base["chars_per_second"], 3),
        }
        log(f"nanoGPT char: {base}; ratios {results['ratios']}")
    save(results, args.out, suffix)

    results["sampling_tokens_per_s"] = sampling_speed(small_dir, 20 if args.quick else 120)
    log("sampling:", results["sampling_tokens_per_s"])
    save(results, args.out, suffix)

    # 6. Distillation: same student shape, same seconds, alone vs with the teacher.
    students: dict[str, Any] = {}
    for name in ("alone", "distilled"):
        out = args.workdir / f"student-{name}"
        out.mkdir()
        for file in ("tokenizer.json", "tokenizer_config.json"):
            shutil.copy(small_dir / file, out / file)
        scfg = TrainConfig(preset="tiny", time_budget=args.distill_budget, eval_interval=10**9)
        res = train(train_texts, out, scfg) if name == "alone" else distill(small_dir, train_texts, out, scfg)
        smodel, stok = load_model(out)
        sev = evaluate_texts(smodel, stok, held, batch_size=64)
        students[name] = {"steps": res.steps, "train_seconds": res.train_seconds, "held_out": sev.to_dict()}
        log(f"student {name}: {res.steps} steps, held-out {sev.bits_per_char:.4f} bits/char")
        results["distillation_partial"] = students
        save(results, args.out, suffix)
    students["params"] = count_params(load_model(args.workdir / "student-alone")[0])
    results.pop("distillation_partial")
    results["distillation"] = students
    save(results, args.out, suffix)
    log(render(results))


def nanogpt_commit(checkout: Path) -> str | None:
    proc = subprocess.run(
        ["git", "-C", str(checkout), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    return proc.stdout.strip() or None if proc.returncode == 0 else None


def save(results: dict[str, Any], out: Path, suffix: str) -> None:
    """Write what is measured so far (a long run that is cut short still leaves its figures)."""
    out.mkdir(parents=True, exist_ok=True)
    (out / f"lm_benchmark{suffix}.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    if "distillation" in results:
        (out / f"lm_benchmark{suffix}.md").write_text(render(results))


def render(r: dict[str, Any]) -> str:
    s, d = r["small"], r["distillation"]
    t, e = s["train"], s["held_out"]
    p = r["precision_probe"]
    lines = [
        "# koubei LM benchmark: the default command against nanoGPT, side by side",
        "",
        f"torch {r['machine']['torch']}, {r['machine']['threads']} threads, {r['machine']['cpu_count']} cores; "
        f"data `{r['config']['data']}` {r['data']}",
        "",
        f"Command: `{s['command']}` (nothing else; the benchmark adds --out and --json). Mode: "
        f"{r['config'].get('mode', 'sequential')} ({r['config'].get('threads_each')} thread(s) each"
        + (
            "; both trainings ran at the same time, so the machine's other load hit both alike and absolute speeds are "
            "those of one core each"
            if r["config"].get("mode") == "concurrent"
            else "; one after the other"
        )
        + ").",
        "",
        "| figure | value |",
        "| --- | --- |",
        f"| peak matmul (2048^2) fp32 / bf16 | {r['peak_matmul_gflops']} / {r['peak_matmul_gflops_bf16']} GFLOP/s |",
        f"| precision probe fp32 / bf16 per pass -> `--precision auto` | {p['fp32_ms']} / {p['bf16_ms']} ms -> "
        f"{p['choice']} (run used: {t['precision']}) |",
        f"| step time GPTBigCode (ours) / Llama-style / GPT-2 (16x128, 4L, 256, V={r['config']['vocab_size']}) | "
        f"{r['candidates_step_ms'].get('gpt_bigcode_ms')} / {r['candidates_step_ms']['llama_style_ms']} / "
        f"{r['candidates_step_ms']['gpt2_ms']} ms |",
        f"| small: params (non-embedding / total) | {t['params']['non_embedding']:,} / {t['params']['total']:,} |",
        f"| small: tokenizer / data prep time (not in budget) | {t['tokenizer_seconds']} s / {t['data_seconds']} s |",
        f"| small: optimization time, steps (sequences x tokens per step, chosen from the data) | "
        f"{t['train_seconds']} s, {t['steps']} ({t['batch_size']} x {t['context_length']}) |",
        f"| small: held-out bits/char | **{e['bits_per_char']:.4f}** |",
        f"| small: held-out perplexity per token | {e['perplexity']:.2f} |",
        f"| small: chars/token (held-out) | {e['chars_per_token']:.3f} |",
        f"| small: training chars/s | **{t['chars_per_second']:,.0f}** |",
        f"| small: training tokens/s | {t['tokens_per_second']:,.0f} |",
        f"| small: MFU vs measured peak of that precision (peak measured with {r['machine']['threads']} threads) | "
        f"{s['mfu']:.1%} ({s['achieved_gflops']} GFLOP/s) |",
        f"| small: load average before / after | {s['load_average_before_after'][0]} / "
        f"{s['load_average_before_after'][1]} |",
        f"| distillation: tiny student alone, held-out bits/char | {d['alone']['held_out']['bits_per_char']:.4f} "
        f"({d['alone']['steps']} steps) |",
        f"| distillation: tiny student distilled, held-out bits/char | "
        f"{d['distilled']['held_out']['bits_per_char']:.4f} ({d['distilled']['steps']} steps) |",
        f"| sampling tokens/s with / without KV cache | {r['sampling_tokens_per_s']['with_cache']} / "
        f"{r['sampling_tokens_per_s']['without_cache']} (x{r['sampling_tokens_per_s']['speedup']}) |",
    ]
    if "nanogpt" in r:
        n = r["nanogpt"]
        lines += [
            f"| nanoGPT char ({n.get('commit')}; same budget, same data, same run): steps, params, vocab | "
            f"{n['steps']}, {n['params']:,}, {n['vocab_size']:,} |",
            f"| nanoGPT char: held-out bits/char | {n['held_out_bits_per_char']:.4f} |",
            f"| nanoGPT char: training chars/s | {n['chars_per_second']:,.0f} |",
            f"| nanoGPT: load average before / after | {n['load_average_before_after'][0]} / "
            f"{n['load_average_before_after'][1]} |",
            f"| ratio bits/char ours / nanoGPT (target <= 0.85) | **{r['ratios']['bits_per_char']:.3f}** |",
            f"| ratio chars/s ours / nanoGPT (target >= 1.5) | **{r['ratios']['chars_per_second']:.2f}** |",
        ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
