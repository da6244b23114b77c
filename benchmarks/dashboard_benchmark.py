"""Dashboard overview render time on a store of 100k reviews (issue 15's target: first render < 1 s).

Usage:  flock /tmp/koubei-heavy.lock python benchmarks/dashboard_benchmark.py [--reviews 100000]
            [--sentiment-model DIR] [--db URL] [--keep] [--out benchmarks/results]

The store is built the way a team's store is: real review texts (online_shopping_10_cats, read from ../shared/data
relative to the repository, reused round-robin when more reviews are asked for than it holds), 40 products in its
10 categories, users, creation times over 26 weeks and share cascades drawn with a fixed seed, all written as CSV
files and ingested through `koubei ingest`'s pipeline; then half the reviews lose their label and are scored by a
sentiment model (`--sentiment-model`, default KOUBEI_HOME's fast model, trained if missing), and aspects are
extracted for all of them (rules + lexicon) with the aggregates. Times: the overview pipeline alone, and `GET /`
through the real app (TestClient, a Bearer key): the first request of a new app ("first render"), the median of
10 more, and one request right after the overview's stored copy is dropped (what the first visitor after an
ingest waits). Writes dashboard_benchmark.json to `--out`.

`build_store` is also what the screenshots in docs/screenshots/ were taken on (`--reviews 20000`).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DATA = Path("../shared/data/online_shopping_10_cats/online_shopping_10_cats.csv")
END = datetime(2026, 11, 29, 20, 0)
WEEKS = 26
SEED = 15

TITLES = {
    "书籍": [
        "《山野来信》散文集 精装版",
        "Python 编程从入门到实践",
        "儿童百科全书 全 8 册",
        "经济学原理 第 8 版",
    ],
    "平板": ["轻薄平板 10.9 英寸 WiFi 版", "学习平板 护眼款", "平板电脑 Pro 12.4 英寸", "儿童平板 64G"],
    "手机": ["5G 智能手机 8+256G", "拍照手机 超清影像版", "老人手机 大字大声", "折叠屏手机 轻薄款"],
    "水果": ["赣南脐橙 5 斤装", "海南贵妃芒 3 斤", "新疆阿克苏苹果 10 斤", "智利车厘子 2 斤礼盒"],
    "洗发水": ["控油去屑洗发水 750ml", "氨基酸洗发露 500ml", "防脱固发洗发水", "柔顺护发洗发乳 家庭装"],
    "热水器": ["60 升电热水器 一级能效", "燃气热水器 16 升 恒温", "即热式小厨宝", "空气能热水器 200 升"],
    "蒙牛": ["纯牛奶 250ml×24 盒", "酸奶 原味 100g×8 杯", "高钙低脂奶 整箱", "儿童成长奶 190ml×15"],
    "衣服": ["宽松针织开衫 短款", "纯棉圆领 T 恤 男款", "羽绒服 轻薄款 女", "高腰直筒牛仔裤"],
    "计算机": ["轻薄笔记本电脑 14 英寸", "游戏本 16 英寸 RTX", "办公台式机 i5", "二合一笔记本 触屏"],
    "酒店": ["湖畔商务酒店 大床房", "市中心精品酒店 双床房", "海景度假酒店 套房", "机场快捷酒店 标准间"],
}
BRANDS = ["山禾", "青川", "北辰", "云栖"]


def _repo_path(path: Path) -> Path:
    return path if path.is_absolute() else REPO / path


def _relative(path: Path) -> str:
    return os.path.relpath(os.path.abspath(path), REPO)


def write_files(folder: Path, reviews: int, seed: int = SEED) -> dict[str, Path]:
    """products.csv, reviews.csv and shares.csv for `reviews` reviews (see the module docstring)."""
    rng = random.Random(seed)
    with _repo_path(DATA).open(encoding="utf-8") as fh:
        source = [row for row in csv.DictReader(fh) if row["review"].strip() and row["cat"] in TITLES]
    rng.shuffle(source)  # the file is sorted by category and label
    products = []
    for category, titles in TITLES.items():
        for i, title in enumerate(titles):
            products.append(
                {
                    "product_id": f"P{len(products) + 1:03d}",
                    "title": title,
                    "category": category,
                    "brand": BRANDS[i],
                    "price": round(rng.uniform(9, 6000), 2),
                    "attributes": json.dumps({"类目": category, "品牌": BRANDS[i]}, ensure_ascii=False),
                }
            )
    by_category: dict[str, list[dict[str, Any]]] = {}
    for p in products:
        by_category.setdefault(p["category"], []).append(p)
    users = [f"u{n:06d}" for n in range(max(50, reviews // 3))]
    burst_product = by_category["热水器"][0]["product_id"]  # one product with a late wave of complaints
    review_rows = []
    start = END - timedelta(weeks=WEEKS)
    span = (END - start).total_seconds()
    for n in range(reviews):
        src = source[n % len(source)]
        product = rng.choice(by_category[src["cat"]])
        # volume grows over the half year (more recent weeks have more reviews)
        when = start + timedelta(seconds=span * rng.random() ** 0.7)
        if src["label"] == "0" and product["product_id"] == burst_product and rng.random() < 0.5:
            when = END - timedelta(hours=rng.uniform(0, 40))
        review_rows.append(
            {
                "review_id": f"R{n + 1:07d}",
                "product_id": product["product_id"],
                "user_id": rng.choice(users),
                "label": "positive" if src["label"] == "1" else "negative",
                "text": src["review"],
                "created_at": when.isoformat(timespec="seconds"),
                "category": src["cat"],
                "source": "benchmark",
            }
        )
    share_rows = []
    for review in rng.sample(review_rows, k=max(1, reviews // 10)):
        frontier = [(None, review["user_id"], datetime.fromisoformat(review["created_at"]))]
        for _depth in range(rng.choice((1, 1, 2, 3))):
            nxt = []
            for parent, sharer, when in frontier:
                for _ in range(rng.choice((1, 1, 2, 3))):
                    share_id = f"S{len(share_rows) + 1:07d}"
                    to_user = rng.choice(users)
                    at = when + timedelta(hours=rng.uniform(1, 72))
                    if at > END:
                        continue  # not shared yet when the data ends
                    share_rows.append(
                        {
                            "share_id": share_id,
                            "from_user": sharer,
                            "to_user": to_user,
                            "item_id": review["review_id"],
                            "parent_share_id": parent or "",
                            "created_at": at.isoformat(timespec="seconds"),
                        }
                    )
                    nxt.append((share_id, to_user, at))
            frontier = nxt
    files = {}
    for name, rows in (("products", products), ("reviews", review_rows), ("shares", share_rows)):
        path = folder / f"{name}.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        files[name] = path
    return files


def unlabel_half(store: Any) -> None:
    """Every other review loses its own label, so half the sentiment comes from a model's stored scores."""
    from sqlalchemy import update

    from koubei.store.models import Review

    with store.session() as s:
        for digit in "13579":
            s.execute(update(Review).where(Review.review_id.like(f"%{digit}")).values(label=None))


