"""The dashboard's overview: what a marketer reads first each morning, computed from the store in one call.

Weekly review volume, net sentiment and the word-of-mouth index (`koubei.social.wom_index`'s definition, over the
whole store), the most praised and criticised aspects of the last weeks, and the negative-burst alerts that are
still open (`koubei.social.alerts`, tested on the last `OPEN_DAYS` days of data). Every series comes from GROUP BY
queries (`koubei.store.dashboard`), and alerts read only the recent window they need, so the page stays fast on a
store of 100k reviews (`benchmarks/dashboard_benchmark.py` measures it).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from koubei.results import Result
from koubei.store import Store

log = logging.getLogger(__name__)
OPEN_DAYS = 7  # an alert whose burst window ended in the last week of data is still open
ASPECT_WEEKS = (
    4  # "most praised / criticised" looks at the last four weeks of data (all time when they are empty)
)
TOP_ASPECTS = 6


@dataclass
class AspectCount(Result):
    aspect: str
    mentions: int
    share: float  # of this aspect's mentions, the share with this sentiment


@dataclass
class Overview(Result):
    totals: dict[str, Any]
    weeks: list[str]  # ISO weeks, e.g. 2026-W47, oldest first, no gaps
    volume: list[int]  # reviews written per week
    shares: list[int]  # shares of stored reviews / products per week
    net_sentiment: list[float | None]  # (positive - negative) / labelled reviews; None for a week with none
    wom_index: list[float]
    praised: list[AspectCount]
    criticized: list[AspectCount]
    aspects_since: str | None  # the first day the aspect lists count (None: all time)
    alerts: list[dict[str, Any]]
    alerts_as_of: str | None  # the last day of data the alerts were tested on
    sentiment_model: str | None
    aspect_model: str | None
    computed_at: str = ""
    cached: bool = False  # read from the stored copy
    stale: bool = False  # ... although the store has changed since (a newer copy is being computed)
    seconds: float = field(default=0.0)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Overview:
        values = dict(data)
        for key in ("praised", "criticized"):
            values[key] = [AspectCount(**a) for a in values[key]]
        return cls(**values)


def _iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _as_date(value: str) -> date:
    return date.fromisoformat(str(value)[:10])


def _label(value: Any) -> str | None:
    from koubei.social.wom_index import normalize_label

    return normalize_label(value)


def weekly_series(store: Store, model: str | None) -> dict[str, list[Any]]:
    """Weeks (no gaps), review volume, shares, net sentiment and WOM index per week."""
    from koubei.social.wom_index import index_value
    from koubei.store.dashboard import weekly_reach, weekly_review_labels, weekly_share_labels

    empty: dict[str, list[Any]] = {
        "weeks": [],
        "volume": [],
        "shares": [],
        "net_sentiment": [],
        "wom_index": [],
    }
    reviews = weekly_review_labels(store, model)
    shares = weekly_share_labels(store, model)
    if not reviews and not shares:
        return empty
    reach = {_as_date(w): n for w, n in weekly_reach(store).items()}
    cells: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for kind, rows in (("reviews", reviews), ("shares", shares)):
        for week, raw_label, n in rows:
            cell = cells[_as_date(week)]
            cell[kind] += n
            label = _label(raw_label)
            if label is not None:
                cell[f"{kind}_{label}"] += n
    first, last = min(cells), max(cells)
    out: dict[str, list[Any]] = {key: [] for key in empty}
    monday = first
    while monday <= last:
        cell = cells.get(monday, {})
        pos_r, neg_r = cell.get("reviews_positive", 0), cell.get("reviews_negative", 0)
        labelled_r = pos_r + neg_r + cell.get("reviews_neutral", 0)
        pos = pos_r + cell.get("shares_positive", 0)
        neg = neg_r + cell.get("shares_negative", 0)
        labelled = labelled_r + cell.get("shares_positive", 0) + cell.get("shares_negative", 0)
        labelled += cell.get("shares_neutral", 0)
        volume = cell.get("reviews", 0) + cell.get("shares", 0)
        wom_net = (pos - neg) / labelled if labelled else 0.0
        out["weeks"].append(_iso_week(monday))
        out["volume"].append(cell.get("reviews", 0))
        out["shares"].append(cell.get("shares", 0))
        out["net_sentiment"].append(round((pos_r - neg_r) / labelled_r, 4) if labelled_r else None)
        out["wom_index"].append(round(index_value(wom_net, volume, reach.get(monday, 0)), 4))
        monday += timedelta(days=7)
    return out


def top_aspects(
    counts: list[tuple[str, str, int]], sentiment: str, k: int = TOP_ASPECTS
) -> list[AspectCount]:
    """The `k` aspects with the most mentions of `sentiment` (ties by name), with that sentiment's share."""
    per_aspect: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for aspect, label, n in counts:
        per_aspect[aspect][label] += n
    ranked = sorted(
        ((a, c[sentiment], sum(c.values())) for a, c in per_aspect.items() if c.get(sentiment)),
        key=lambda t: (-t[1], t[0]),
    )[:k]
    return [AspectCount(a, n, round(n / total, 4)) for a, n, total in ranked]


