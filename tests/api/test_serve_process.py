"""`koubei serve` and `koubei demo --serve` as real processes on 127.0.0.1: /health soon after start, keys made with
the CLI work over HTTP, the demo's printed key opens its data, and SIGTERM stops the server cleanly."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from koubei.store import Store
from koubei.store.overview import table_counts

KOUBEI = [sys.executable, "-m", "koubei.cli.main"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_health(port: int, process: subprocess.Popen[str], limit: float = 60.0) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < limit:
        if process.poll() is not None:
            raise AssertionError(f"the server exited with {process.returncode}: {process.stderr.read()}")  # type: ignore[union-attr]
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1.0).status_code == 200:
                return time.perf_counter() - started
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise AssertionError(f"no /health answer within {limit} s")


def stop_gracefully(process: subprocess.Popen[str]) -> str:
    """SIGTERM, then the server's log; uvicorn shuts down and re-raises the signal (exit -15) once done."""
    process.send_signal(signal.SIGTERM)
    assert process.wait(30) in (0, -signal.SIGTERM)
    log = process.stderr.read()  # type: ignore[union-attr]
    assert "Application shutdown complete" in log
    return log


@pytest.fixture
def env(isolated_home: Path) -> dict[str, str]:
    return {**os.environ, "KOUBEI_HOME": str(isolated_home), "KOUBEI_JOB_WORKERS": "0"}


@pytest.fixture
def stop() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(10)


def test_koubei_serve_answers_health_and_keys_work(tmp_path: Path, env: dict[str, str], stop) -> None:
    db = f"sqlite:///{tmp_path / 'served.db'}"
    created = subprocess.run(
        [*KOUBEI, "serve", "keys", "create", "--name", "ops", "--scope", "read", "--db", db],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    key = re.search(r"kb_[\w-]{43}", created.stdout).group(0)  # type: ignore[union-attr]
    port = free_port()
    process = subprocess.Popen(
        [*KOUBEI, "serve", "--port", str(port), "--db", db],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    stop.append(process)
    seconds = wait_for_health(port, process)
    print(f"/health answered {seconds:.2f} s after start")
    base = f"http://127.0.0.1:{port}"
    assert httpx.get(f"{base}/api/v1/reviews").status_code == 401
    listed = httpx.get(f"{base}/api/v1/reviews?limit=5", headers={"Authorization": f"Bearer {key}"})
    assert listed.status_code == 200 and listed.json() == {
        "items": [],
        "next_cursor": None,
        "sentiment_model": None,
        "aspect_model": None,
    }
    assert httpx.get(f"{base}/openapi.json").json()["info"]["title"] == "koubei"
    log = stop_gracefully(process)
    assert "GET /api/v1/reviews 200" in log and "limit=5" not in log  # no query strings in the log
    assert key not in log


def test_demo_serve_opens_the_demo_data(tmp_path: Path, env: dict[str, str], stop) -> None:
    db = f"sqlite:///{tmp_path / 'demo.db'}"
    port = free_port()
    process = subprocess.Popen(
        [*KOUBEI, "demo", "--quick", "--only", "corpus", "--serve", "--port", str(port), "--db", db],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    stop.append(process)
    wait_for_health(port, process, limit=300)
    output = ""
    while "kb_" not in output:
        output += process.stdout.readline()  # type: ignore[union-attr]
    key = re.search(r"kb_[\w-]{43}", output).group(0)  # type: ignore[union-attr]
    assert f"http://127.0.0.1:{port}/" in output
    headers = {"Authorization": f"Bearer {key}"}
    summary = httpx.get(f"http://127.0.0.1:{port}/api/v1/sentiment/summary", headers=headers).json()
    with Store.open(db) as store:
        stored = table_counts(store)["reviews"]
    assert (
        summary["reviews"] == stored > 2500
    )  # the quick demo's corpus: 1,500 lines of each label, deduplicated
    assert httpx.get(f"http://127.0.0.1:{port}/api/v1/keys", headers=headers).status_code == 200  # admin
    stop_gracefully(process)
