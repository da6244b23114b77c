"""Take the dashboard screenshots in this folder: every page, in Chinese, in headless Chromium.

Usage:  python docs/screenshots/take_screenshots.py --db URL [--home DIR] [--lang zh|en] [--out docs/screenshots]

Starts the app on the store at URL (uvicorn on a free 127.0.0.1 port), creates an admin key in it, logs in through
the login form, visits each page (running the planner, a copy generation and a customer-service question, so the
interactive parts are on the picture too) and saves one full-page PNG per page. The PNGs committed here were taken
on the store `benchmarks/dashboard_benchmark.py`'s `build_store` makes with 20,000 reviews, with the demo's copy
and sentiment models under --home.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS, serve  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--home", default=None, help="KOUBEI_HOME (models, indexes)")
    parser.add_argument("--lang", default="zh", choices=("zh", "en"))
    parser.add_argument("--product", default="P001")
    parser.add_argument("--question", default="这本书的纸张质量怎么样？")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent)
    args = parser.parse_args()
    if args.home:
        os.environ["KOUBEI_HOME"] = args.home
    from playwright.sync_api import sync_playwright

    from koubei.pipelines.keys import create_api_key
    from koubei.store import Store

    store = Store.open(args.db)
    key = create_api_key(store, "screenshots", "admin").key
    suffix = "" if args.lang == "zh" else "-en"
    with serve(store) as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        locale = "zh-CN" if args.lang == "zh" else "en-US"
        page = browser.new_context(locale=locale, viewport={"width": 1366, "height": 900}).new_page()
        page.set_default_timeout(240_000)  # first uses load models and indexes
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(server.url + "/login")
        page.screenshot(path=str(args.out / f"login{suffix}.png"))
        page.fill("#key", key)
        page.click("button[type=submit]")
        page.wait_for_url(server.url + "/")

        def shot(name: str) -> None:
            page.wait_for_timeout(600)  # charts draw after DOMContentLoaded
            page.screenshot(path=str(args.out / f"{name}{suffix}.png"), full_page=True)

        shot("overview")
        page.goto(f"{server.url}/products/{args.product}")
        shot("product")
        page.goto(server.url + "/reviews?q=" + ("物流" if args.lang == "zh" else "delivery"))
        shot("reviews")
        page.goto(server.url + "/wom")
        page.click("#plan-title ~ form button[type=submit]")
        page.wait_for_selector("#plan-result table", timeout=120_000)
        shot("wom")
        page.goto(server.url + "/copy")
        page.select_option("#product_id", args.product)
        page.fill("#persona", "上班族" if args.lang == "zh" else "office workers")
        page.click("#gen-title ~ form button[type=submit]")
        page.wait_for_selector("#copy-result .candidate, #copy-result .notice", timeout=120_000)
        shot("copy")
        page.goto(server.url + "/support")
        page.fill("#question", args.question)
        page.click("#ask-form button[type=submit]")
        page.wait_for_selector("#chat .msg.assistant", timeout=180_000)
        shot("support")
        page.goto(server.url + "/jobs")
        shot("jobs")
        browser.close()
    store.close()
    print("\n".join(errors) if errors else "no page errors")


if __name__ == "__main__":
    main()
