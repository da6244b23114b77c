"""Fixtures of the dashboard tests, on top of tests/api/conftest.py's store and keys.

- `web_store`: `api_store` plus tests/web/data: a product whose title and brand are HTML, reviews carrying
  `<img onerror>` / `<svg onload>`, and share cascades of two of the hand-made reviews (for /wom);
- `web_client`: a TestClient of the app on `web_store`;
- `trained_model`: a fast sentiment model trained on `web_store`'s labelled reviews, where the app looks for
  the scoring model (KOUBEI_HOME/models/sentiment-fast), so product pages mark the decisive words;
- `live_server`: the real app served by uvicorn on a free 127.0.0.1 port (in a thread), on `web_store`;
- `browser`: Debian's chromium driven by Playwright (never `playwright install`), one per test module;
- `logged_in_page(key)`: a fresh browser page that has logged in through the login form.
A page that raises a JavaScript error, or a dialog that opens, fails the test: `page_errors` and `dialogs`
are collected on every page these fixtures make.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import admin_key, api_settings, api_store, make_api_store, make_client, read_key  # noqa: F401

DATA = Path(__file__).parent / "data"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    def __init__(self, app: Any) -> None:
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def serve(store: Any, **overrides: Any) -> LiveServer:
    from koubei.api.app import create_app

    return LiveServer(create_app(api_settings(**overrides), store=store))


@pytest.fixture
def web_store(api_store: Any, tmp_path: Path) -> Any:  # noqa: F811
    from koubei.pipelines.ingest import ingest_file

    for kind in ("products", "reviews", "shares"):
        ingest_file(api_store, DATA / f"{kind}.csv", kind, quarantine=tmp_path / f"web-{kind}.jsonl")
    return api_store


@pytest.fixture
def web_client(web_store: Any) -> Iterator[Any]:
    with make_client(web_store) as client:
        yield client


@pytest.fixture
def trained_model(web_store: Any) -> Path:
    from koubei.pipelines.sentiment import default_sentiment_dir, rows_from_store, train_rows

    folder = default_sentiment_dir("fast")
    rows = [
        r for r in rows_from_store(web_store) if r.label in ("positive", "negative")
    ]  # 2 neutral: too few
    train_rows(rows, folder, "fast", holdout=0.2, seed=0)
    return folder


@pytest.fixture
def live_server(web_store: Any) -> Iterator[LiveServer]:
    with serve(web_store) as server:
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium; .ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def watch(page: Any) -> Any:
    """Record page errors, console errors (e.g. a CSP refusal) and dialogs on `page` (dialogs are dismissed)."""
    page.page_errors = []
    page.console_errors = []
    page.dialogs = []
    page.on("pageerror", lambda error: page.page_errors.append(str(error)))
    page.on("console", lambda msg: page.console_errors.append(msg.text) if msg.type == "error" else None)

    def on_dialog(dialog: Any) -> None:
        page.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return page


@pytest.fixture
def new_page(browser: Any) -> Iterator[Callable[..., Any]]:
    contexts: list[Any] = []

    def make(locale: str = "zh-CN", width: int = 1366, height: int = 900) -> Any:
        context = browser.new_context(locale=locale, viewport={"width": width, "height": height})
        contexts.append(context)
        return watch(context.new_page())

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def logged_in_page(live_server: LiveServer, new_page: Callable[..., Any]) -> Callable[..., Any]:
    def make(key: str, locale: str = "zh-CN", **size: int) -> Any:
        page = new_page(locale=locale, **size)
        page.goto(live_server.url + "/login")
        page.fill("#key", key)
        page.click("button[type=submit]")
        page.wait_for_url(live_server.url + "/")
        return page

    return make
