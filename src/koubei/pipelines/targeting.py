"""Targeting use cases: whom to approach for a product, which products to show a user, what rating they will give.

`koubei profile targets`, `koubei profile next`, `koubei profile ratings` and the profile benchmark call these.
The models (the interest recommender and the rating model, `koubei.analysis.profiles.{recommend,rating}`) are
fitted on the store's reviews, orders and catalog and saved under KOUBEI_HOME/models/targeting with the store's
data version (row counts and newest ingest time): a later call loads them when the store has not changed and
refits them when it has, so a new ingest is never ignored and an unchanged store costs no refit.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from koubei.analysis.profiles.rating import RatingConfig, RatingModel
from koubei.analysis.profiles.recommend import Recommender, RecommenderConfig, build_interactions
from koubei.analysis.profiles.targets import (
    TargetConfig,
    TargetUser,
    WordOfMouth,
    check_target_options,
    positive_word_of_mouth,
    rank_targets,
    recent_detractors,
    top_items,
)
from koubei.artifacts import atomic_path, default_model_dir, read_json, write_json
from koubei.errors import BadInputError, NotFoundError
from koubei.progress import Progress, or_null
from koubei.results import Result
from koubei.store import Store

POINTER = "current.json"  # written last: which data version the saved models were fitted on


@dataclass
class TargetingModels:
    """The fitted models and the facts about the store they need at ranking time."""

    recommender: Recommender
    rating: RatingModel
    data_version: dict[str, Any]
    refitted: bool
    path: Path | None
    detractors: set[str] = field(default_factory=set)  # recent detractors under the default TargetConfig


def _fit(store: Store, rec_config: RecommenderConfig, rating_config: RatingConfig) -> tuple[Any, ...]:
    from koubei.store.interactions import read_catalog, read_order_interactions, read_review_interactions

    reviews = read_review_interactions(store)
    orders = read_order_interactions(store)
    data = build_interactions(reviews, orders, read_catalog(store))
    recommender = Recommender(rec_config).fit(data)
    rated = [r for r in reviews if r["rating"] is not None]
    if not rated:
        raise BadInputError(
            "no review in the store has a rating (1-5); ratings and advocacy need rated reviews"
        )
    rating = RatingModel(rating_config).fit(
        [r["user_id"] for r in rated], [r["product_id"] for r in rated], [int(r["rating"]) for r in rated]
    )
    return recommender, rating, reviews


def load_models(
    store: Store,
    *,
    model_dir: Path | None = None,
    refit: bool = False,
    recommender_config: RecommenderConfig = RecommenderConfig(),
    rating_config: RatingConfig = RatingConfig(),
    target_config: TargetConfig = TargetConfig(),
    save: bool = True,
    progress: Progress | None = None,
) -> TargetingModels:
    """The models for the store: loaded from `model_dir` (default KOUBEI_HOME/models/targeting) when they were
    fitted on the store's current data with the same configs, else fitted now (and saved unless `save` is false)."""
    from koubei.store.interactions import data_version, read_review_interactions

    progress = or_null(progress)
    folder = model_dir or default_model_dir("targeting")
    version = data_version(store)
    configs = {"recommender": rec_asdict(recommender_config), "rating": rec_asdict(rating_config)}
    pointer = folder / POINTER
    if not refit and pointer.is_file():
        record = read_json(pointer, what="targeting model pointer")
        if (
            isinstance(record, dict)
            and record.get("data_version") == version
            and record.get("configs") == configs
        ):
            recommender = Recommender.load(folder / "recommender")
            rating = RatingModel.load(folder / "rating")
            detractors = _detractors(read_review_interactions(store), target_config)
            return TargetingModels(recommender, rating, version, False, folder, detractors)
    progress.start(None, "steps", "targeting: fitting the interest and rating models on the store")
    recommender, rating, reviews = _fit(store, recommender_config, rating_config)
    path: Path | None = None
    if save:
        recommender.save(folder / "recommender", data_version=version)
        rating.save(folder / "rating", data_version=version)
        write_json(pointer, {"data_version": version, "configs": configs})
        path = folder
    return TargetingModels(recommender, rating, version, True, path, _detractors(reviews, target_config))


def rec_asdict(config: Any) -> dict[str, Any]:
    from dataclasses import asdict

    return asdict(config)


def _detractors(reviews: Sequence[dict[str, Any]], config: TargetConfig) -> set[str]:
    return recent_detractors(reviews, days=config.detractor_days, max_rating=config.detractor_max_rating)


# ---- targets ------------------------------------------------------------------------------------------------