def build_store(url: str, reviews: int, workdir: Path, sentiment_model: str | None = None) -> dict[str, Any]:
    """Ingest the generated files into the store at `url`, score, extract aspects; returns what each step took."""
    from koubei.pipelines.aspects import aspects_store, build_extractor
    from koubei.pipelines.ingest import ingest_file
    from koubei.pipelines.sentiment import resolve_model_dir, score_store, train_rows
    from koubei.store import Store

    steps: dict[str, Any] = {}
    started = time.perf_counter()
    files = write_files(workdir, reviews)
    steps["write_files_s"] = round(time.perf_counter() - started, 2)
    store = Store.open(url)
    try:
        for kind in ("products", "reviews", "shares"):
            summary = ingest_file(store, files[kind], kind, quarantine=workdir / f"{kind}-rejects.jsonl")
            steps[f"ingest_{kind}"] = {
                "stored": summary.stored,
                "rejected": summary.rejected,
                "s": summary.seconds,
            }
        unlabel_half(store)
        model_dir = resolve_model_dir(sentiment_model)
        if not (model_dir / "config.json").exists() and sentiment_model is None:
            from koubei.pipelines.sentiment import rows_from_store

            t0 = time.perf_counter()
            train_rows(rows_from_store(store, source="benchmark"), model_dir, "fast")
            steps["train_sentiment_s"] = round(time.perf_counter() - t0, 2)
        scored = score_store(store, model_dir)
        steps["score"] = {"model": scored.model, "written": scored.scored, "s": scored.seconds}
        extractor, name = build_extractor()
        aspects = aspects_store(store, extractor, name)
        steps["aspects"] = {"model": name, "mentions": aspects.mentions, "s": aspects.seconds}
    finally:
        store.close()
    return steps


