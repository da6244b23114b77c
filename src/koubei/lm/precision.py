"""Mixed precision for training: bfloat16 autocast where it is measured to be faster here, float32 elsewhere.

Why measure: CPU flags do not say which is faster. On an Intel Xeon with `avx512_bf16` (2 cores) a 2048x2048 matmul
ran at 253 GFLOP/s in fp32 and 146 in bf16, so choosing bf16 from the flag made training slower; on an AMD EPYC
with the same flag bf16 ran at 918 against 211; with AMX, bf16 is several times faster again; without native bf16
it is emulated, hundreds of times slower. So `auto` runs a probe (`measure_precisions`): a few forward+backward
passes of a training-shaped block (two MLP matmuls, LayerNorm, an LM head, fp32 loss) in each precision, well under
a second, and picks bf16 only when it is clearly faster (by `BF16_MIN_SPEEDUP`). The answer is cached per machine
(CPU model, thread count, torch version) in `<KOUBEI_HOME>/cache/precision.json`, or in the user cache directory
(platformdirs) when KOUBEI_HOME is not set, so the probe runs once.

Under autocast only matmul-like ops run in bf16; weights, gradients, AdamW state, layer norms, softmax and the loss
stay fp32, so this is ordinary mixed-precision training (as on GPUs). On CUDA, `auto` is bf16 wherever the GPU
supports it.

Public API: `check_precision(value, name)`, `resolve_precision(name, device) -> "bf16" | "fp32"`,
`measure_precisions(...)`, `emulation_warning(name, device)`, `autocast(precision, device)`.
"""

from __future__ import annotations

import contextlib
import os
import platform
import time
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from koubei.errors import BadInputError

if TYPE_CHECKING:
    import torch

PRECISIONS = ("auto", "fp32", "bf16")
NATIVE_BF16_CPU_FLAGS = ("avx512_bf16", "amx_bf16")
# bf16 must beat fp32 by this factor to be chosen: it costs a little accuracy, and the probe is noisy on shared cores.
BF16_MIN_SPEEDUP = 1.15
CACHE_FILE = "precision.json"
PROBE_VERSION = 2  # bump when the probe changes, so cached answers of the old probe are measured again


def check_precision(value: str, name: str = "precision") -> None:
    """A clear error for a precision name koubei does not know (`name` is the parameter named in the message)."""
    if value not in PRECISIONS:
        raise BadInputError(f"{name} must be {', '.join(PRECISIONS[:-1])} or {PRECISIONS[-1]}, got {value!r}")


@cache
def cpu_has_native_bf16(cpuinfo: str = "/proc/cpuinfo") -> bool:
    """True when the CPU advertises bf16 matmul instructions (Linux /proc/cpuinfo; False where unknown).

    Not used to choose (see the module docstring); only to warn before an explicit bf16 on a CPU that emulates it."""
    try:
        flags = Path(cpuinfo).read_text(encoding="utf-8", errors="ignore").split()
    except OSError:
        return False
    return any(flag in flags for flag in NATIVE_BF16_CPU_FLAGS)


@dataclass(frozen=True)
class PrecisionProbe:
    """What the probe measured on this machine: best seconds per pass in each precision, and the choice."""

    machine: str
    fp32_seconds: float
    bf16_seconds: float
    choice: str
    consistent: bool  # every round of the probe picked the same winner (only such answers are cached)
    probe_seconds: float
    probe_version: int = PROBE_VERSION

    @property
    def bf16_speedup(self) -> float:
        return self.fp32_seconds / self.bf16_seconds if self.bf16_seconds > 0 else 0.0


def machine_key(threads: int | None = None) -> str:
    """What the cached answer is valid for: CPU model, threads torch uses, torch version."""
    import torch

    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="ignore").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    n = threads if threads is not None else torch.get_num_threads()
    return f"{model} | {n} threads | torch {torch.__version__}"


def cache_path() -> Path:
    """Where probe answers are kept: $KOUBEI_HOME/cache when KOUBEI_HOME is set, else the user cache directory."""
    home = os.environ.get("KOUBEI_HOME")
    if home:
        return Path(home) / "cache" / CACHE_FILE
    import platformdirs

    return Path(platformdirs.user_cache_dir("koubei")) / CACHE_FILE


def choose(fp32_seconds: float, bf16_seconds: float) -> str:
    """bf16 only when it is at least `BF16_MIN_SPEEDUP` times faster than fp32, else fp32."""
    return "bf16" if fp32_seconds >= BF16_MIN_SPEEDUP * bf16_seconds else "fp32"