@dataclass
class TargetList(Result):
    """`koubei profile targets`: users to approach for one product, in rank order, and the holdout kept out."""

    product_id: str
    budget: int
    users: list[TargetUser]
    holdout: list[str]
    eligible_users: int
    excluded: dict[str, int]
    word_of_mouth: str
    notes: list[str]
    config: dict[str, Any]
    seconds: float
    fairness: dict[str, Any] = field(default_factory=dict)  # protected attributes: the list against all users

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["users"] = [u.to_dict() for u in self.users]
        return out

    def line(self) -> dict[str, Any]:
        """The batch output line: {"product_id", "users": [{"user_id", "score", "reasons"}], "fairness"}."""
        return {
            "product_id": self.product_id,
            "users": [u.to_dict() for u in self.users],
            "fairness": self.fairness,
        }


def _reason_lines(models: TargetingModels, product: int) -> Any:
    rec = models.recommender

    def reasons(u: int) -> list[str]:
        why = rec.explain(u, product)
        out: list[str] = []
        if why["via_products"]:
            out.append(f"reviewed or bought related products: {', '.join(why['via_products'])}")
        if why["shared_words"]:
            out.append(f"writes about: {', '.join(why['shared_words'])}")
        if why["category"]:
            out.append(
                f"{why['category_share']:.0%} of their {why['interactions']} interactions in {why['category']}"
            )
        return out

    return reasons


def _graph_for(store: Store) -> tuple[Any, np.ndarray] | None:
    from koubei.store.social import social_counts

    counts = social_counts(store)
    if not counts["follows"] and not counts["shares"]:
        return None
    from koubei.pipelines.wom import load_graph, probabilities

    loaded = load_graph(None, store)
    return loaded.graph, probabilities(loaded.graph, "wc", 0.01, None)


def product_targets(
    store: Store,
    product_id: str,
    budget: int,
    *,
    exclude_detractors: bool = False,
    holdout: float = 0.1,
    seed: int = 0,
    models: TargetingModels | None = None,
    graph: tuple[Any, np.ndarray] | bool | None = True,
    progress: Progress | None = None,
) -> TargetList:
    """The `budget` users to approach for `product_id`, with reasons, and the seeded holdout kept out.

    `graph`: True reads the store's follows and shares (word of mouth is scored when there are any); a
    (graph, probabilities) pair uses that one; None or False scores no word of mouth.
    """
    from koubei.store.interactions import read_opted_out

    started = time.perf_counter()
    config = TargetConfig(holdout=holdout, seed=seed, exclude_detractors=exclude_detractors)
    check_target_options(budget, holdout)
    models = models or load_models(store, progress=progress)
    rec = models.recommender
    item = rec.item_position(product_id)
    if item is None:
        raise NotFoundError(
            f"product_id {product_id!r} is not in the store (no review, order or catalog row names it)"
        )
    n_users = len(rec.user_ids_)
    eligible = np.ones(n_users, dtype=bool)
    already = rec.seen_users(item)
    eligible[already] = False
    opted = read_opted_out(store)
    opted_idx = [p for p in (rec.user_position(u) for u in opted) if p is not None and eligible[p]]
    eligible[opted_idx] = False
    excluded = {"already_reviewed_or_bought": int(already.size), "opted_out": len(opted_idx)}
    if exclude_detractors:
        det = [p for p in (rec.user_position(u) for u in models.detractors) if p is not None and eligible[p]]
        eligible[det] = False
        excluded["recent_detractors"] = len(det)
    interest = rec.user_scores(item)
    p_positive = models.rating.p_positive(rec.user_ids_, [product_id] * n_users)
    notes: list[str] = []
    wom: WordOfMouth | None = None
    pair = _graph_for(store) if graph is True else (graph or None)
    if pair is None:
        wom_note = "not scored: the store has no follows or shares (ingest them to add word of mouth)"
    else:
        advocates = [
            rec.user_ids_[i] for i in np.flatnonzero(eligible & (p_positive >= config.speak_well)).tolist()
        ]
        wom = positive_word_of_mouth(pair[0], pair[1], advocates, budget, config)
        wom_note = (
            f"scored on a graph of {wom.users_in_graph} users: reach from {wom.rr_sets} RR sets, "
            f"IMM seeds among {len(advocates)} users with P(>= 4 stars) >= {config.speak_well}"
        )
    ranked = rank_targets(
        rec.user_ids_,
        interest,
        eligible,
        budget,
        p_positive=p_positive,
        wom=wom,
        reasons=_reason_lines(models, item),
        config=config,
    )
    if ranked.eligible < budget + len(ranked.holdout):
        notes.append(
            f"budget {budget} is more than the {ranked.eligible} eligible users allow with the holdout: "
            f"{len(ranked.users)} listed, {len(ranked.holdout)} held out"
        )
    from koubei.pipelines.profiles import user_list_fairness

    # Protected attributes are never features of the interest score; the report shows any skew they end up with.
    fairness = user_list_fairness(store, [u.user_id for u in ranked.users]).to_dict()
    if rec.popularity_[item] == 0:
        notes.append(
            "nobody reviewed or bought this product yet: interest comes from its text and category only"
        )
    return TargetList(
        product_id=str(product_id),
        budget=budget,
        users=ranked.users,
        holdout=ranked.holdout,
        eligible_users=ranked.eligible,
        excluded=excluded,
        word_of_mouth=wom_note,
        notes=notes,
        config=rec_asdict(config),
        seconds=time.perf_counter() - started,
        fairness=fairness,
    )