def time_overview(url: str, repeats: int = 10) -> dict[str, Any]:
    """Times of the overview: recomputed (what a request pays right after the store changed), read from its
    stored copy, and `GET /` through the app: the first request of a new app, later ones, and one right after
    the stored copy was dropped (a changed store)."""
    from fastapi.testclient import TestClient

    from koubei.api.app import create_app
    from koubei.config import get_settings
    from koubei.pipelines.dashboard import CACHE_KIND, overview
    from koubei.pipelines.keys import create_api_key
    from koubei.store import Store
    from koubei.store.analysis import replace_aggregates

    def timed(call: Any) -> tuple[float, Any]:
        t0 = time.perf_counter()
        out = call()
        return time.perf_counter() - t0, out

    store = Store.open(url)
    try:
        key = create_api_key(store, "benchmark", "read").key
        recompute = [timed(lambda: overview(store, refresh=True))[0] for _ in range(3)]
        cached = []
        for _ in range(repeats):
            seconds, data = timed(lambda: overview(store))
            assert data.cached
            cached.append(seconds)
        settings = get_settings().model_copy(update={"rate_limit": 0})
        headers = {"Authorization": f"Bearer {key}"}
        with TestClient(create_app(settings, store=store)) as client:
            first_s, first = timed(lambda: client.get("/", headers=headers))
            assert first.status_code == 200, first.text[:300]
            later = []
            for _ in range(repeats):
                seconds, response = timed(lambda: client.get("/", headers=headers))
                assert response.status_code == 200
                later.append(seconds)
            replace_aggregates(store, CACHE_KIND, [])
            stale_s, stale = timed(lambda: client.get("/", headers=headers))
            assert stale.status_code == 200
        return {
            "weeks": len(data.weeks),
            "alerts": len(data.alerts),
            "praised": [a.aspect for a in data.praised],
            "recompute_median_s": round(statistics.median(recompute), 4),
            "recompute_max_s": round(max(recompute), 4),
            "cached_median_s": round(statistics.median(cached), 4),
            "cached_max_s": round(max(cached), 4),
            "page_first_render_s": round(first_s, 4),
            "page_median_s": round(statistics.median(later), 4),
            "page_max_s": round(max(later), 4),
            "page_after_change_s": round(stale_s, 4),
            "page_bytes": len(first.content),
        }
    finally:
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reviews", type=int, default=100_000)
    parser.add_argument("--sentiment-model", default=None)
    parser.add_argument("--db", default=None, help="store URL (default: a new SQLite file in a temp folder)")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder (its path is printed)")
    parser.add_argument(
        "--timings-only",
        action="store_true",
        help="time the store at --db as it is (built by an earlier run)",
    )
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="koubei-dashboard-"))
    url = args.db or f"sqlite:///{workdir / 'dashboard.db'}"
    if args.timings_only and not args.db:
        parser.error("--timings-only needs --db (the store an earlier run built and kept)")
    built = (
        {"reused": True}
        if args.timings_only
        else build_store(url, args.reviews, workdir, args.sentiment_model)
    )
    timings = time_overview(url)
    result = {
        "benchmark": "dashboard overview (GET /)",
        "reviews": args.reviews,
        "data": _relative(_repo_path(DATA)),
        "store": "sqlite (temp file)" if not args.db or args.timings_only else url.split(":", 1)[0],
        "build": built,
        "timings": timings,
        "target_first_render_s": 1.0,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_avg": os.getloadavg()},
        "when": datetime.now().isoformat(timespec="seconds"),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    name = "dashboard_benchmark-rerun.json" if args.timings_only else "dashboard_benchmark.json"
    (args.out / name).write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    print(json.dumps(result, ensure_ascii=False, indent=2))
    if args.keep:
        print(f"store kept in {workdir}")


if __name__ == "__main__":
    main()