def open_alerts(
    store: Store, model: str | None, last_day: date | None
) -> tuple[list[dict[str, Any]], str | None]:
    """Negative-burst alerts (per product) whose window ended in the last `OPEN_DAYS` days of data.

    Only the events those tests need are read: the baseline and window before the first open day. A product whose
    history starts before that load window is tested exactly as on the full data (its baseline is complete).
    """
    from koubei.social.alerts import AlertConfig, detect_bursts
    from koubei.social.wom_index import build_events
    from koubei.store.dashboard import labelled_reviews_since, product_brands, product_titles, shares_since

    if last_day is None:
        return [], None
    config = AlertConfig()
    start = last_day - timedelta(days=OPEN_DAYS - 1)
    load_from = datetime.combine(
        start - timedelta(days=config.window_days + config.baseline_days), datetime.min.time()
    )
    reviews = labelled_reviews_since(store, load_from, model)
    shares = shares_since(store, load_from)
    products = sorted({str(r["product_id"]) for r in reviews if r["product_id"]})
    events = build_events(reviews, shares, product_brands(store, products))
    alerts, _summary = detect_bursts(events, config, group_by="product", start=start, end=last_day)
    titles = product_titles(store, sorted({a.key for a in alerts}))
    rows = [{**a.to_dict(), "title": titles.get(a.key)} for a in alerts]
    # The newest burst per product, strongest first: one line per product a marketer should look at.
    newest: dict[str, dict[str, Any]] = {}
    for row in sorted(rows, key=lambda r: r["day"]):
        newest[row["key"]] = row
    return sorted(newest.values(), key=lambda r: (r["p_value"], -r["count"], r["key"])), last_day.isoformat()


CACHE_KIND = "dashboard_overview"  # the aggregates row that keeps the last computed overview


_refreshing: dict[str, threading.Thread] = {}  # store URL -> the background recomputation under way
_refresh_lock = threading.Lock()


def _store_copy(store: Store, fingerprint: dict[str, int]) -> Overview:
    from koubei.store.analysis import replace_aggregates

    data = compute_overview(store)
    data.computed_at = datetime.now().isoformat(timespec="seconds")
    metrics = {"fingerprint": fingerprint, "overview": data.to_dict()}
    replace_aggregates(
        store, CACHE_KIND, [{"group_by": "all", "group_key": "all", "period": "all", "metrics": metrics}]
    )
    return data


def _refresh_in_background(store: Store, fingerprint: dict[str, int]) -> None:
    """Recompute and store the overview in a thread (one per store at a time)."""

    def run() -> None:
        try:
            _store_copy(store, fingerprint)
        except Exception:  # a failed refresh leaves the old copy; the next page view tries again
            log.warning("the dashboard overview could not be refreshed", exc_info=True)
        finally:
            with _refresh_lock:
                _refreshing.pop(store.url, None)

    with _refresh_lock:
        if store.url in _refreshing:
            return
        thread = threading.Thread(target=run, name="koubei-overview-refresh", daemon=True)
        _refreshing[store.url] = thread
    thread.start()


def wait_for_refresh(store: Store, timeout: float | None = None) -> None:
    """Wait for a background refresh of `store`'s overview to finish (tests, benchmarks)."""
    with _refresh_lock:
        thread = _refreshing.get(store.url)
    if thread is not None:
        thread.join(timeout)


def overview(store: Store, *, refresh: bool = False, background: bool = False) -> Overview:
    """The overview, from its stored copy while the store is unchanged (`store_fingerprint`), else computed now
    and stored. Computing reads every review (grouped in the database: seconds on 100k reviews); reading the copy
    reads one row. With `background` (the page), a changed store gets its old copy back at once, marked `stale`,
    while a thread computes the new one (stale-while-revalidate): only a store never shown before waits for
    the computation. `refresh` recomputes now regardless."""
    from koubei.store.analysis import read_aggregates
    from koubei.store.dashboard import store_fingerprint

    started = time.perf_counter()
    fingerprint = store_fingerprint(store)
    if not refresh:
        for row in read_aggregates(store, CACHE_KIND, group_by="all", group_key="all", period="all"):
            if not isinstance(row.get("overview"), dict):
                break
            try:
                cached = Overview.from_dict(row["overview"])
            except (TypeError, KeyError):
                break  # written by an older release with other fields: compute it again
            fresh = row.get("fingerprint") == fingerprint
            if fresh or background:
                cached.cached = True
                cached.stale = not fresh
                if not fresh:
                    _refresh_in_background(store, fingerprint)
                cached.seconds = round(time.perf_counter() - started, 4)
                return cached
    data = _store_copy(store, fingerprint)
    data.seconds = round(time.perf_counter() - started, 4)
    return data