def _best_of(step: Any, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        step()
        best = min(best, time.perf_counter() - started)
    return best


def measure_precisions(
    rows: int = 512, width: int = 256, vocab: int = 4096, pairs: int = 6
) -> PrecisionProbe:
    """Time fp32 against bf16 autocast on a training-shaped block (forward + backward), on the CPU.

    A first tiny matmul screens out emulated bf16 (hundreds of times slower) before the real probe would take
    minutes. Then `pairs` times one fp32 pass right next to one bf16 pass: a burst of load from another process
    hits both of a pair alike, and the best pass of each precision decides. `consistent` says whether all pairs but
    at most one agree with that decision (only then is the answer cached). Typical cost on 2 idle cores: ~0.6 s."""
    import torch

    started = time.perf_counter()
    key = machine_key()
    gen = torch.Generator().manual_seed(0)
    small = torch.randn(128, 128, generator=gen)
    small_bf16 = small.bfloat16()
    small @ small, small_bf16 @ small_bf16  # warm-up
    fp32_small = _best_of(lambda: small @ small, 3)
    bf16_small = _best_of(lambda: small_bf16 @ small_bf16, 1)
    if bf16_small > 20 * fp32_small:  # emulated: not worth a real probe
        return PrecisionProbe(
            key, fp32_small, bf16_small, "fp32", True, round(time.perf_counter() - started, 3)
        )
    block = torch.nn.Sequential(
        torch.nn.Linear(width, 4 * width),
        torch.nn.GELU(),
        torch.nn.Linear(4 * width, width),
        torch.nn.LayerNorm(width),
        torch.nn.Linear(width, vocab),
    )
    x = torch.randn(rows, width, generator=gen)
    y = torch.randint(0, vocab, (rows,), generator=gen)

    def one_pass(precision: str) -> None:
        with autocast(precision, torch.device("cpu")):
            logits = block(x)
        torch.nn.functional.cross_entropy(logits.float(), y).backward()
        block.zero_grad(set_to_none=True)

    for _ in range(2):  # warm-up: kernel selection, allocation (bf16 kernels take a pass or two to settle)
        one_pass("fp32")
        one_pass("bf16")
    timed = [
        (_best_of(lambda: one_pass("fp32"), 1), _best_of(lambda: one_pass("bf16"), 1)) for _ in range(pairs)
    ]
    fp32 = min(f for f, _ in timed)
    bf16 = min(b for _, b in timed)
    choice = choose(fp32, bf16)
    consistent = sum(choose(f, b) == choice for f, b in timed) >= pairs - 1
    return PrecisionProbe(
        key, round(fp32, 6), round(bf16, 6), choice, consistent, round(time.perf_counter() - started, 3)
    )


def _read_cache(path: Path) -> dict[str, Any]:
    import json

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


_MEMO: dict[str, PrecisionProbe] = {}  # this process's answers (the machine does not change under it)


def probe_cpu_precision(refresh: bool = False) -> PrecisionProbe:
    """This machine's measured answer: from the cache, else measured now and cached (atomically)."""
    from koubei.artifacts import write_json

    path = cache_path()
    key = machine_key()
    cached = _read_cache(path)
    entry = cached.get(key)
    if not refresh and isinstance(entry, dict) and entry.get("probe_version") == PROBE_VERSION:
        try:
            return PrecisionProbe(**entry)
        except TypeError:
            pass  # written by another version: measure again
    probe = _MEMO.get(key) if not refresh else None
    if probe is None:
        probe = _MEMO[key] = measure_precisions()
    if probe.consistent:
        cached[key] = asdict(probe)
        with contextlib.suppress(OSError):  # a read-only cache directory only costs a probe next time
            write_json(path, cached)
    return probe


def resolve_precision(name: str, device: torch.device) -> str:
    """The precision a run uses: `name` unless it is auto (then what the probe measured faster on this machine)."""
    import torch

    check_precision(name)
    if name != "auto":
        return name
    if device.type == "cuda":
        return "bf16" if torch.cuda.is_bf16_supported() else "fp32"
    if device.type != "cpu":
        return "fp32"
    return probe_cpu_precision().choice


def emulation_warning(name: str, device: torch.device) -> str | None:
    """A plain-words warning when bf16 is asked for on a CPU that would emulate it, else None.

    Measured 2026-11-29 on an AVX2-only AMD EPYC (no avx512_bf16): a 2048x2048 bf16 matmul ran at 0.28 GFLOP/s
    against 121 in fp32, so an explicit `precision="bf16"` there turns minutes of training into days.
    """
    if name == "bf16" and device.type == "cpu" and not cpu_has_native_bf16():
        return (
            "warning: bf16 precision on a CPU without native bf16 (no avx512_bf16 or amx_bf16 in /proc/cpuinfo) "
            "is emulated and can be hundreds of times slower than fp32; use auto or fp32 here"
        )
    return None


def autocast(precision: str, device: torch.device) -> Any:
    """A context that runs the forward pass in `precision` (a no-op for fp32)."""
    import torch

    if precision == "bf16":
        return torch.autocast(device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()