def write_target_list(result: TargetList, output: Path) -> Path:
    """Write one target list: .csv (rank, user_id, score, reasons joined by '; ') or .json (the whole result)."""
    suffix = output.suffix.lower()
    if suffix == ".csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["rank", "user_id", "score", "reasons"])
        for rank, user in enumerate(result.users, 1):
            writer.writerow([rank, user.user_id, f"{user.score:.6f}", "; ".join(user.reasons)])
        for user_id in result.holdout:
            writer.writerow(["holdout", user_id, "", "kept out at random to measure the campaign's lift"])
        text = buffer.getvalue()
    elif suffix in (".json", ".jsonl"):
        text = (
            json.dumps(result.to_dict(), ensure_ascii=False, indent=None if suffix == ".jsonl" else 2) + "\n"
        )
    else:
        raise BadInputError(f"--output {str(output)!r}: expected a .csv or .json file name")
    with atomic_path(output) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return output


# ---- batch files --------------------------------------------------------------------------------------------


@dataclass
class BatchWritten(Result):
    """A batch command's outcome: lines written, rows rejected (with reasons in the rejects file)."""

    output: str
    written: int
    rejected: int
    rejects_file: str | None
    seconds: float
    notes: list[str] = field(default_factory=list)


def _read_rows(path: Path, id_field: str) -> tuple[list[tuple[int, dict[str, Any]]], list[dict[str, Any]]]:
    """Rows of a JSONL/CSV input file (through `koubei.ingest.readers`): good rows and rejects with reasons."""
    from koubei.ingest.readers import read_table

    table = read_table(path)
    good: list[tuple[int, dict[str, Any]]] = []
    rejects: list[dict[str, Any]] = []
    for row in table.rows:
        value = row.values.get(id_field)
        if row.problem:
            rejects.append({"line": row.number, "reason": row.problem, "row": row.values})
        elif value is None or str(value).strip() == "":
            rejects.append({"line": row.number, "reason": f"{id_field} is missing", "row": row.values})
        else:
            good.append((row.number, row.values))
    if not table.rows:
        raise BadInputError(f"{str(path)!r} has no rows; expected one JSON object per line with {id_field!r}")
    return good, rejects


def _write_lines(output: Path, lines: list[dict[str, Any]], rejects: list[dict[str, Any]]) -> str | None:
    with atomic_path(output) as tmp, tmp.open("w", encoding="utf-8") as handle:
        for line in lines:
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")
    if not rejects:
        return None
    rejects_path = output.with_name(output.name + ".rejects.jsonl")
    with atomic_path(rejects_path) as tmp, tmp.open("w", encoding="utf-8") as handle:
        for reject in rejects:
            handle.write(json.dumps(reject, ensure_ascii=False, default=str) + "\n")
    return str(rejects_path)