def compute_overview(store: Store) -> Overview:
    """Everything the overview page shows, computed from the store as it is now."""
    from koubei.store.analysis import latest_sentiment_model
    from koubei.store.dashboard import aspect_sentiment_counts, busiest_aspect_model, store_totals

    started = time.perf_counter()
    totals = store_totals(store)
    model = latest_sentiment_model(store)
    series = weekly_series(store, model)
    aspect_model = busiest_aspect_model(store)
    last: datetime | None = totals["last_review_at"]
    praised: list[AspectCount] = []
    criticized: list[AspectCount] = []
    since: date | None = None
    if aspect_model is not None:
        counts: list[tuple[str, str, int]] = []
        if last is not None:
            since = last.date() - timedelta(weeks=ASPECT_WEEKS)
            counts = aspect_sentiment_counts(
                store, aspect_model, since=datetime.combine(since, datetime.min.time())
            )
        if not counts:
            since = None
            counts = aspect_sentiment_counts(store, aspect_model)
        praised, criticized = top_aspects(counts, "positive"), top_aspects(counts, "negative")
    alerts, as_of = open_alerts(store, model, last.date() if last else None)
    return Overview(
        totals={k: v.isoformat() if isinstance(v, datetime) else v for k, v in totals.items()},
        weeks=series["weeks"],
        volume=series["volume"],
        shares=series["shares"],
        net_sentiment=series["net_sentiment"],
        wom_index=series["wom_index"],
        praised=praised,
        criticized=criticized,
        aspects_since=since.isoformat() if since else None,
        alerts=alerts,
        alerts_as_of=as_of,
        sentiment_model=model,
        aspect_model=aspect_model,
        seconds=round(time.perf_counter() - started, 4),
    )


# ---- a product's page ------------------------------------------------------------------------------------------

SAMPLE_REVIEWS = 6
REPLY_DRAFTS = 3


@dataclass
class ProductPage(Result):
    overview: Any  # koubei.pipelines.catalog.ProductOverview
    summary: Any | None  # koubei.generation.summarize.ReviewSummary (None: no reviews to summarise)
    samples: list[dict[str, Any]]  # newest reviews, each with "highlights": [[start, end, tone], ...]
    explained_by: str | None  # the sentiment model whose word weights are highlighted (None: no model yet)
    replies: list[dict[str, Any]]  # drafts for the newest negative reviews: {review, draft}


def highlight_spans(spans: list[Any], label: str, k: int = 4) -> list[list[Any]]:
    """The `k` words that weighed most for the label, as [start, end, tone] in text order (tone: the label the
    word pushed toward), non-overlapping: what the page marks."""
    other = {"positive": "negative", "negative": "positive"}.get(label, "neutral")
    top = sorted(spans, key=lambda s: -abs(s.weight))[:k]
    chosen: list[list[Any]] = []
    for span in sorted(top, key=lambda s: s.start):
        if chosen and span.start < chosen[-1][1]:
            continue
        chosen.append([span.start, span.end, label if span.weight > 0 else other])
    return chosen


def product_page(store: Store, product_id: str) -> ProductPage:
    """A product's aspect sentiment and trend, a summary of its reviews, its newest reviews with the words that
    decided their sentiment, and reply drafts (not saved) for its newest negative reviews."""
    from koubei.errors import NotFoundError
    from koubei.pipelines.catalog import product_overview
    from koubei.pipelines.copy import reply_to_review, summarize_product
    from koubei.pipelines.reviews import list_reviews, review_filter

    found = product_overview(store, product_id)  # NotFoundError for an unknown product
    try:
        summary = summarize_product(store, product_id)
    except NotFoundError:
        summary = None
    samples = list_reviews(store, review_filter(product_id=product_id), limit=SAMPLE_REVIEWS).items
    explained_by = None
    for row in samples:
        row["highlights"] = []
    explained = _explain([r["text"] for r in samples]) if samples else None
    if explained is not None:
        explained_by, explanations = explained
        for row, explanation in zip(samples, explanations, strict=True):
            row["highlights"] = highlight_spans(explanation.spans, explanation.label)
    negative = list_reviews(store, review_filter(product_id=product_id, label="negative"), limit=REPLY_DRAFTS)
    replies = [
        {"review": row, "draft": reply_to_review(review_id=row["review_id"], store=store, save=False).draft}
        for row in negative.items
    ]
    return ProductPage(found, summary, samples, explained_by, replies)


def _explain(texts: list[str]) -> tuple[str, list[Any]] | None:
    """(model name, explanations) from the model that scores, when one is there: a page view never trains one
    (`koubei.pipelines.scoring` trains the default on first scoring instead). Texts are the stored masked ones."""
    from koubei.pipelines.scoring import loaded_model, scoring_model_dir

    folder = scoring_model_dir(train_default=False)
    if not (folder / "meta.json").is_file():
        return None
    model, name = loaded_model(folder)
    return name, [model.explain(text) for text in texts]
