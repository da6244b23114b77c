"""kill -9 of an ingest while its workers validate rows leaves no process behind (forkserver, resource tracker and
workers all end within seconds)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads the process table from /proc"
)


def _process_table() -> dict[int, tuple[int, str, str]]:
    """pid -> (parent pid, state, command line) of every process."""
    table: dict[int, tuple[int, str, str]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                command = cmdline.read().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        table[int(entry)] = (int(fields[1]), fields[0], command)
    return table


def _descendants(root: int) -> dict[int, str]:
    table = _process_table()
    found: dict[int, str] = {}
    frontier = {root}
    while frontier:
        frontier = {pid for pid, (parent, _, _) in table.items() if parent in frontier and pid not in found}
        found.update({pid: table[pid][2] for pid in frontier})
    return found


def _survivors(pids: dict[int, str], seconds: float) -> dict[int, str]:
    """Those of `pids` still running (not zombies) after waiting up to `seconds` for them to end."""
    deadline = time.monotonic() + seconds
    while True:
        table = _process_table()
        alive = {
            pid: command for pid, command in pids.items() if pid in table and table[pid][1] not in ("Z", "X")
        }
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.2)


def _kill_and_check(process: subprocess.Popen[str], children: dict[int, str]) -> None:
    try:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        alive = _survivors(children, seconds=4.0)
    finally:
        for pid in _survivors(children, 0):  # never leave them behind for the next test
            os.kill(pid, signal.SIGKILL)
    assert not alive, f"still running {4.0} s after kill -9 of their parent: {alive}"


def test_pool_workers_die_with_a_killed_parent() -> None:
    script = (
        "import os, time\n"
        "from koubei.ingest.pool import worker_pool\n"
        "pool = worker_pool(2)\n"
        "busy = [pool.submit(time.sleep, 120) for _ in range(2)]\n"
        "queued = [pool.submit(time.sleep, 120) for _ in range(4)]\n"
        "while len(pool._processes) < 2 or not all(f.running() for f in busy):\n"
        "    time.sleep(0.05)\n"
        "print('ready', flush=True)\n"
        "time.sleep(120)\n"
    )
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    children = _descendants(process.pid)
    assert sum("forkserver" in c for c in children.values()) >= 3  # the forkserver and its two workers
    assert any("resource_tracker" in c for c in children.values())
    _kill_and_check(process, children)


@pytest.mark.slow
def test_kill_9_of_koubei_ingest_during_validation_leaves_no_process(tmp_path: Path) -> None:
    from koubei.ingest import loader

    if min(loader._usable_cores(), loader.MAX_WORKERS) < 2:
        pytest.skip("one core: ingest validates without worker processes")
    source = tmp_path / "big.csv"
    text = "物流很快，质量不错，包装也很好，客服态度好，会再来买的。" * 6
    with source.open("w", encoding="utf-8") as out:
        out.write("review_id,text\n")
        out.writelines(f"r{i},{text}{i}\n" for i in range(loader.PARALLEL_MIN_ROWS * 3))
    command = [
        sys.executable,
        "-c",
        "from koubei.cli.main import run; run()",
        "ingest",
        "reviews",
        str(source),
        "--db",
        f"sqlite:///{tmp_path / 'store.db'}",
        "--json",
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True)
    deadline = time.monotonic() + 60
    children: dict[int, str] = {}
    while time.monotonic() < deadline and process.poll() is None:
        children = _descendants(process.pid)
        if sum("forkserver" in c for c in children.values()) >= 3:
            break
        time.sleep(0.05)
    assert process.poll() is None, "the ingest ended before its workers could be seen"
    time.sleep(0.5)  # let the workers take their first chunks
    children = _descendants(process.pid)
    _kill_and_check(process, children)