def _whole(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise BadInputError(f"{name} must be a whole number >= 1, got {value!r}")
    try:
        number = int(value)
    except ValueError:
        raise BadInputError(f"{name} must be a whole number >= 1, got {value!r}") from None
    if number < 1:
        raise BadInputError(f"{name} must be a whole number >= 1, got {value!r}")
    return number


def batch_targets(
    store: Store,
    products_file: Path,
    output: Path,
    *,
    budget: int = 100,
    exclude_detractors: bool = False,
    holdout: float = 0.1,
    seed: int = 0,
    progress: Progress | None = None,
) -> BatchWritten:
    """`koubei profile targets --products FILE --output FILE`: one output line per good input line (JSONL
    `{"product_id", "budget"?}`), `{"product_id", "users": [...]}` in rank order; bad lines go to the rejects file."""
    started = time.perf_counter()
    check_target_options(budget, holdout)
    good, rejects = _read_rows(products_file, "product_id")
    models = load_models(store, progress=progress)
    pair = _graph_for(store)
    progress = or_null(progress)
    progress.start(len(good), "products", "targets")
    lines: list[dict[str, Any]] = []
    for number, row in good:
        try:
            own_budget = budget if row.get("budget") is None else _whole(row["budget"], "budget")
            result = product_targets(
                store,
                str(row["product_id"]),
                own_budget,
                exclude_detractors=exclude_detractors,
                holdout=holdout,
                seed=seed,
                models=models,
                graph=pair,
            )
        except BadInputError as error:
            rejects.append({"line": number, "reason": str(error), "row": row})
        else:
            lines.append(result.line())
        progress.advance(1)
    rejects.sort(key=lambda r: r["line"])
    return BatchWritten(
        str(output),
        len(lines),
        len(rejects),
        _write_lines(output, lines, rejects),
        time.perf_counter() - started,
    )


# ---- next products ------------------------------------------------------------------------------------------


@dataclass
class NextProducts(Result):
    user_id: str
    products: list[dict[str, Any]]


def next_for_user(models: TargetingModels, user_id: str, k: int = 10) -> NextProducts:
    """The `k` products `user_id` is most likely to want next, never one they reviewed or bought."""
    rec = models.recommender
    u = rec.user_position(user_id)
    if u is None:
        raise NotFoundError(f"user_id {user_id!r} has no reviews or orders in the store")
    scores = rec.item_scores(u)
    best = top_items(scores, rec.seen_items(u), k)
    return NextProducts(
        str(user_id), [{"product_id": rec.item_ids_[i], "score": round(float(scores[i]), 6)} for i in best]
    )


def next_products(
    store: Store, users_file: Path, output: Path, *, k: int = 10, progress: Progress | None = None
) -> BatchWritten:
    """`koubei profile next --users FILE --k K --output FILE`: one line per good input line
    (`{"user_id", "products": [{"product_id", "score"}]}`, rank order); unknown users and bad lines are rejected."""
    started = time.perf_counter()
    k = _whole(k, "k")
    good, rejects = _read_rows(users_file, "user_id")
    models = load_models(store, progress=progress)
    progress = or_null(progress)
    progress.start(len(good), "users", "next products")
    lines: list[dict[str, Any]] = []
    short = 0
    for number, row in good:
        try:
            result = next_for_user(models, str(row["user_id"]), k)
        except BadInputError as error:
            rejects.append({"line": number, "reason": str(error), "row": row})
        else:
            short += len(result.products) < k
            lines.append(result.to_dict())
        progress.advance(1)
    rejects.sort(key=lambda r: r["line"])
    notes = (
        [f"{short} user(s) got fewer than {k} products (they reviewed or bought the rest)"] if short else []
    )
    return BatchWritten(
        str(output),
        len(lines),
        len(rejects),
        _write_lines(output, lines, rejects),
        time.perf_counter() - started,
        notes,
    )


# ---- ratings ------------------------------------------------------------------------------------------------


@dataclass
class RatingPrediction(Result):
    user_id: str
    product_id: str
    rating: int  # the median of the predicted distribution
    expected: float
    p_positive: float  # P(rating >= 4)
    known_user: bool


def predict_ratings(models: TargetingModels, pairs: Sequence[tuple[str, str]]) -> list[RatingPrediction]:
    """Predicted ratings for (user_id, product_id) pairs (unknown users or products: the global prior)."""
    users = [str(u) for u, _ in pairs]
    items = [str(p) for _, p in pairs]
    if not pairs:
        return []
    rating = models.rating
    proba = rating.predict_proba(users, items)
    median = np.argmax(np.cumsum(proba, axis=1) >= 0.5, axis=1) + 1
    expected = proba @ np.arange(1, 6)
    positive = proba[:, 3:].sum(axis=1)
    return [
        RatingPrediction(
            u,
            p,
            int(median[j]),
            round(float(expected[j]), 4),
            round(float(positive[j]), 4),
            rating.knows_user(u),
        )
        for j, (u, p) in enumerate(zip(users, items, strict=True))
    ]


def rate_pairs(
    store: Store, pairs_file: Path, output: Path, *, progress: Progress | None = None
) -> BatchWritten:
    """`koubei profile ratings --pairs FILE --output FILE`: one line per good `{"user_id", "product_id"}` line."""
    started = time.perf_counter()
    good, rejects = _read_rows(pairs_file, "user_id")
    keep: list[tuple[int, dict[str, Any]]] = []
    for number, row in good:
        if row.get("product_id") is None or str(row["product_id"]).strip() == "":
            rejects.append({"line": number, "reason": "product_id is missing", "row": row})
        else:
            keep.append((number, row))
    models = load_models(store, progress=progress)
    predictions = predict_ratings(models, [(str(r["user_id"]), str(r["product_id"])) for _, r in keep])
    rejects.sort(key=lambda r: r["line"])
    unknown = sum(not p.known_user for p in predictions)
    notes = (
        [f"{unknown} pair(s) of users with no rated review: predicted from the global prior"]
        if unknown
        else []
    )
    return BatchWritten(
        str(output),
        len(predictions),
        len(rejects),
        _write_lines(output, [p.to_dict() for p in predictions], rejects),
        time.perf_counter() - started,
        notes,
    )
