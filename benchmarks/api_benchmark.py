"""Load benchmark of `koubei serve` (issue 15's targets): a real uvicorn process on 127.0.0.1, the demo data loaded.

What it measures, in this order:
1. `/health` after the start: wall seconds from spawning `koubei serve` until GET /health answers 200, and the
   server's own CPU seconds until then (user + system from /proc: on a shared machine wall time also measures the
   neighbours);
2. for each scenario, C concurrent clients (closed loop: each sends its next request as soon as the last one is
   answered, no think time, the hardest reading of "C concurrent clients") for D seconds: requests/s, p50/p90/p99/
   max latency, non-2xx answers and transport errors. Scenarios: review listing (`GET /api/v1/reviews?limit=20`),
   scoring one review (`POST /api/v1/sentiment/score` with one text, rotating over real review texts), one
   customer-service question (`POST /api/v1/ask`, rotating over shoppers' questions);
3. memory: the server's RSS sampled every second during an M-second mixed run (the three requests in turn), with
   the first and last minute compared and a least-squares slope over the run's second half.

Target (issue 15): p99 < 100 ms for scoring one review at 50 concurrent clients with no errors; RSS stable over a
5-minute run; /health within 5 s of the start.

The load generator is asyncio + httpx in its own process (no locust), one connection per client. The rate limit is
turned off for the server under test (KOUBEI_RATE_LIMIT=0): one benchmark key sends far more than 600 requests a
minute, which a real deployment would refuse by design. Everything lives in a temporary folder (KOUBEI_HOME and the
SQLite store), which is deleted afterwards unless --keep.

Run (once, under the shared machine's lock so two heavy runs do not overlap):

    flock /tmp/koubei-heavy.lock .venv/bin/python benchmarks/api_benchmark.py

Writes benchmarks/results/api_benchmark.{json,md} (--out-prefix to change). --quick: 5 s scenarios, 30 s memory.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
P99_TARGET_MS = 100.0
HEALTH_TARGET_S = 5.0
QUESTIONS = [  # shoppers' questions, Chinese and English; none is in the corpus the index is built from
    "这款手机电池能用多久？",
    "物流一般几天能到？",
    "质量怎么样，耐用吗？",
    "衣服尺码偏大还是偏小？",
    "可以七天无理由退货吗？",
    "屏幕清晰吗？",
    "What is the return policy?",
    "Is the battery life good?",
]


# ---- the server ---------------------------------------------------------------------------------------------------


def koubei() -> list[str]:
    script = Path(sys.executable).with_name("koubei")
    return [str(script)] if script.exists() else [sys.executable, "-m", "koubei.cli.main"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS line")


def run_cli(args: list[str], env: dict[str, str], timeout: float) -> tuple[str, float]:
    started = time.perf_counter()
    done = subprocess.run([*koubei(), *args], env=env, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise SystemExit(f"koubei {' '.join(args)} failed ({done.returncode}): {done.stderr[-2000:]}")
    return done.stdout, time.perf_counter() - started


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    health_s: float
    health_cpu_s: float


def start_server(env: dict[str, str], log: Path) -> Server:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    handle = log.open("wb")
    started = time.perf_counter()
    process = subprocess.Popen(
        [*koubei(), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
    )
    while True:
        if process.poll() is not None:
            raise SystemExit(f"koubei serve exited with {process.returncode}; see {log}")
        if time.perf_counter() - started > 120:
            process.kill()
            raise SystemExit("koubei serve did not answer /health within 120 s")
        try:
            if httpx.get(f"{url}/health", timeout=1.0).status_code == 200:
                return Server(process, url, time.perf_counter() - started, cpu_seconds(process.pid))
        except httpx.TransportError:
            pass
        time.sleep(0.02)


def stop_server(server: Server) -> int:
    server.process.send_signal(signal.SIGINT)
    try:
        return server.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.process.kill()
        return server.process.wait(timeout=10)


# ---- the load generator -------------------------------------------------------------------------------------------


@dataclass
class Scenario:
    name: str
    method: str
    path: str
    bodies: list[Any] = field(default_factory=list)  # rotated; empty: no body


@dataclass
class Figures:
    scenario: str
    clients: int
    seconds: float
    requests: int
    requests_per_s: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    non_2xx: int
    transport_errors: int
    statuses: dict[str, int]


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0-100) of an ascending list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), int(-(-q * len(sorted_values) // 100))))
    return sorted_values[rank - 1]


async def _client(
    http: httpx.AsyncClient,
    scenarios: list[Scenario],
    offset: int,
    start: asyncio.Event,
    deadline: list[float],
    out: list[Any],
) -> None:
    async with http:
        await start.wait()
        n = offset
        while time.perf_counter() < deadline[0]:
            scenario = scenarios[n % len(scenarios)]
            body = scenario.bodies[n % len(scenario.bodies)] if scenario.bodies else None
            n += 1
            started = time.perf_counter()
            try:
                response = await http.request(scenario.method, scenario.path, json=body)
                status: int | str = response.status_code
            except httpx.HTTPError as error:
                status = type(error).__name__
            out.append((scenario.name, status, (time.perf_counter() - started) * 1000))


def load(
    url: str, key: str, scenarios: list[Scenario], clients: int, seconds: float
) -> tuple[list[Any], float]:
    """Closed-loop load: `clients` coroutines, each with its own connection, until `seconds` have passed."""
    headers = {"Authorization": f"Bearer {key}"}
    out: list[Any] = []
    window: list[float] = []
    tls = ssl.create_default_context()  # made once: httpx would build one per client (costly, and plain http)
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)

    async def main() -> None:
        # Clients are made before the clock starts, so the window measures requests only.
        start, deadline = asyncio.Event(), [0.0]
        pool = [
            httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=60.0, verify=tls)
            for _ in range(clients)
        ]
        tasks = [
            asyncio.create_task(_client(http, scenarios, i, start, deadline, out))
            for i, http in enumerate(pool)
        ]
        await asyncio.sleep(0)
        began = time.perf_counter()
        deadline[0] = began + seconds
        start.set()
        await asyncio.gather(*tasks)
        window.append(time.perf_counter() - began)  # until the last request in flight at the deadline ended

    asyncio.run(main())
    return out, window[0]


def figures(name: str, samples: list[Any], clients: int, seconds: float) -> Figures:
    latencies = sorted(ms for _, status, ms in samples if status == 200 or isinstance(status, int))
    statuses: dict[str, int] = {}
    for _, status, _ms in samples:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    non_2xx = sum(n for s, n in statuses.items() if s.isdigit() and not 200 <= int(s) < 300)
    errors = sum(n for s, n in statuses.items() if not s.isdigit())
    return Figures(
        name,
        clients,
        round(seconds, 1),
        len(samples),
        round(len(samples) / seconds, 1),
        round(percentile(latencies, 50), 1),
        round(percentile(latencies, 90), 1),
        round(percentile(latencies, 99), 1),
        round(latencies[-1], 1) if latencies else float("nan"),
        non_2xx,
        errors,
        statuses,
    )


def sample_memory(pid: int, seconds: float, every: float, out: list[tuple[float, float]]) -> None:
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        out.append((round(time.perf_counter() - started, 1), round(rss_mb(pid), 1)))
        time.sleep(every)


def slope_per_minute(points: list[tuple[float, float]]) -> float:
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    var = sum((x - mx) ** 2 for x in xs)
    return 60 * sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / var if var else 0.0


# ---- the run ------------------------------------------------------------------------------------------------------


def review_texts(url: str, key: str, n: int = 200) -> list[str]:
    """Real (masked) review texts from the server itself, to score."""
    texts: list[str] = []
    cursor = None
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=60) as http:
        while len(texts) < n:
            params: dict[str, Any] = {"limit": 100, **({"cursor": cursor} if cursor else {})}
            page = http.get("/api/v1/reviews", params=params).raise_for_status().json()
            texts += [item["text"] for item in page["items"] if item.get("text")]
            cursor = page.get("next_cursor")
            if not cursor:
                break
    if not texts:
        raise SystemExit("the store has no reviews to score")
    return texts[:n]


def warm_up(url: str, key: str, scenarios: list[Scenario]) -> dict[str, float]:
    """One request of each scenario (the first score may train the default model; the first question loads the
    index): timed and reported, not part of the figures."""
    seconds = {}
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=900) as http:
        for scenario in scenarios:
            started = time.perf_counter()
            body = scenario.bodies[0] if scenario.bodies else None
            http.request(scenario.method, scenario.path, json=body).raise_for_status()
            seconds[scenario.name] = round(time.perf_counter() - started, 2)
    return seconds


def git_commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50, help="Concurrent clients per scenario.")
    parser.add_argument("--seconds", type=float, default=30.0, help="Seconds per scenario.")
    parser.add_argument("--memory-seconds", type=float, default=300.0, help="Length of the memory run.")
    parser.add_argument(
        "--memory-clients", type=int, default=20, help="Concurrent clients of the memory run."
    )
    parser.add_argument(
        "--quick", action="store_true", help="5 s scenarios and a 30 s memory run (a smoke run)."
    )
    parser.add_argument("--out-prefix", type=Path, default=RESULTS / "api_benchmark")
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="Folder for the store and home (kept); one that holds a store from an earlier run is reused as is.",
    )
    parser.add_argument(
        "--demo-only",
        action="append",
        default=[],
        metavar="STEP",
        help="Load only these demo steps (repeatable; e.g. corpus for a smoke run). Default: the whole demo.",
    )
    parser.add_argument(
        "--keep", action="store_true", help="Keep the temporary folder (store, home, server log)."
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds, args.memory_seconds = 5.0, 30.0

    reuse = args.workdir is not None and (args.workdir / "bench.db").exists()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="koubei-api-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "KOUBEI_HOME": str(work / "home"),
        "KOUBEI_DATABASE_URL": f"sqlite:///{work / 'bench.db'}",
        "KOUBEI_RATE_LIMIT": "0",
    }
    report: dict[str, Any] = {
        "command": "flock /tmp/koubei-heavy.lock .venv/bin/python benchmarks/api_benchmark.py"
        + (" " + " ".join(argv) if argv else " " + " ".join(sys.argv[1:])).rstrip(),
        "commit": git_commit(),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_before": [round(x, 2) for x in os.getloadavg()],
        },
        "started_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
    }
    server = None
    try:
        if reuse:
            report["demo_steps"] = f"reused {work}"
        else:
            print("loading the demo data (koubei demo --quick) ...", flush=True)
            only = [part for step in args.demo_only for part in ("--only", step)]
            _out, demo_s = run_cli(["demo", "--quick", "--json", *only], env, timeout=1800)
            report["demo_steps"] = args.demo_only or "all"
            report["demo_seconds"] = round(demo_s, 1)
        created, _ = run_cli(
            ["serve", "keys", "create", "--name", "bench", "--scope", "read", "--json"], env, 120
        )
        key = json.loads(created)["key"]

        server = start_server(env, work / "server.log")
        report["health"] = {
            "wall_seconds": round(server.health_s, 2),
            "server_cpu_seconds": round(server.health_cpu_s, 2),
            "target_seconds": HEALTH_TARGET_S,
        }
        print(f"/health after {server.health_s:.2f} s ({server.health_cpu_s:.2f} s CPU)", flush=True)
        texts = review_texts(server.url, key)
        listing = Scenario("review listing", "GET", "/api/v1/reviews?limit=20")
        scoring = Scenario(
            "score one review", "POST", "/api/v1/sentiment/score", [{"texts": [t]} for t in texts]
        )
        asking = Scenario(
            "customer-service question", "POST", "/api/v1/ask", [{"question": q} for q in QUESTIONS]
        )
        scenarios = [listing, scoring, asking]
        report["warm_up_seconds"] = warm_up(server.url, key, scenarios)
        report["rss_after_warm_up_mb"] = round(rss_mb(server.process.pid), 1)

        results = []
        for scenario in scenarios:
            samples, window = load(server.url, key, [scenario], args.clients, args.seconds)
            result = figures(scenario.name, samples, args.clients, window)
            results.append(result)
            print(
                f"{result.scenario}: {result.requests_per_s} req/s, p50 {result.p50_ms} ms, p99 "
                f"{result.p99_ms} ms, non-2xx {result.non_2xx}, errors {result.transport_errors}",
                flush=True,
            )
        report["scenarios"] = [asdict(r) for r in results]
        scored = results[1]
        report["target_p99"] = {
            "scenario": scored.scenario,
            "clients": scored.clients,
            "p99_ms": scored.p99_ms,
            "target_ms": P99_TARGET_MS,
            "met": scored.p99_ms < P99_TARGET_MS and scored.non_2xx == 0 and scored.transport_errors == 0,
        }

        print(
            f"memory run: {args.memory_seconds:.0f} s, {args.memory_clients} clients, mixed ...", flush=True
        )
        memory: list[tuple[float, float]] = []
        sampler = threading.Thread(
            target=sample_memory, args=(server.process.pid, args.memory_seconds, 1.0, memory), daemon=True
        )
        sampler.start()
        mixed, window = load(server.url, key, scenarios, args.memory_clients, args.memory_seconds)
        sampler.join()
        mixed_figures = figures("mixed (memory run)", mixed, args.memory_clients, window)
        minute = max(1, int(60 / 1.0))
        first, last = memory[:minute], memory[-minute:]
        half = memory[len(memory) // 2 :]
        report["memory"] = {
            "seconds": args.memory_seconds,
            "clients": args.memory_clients,
            "load": asdict(mixed_figures),
            "rss_mb_first_minute_mean": round(statistics.fmean(p[1] for p in first), 1),
            "rss_mb_last_minute_mean": round(statistics.fmean(p[1] for p in last), 1),
            "rss_mb_min": min(p[1] for p in memory),
            "rss_mb_max": max(p[1] for p in memory),
            "slope_mb_per_minute_second_half": round(slope_per_minute(half), 3),
            "samples": memory,
        }
        print(
            f"RSS {report['memory']['rss_mb_first_minute_mean']} -> {report['memory']['rss_mb_last_minute_mean']}"
            f" MB; slope over the second half {report['memory']['slope_mb_per_minute_second_half']} MB/min",
            flush=True,
        )
        report["server_exit_code"] = stop_server(server)
        server = None
    finally:
        if server is not None:
            stop_server(server)
        report["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
        report["finished_utc"] = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
        if args.keep or args.workdir is not None:
            report["workdir"] = str(work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    # The temporary folder's path is this machine's: the results name it <workdir>.
    report = json.loads(json.dumps(report, ensure_ascii=False).replace(str(work), "<workdir>"))
    write(report, args.out_prefix)
    return report


def write(report: dict[str, Any], prefix: Path) -> None:
    prefix.parent.mkdir(parents=True, exist_ok=True)
    prefix.with_suffix(".json").write_text(
        json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    lines = [
        "# koubei serve: API load benchmark",
        "",
        f"Command: `{report['command']}` (commit {report['commit']}, {report['started_utc']} - "
        f"{report['finished_utc']} UTC, {report['machine']['cpus']} CPUs, load average before "
        f"{report['machine']['load_average_before']}, after {report['machine']['load_average_after']}).",
        "",
        "Server: one `koubei serve` process (uvicorn, its default) on 127.0.0.1, SQLite store with the data of "
        f"`koubei demo --quick` (steps: {report.get('demo_steps')}; {report.get('demo_seconds', '-')} s to load), "
        "rate limit off for the benchmark key. "
        "Load: asyncio + httpx in a separate process on the same machine, closed loop (no think time), one "
        "connection per client.",
        "",
    ]
    health = report.get("health")
    if health:
        lines += [
            f"/health answered {health['wall_seconds']} s after the start ({health['server_cpu_seconds']} s of the "
            f"server's CPU); target {health['target_seconds']} s.",
            "",
        ]
    if report.get("scenarios"):
        lines += [
            "| scenario | clients | requests | req/s | p50 ms | p90 ms | p99 ms | max ms | non-2xx | errors |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        for s in report["scenarios"]:
            lines.append(
                f"| {s['scenario']} | {s['clients']} | {s['requests']} | {s['requests_per_s']} | {s['p50_ms']} | "
                f"{s['p90_ms']} | {s['p99_ms']} | {s['max_ms']} | {s['non_2xx']} | {s['transport_errors']} |"
            )
        t = report["target_p99"]
        lines += [
            "",
            f"Target: p99 < {t['target_ms']} ms scoring one review at {t['clients']} clients with no errors: "
            f"p99 {t['p99_ms']} ms, **{'met' if t['met'] else 'not met'}**.",
            "",
            f"Warm-up (first request of each, not in the figures): {report.get('warm_up_seconds')} s.",
            "",
        ]
    memory = report.get("memory")
    if memory:
        load_figures = memory["load"]
        lines += [
            f"Memory: RSS of the server sampled every second over a {memory['seconds']:.0f} s mixed run "
            f"({memory['clients']} clients, {load_figures['requests']} requests, {load_figures['requests_per_s']} "
            f"req/s, p99 {load_figures['p99_ms']} ms, non-2xx {load_figures['non_2xx']}): first minute "
            f"{memory['rss_mb_first_minute_mean']} MB, last minute {memory['rss_mb_last_minute_mean']} MB, "
            f"min {memory['rss_mb_min']}, max {memory['rss_mb_max']} MB; least-squares slope over the second half "
            f"{memory['slope_mb_per_minute_second_half']} MB/min.",
            "",
        ]
    prefix.with_suffix(".md").write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
