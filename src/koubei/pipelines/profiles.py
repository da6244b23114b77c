"""Profile use cases: build (incrementally) the users' profiles, segment them, export them pseudonymously.

`koubei profile build|segments|export`, the API, jobs and the demo call these. `build_profiles` fits the profile
model once (or when `refit`), saves it under KOUBEI_HOME/models/profiles, and on later runs recomputes only the
users whose data changed since their profile was built (a per-user digest of their rows) or whose profile came
from another model version.
"""

from __future__ import annotations

import csv
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from koubei.analysis.profiles.activity import UserActivity
from koubei.analysis.profiles.features import ProfileConfig, ProfileModel
from koubei.artifacts import atomic_path, default_model_dir
from koubei.errors import BadInputError, NotFoundError
from koubei.progress import Progress, or_null
from koubei.results import Result
from koubei.store import Store

MODEL_NAME = "profiles"


def load_activity(store: Store) -> UserActivity:
    """Everything a profile is built from: reviews, aspect mentions, orders, users, follows/shares and cascades."""
    from koubei.social.cascades import cascades_from_shares
    from koubei.social.graph import from_follows
    from koubei.store.profiles import read_profile_inputs
    from koubei.store.social import read_follows, read_shares

    inputs = read_profile_inputs(store)
    follows = read_follows(store)
    shares = read_shares(store)
    graph = from_follows(follows, shares) if (follows or shares) else None
    cascades = cascades_from_shares(shares) if shares else []
    return UserActivity.from_rows(
        users=inputs["users"],
        reviews=inputs["reviews"],
        mentions=inputs["mentions"],
        orders=inputs["orders"],
        graph=graph,
        cascades=cascades,
    )


@dataclass
class ProfileBuild(Result):
    model_version: str
    model_dir: Path
    refitted: bool
    users: int
    recomputed: int
    unchanged: int
    removed: int
    status: dict[str, int]
    rfm_classes: dict[str, int]
    value_source: str
    value_params: dict[str, list[float]]
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


def build_profiles(
    store: Store,
    *,
    model_dir: Path | None = None,
    config: ProfileConfig | None = None,
    refit: bool = False,
    progress: Progress | None = None,
    activity: UserActivity | None = None,
) -> ProfileBuild:
    """Fit (first time, `refit`, or a different `config`) and build profiles of users whose data changed."""
    from koubei.analysis.profiles.influence import cascade_reach
    from koubei.store.profiles import delete_profiles_except, read_signatures, write_profiles

    progress = or_null(progress)
    started = time.perf_counter()
    folder = Path(model_dir) if model_dir is not None else default_model_dir(MODEL_NAME)
    progress.start(None, "steps", "profiles: read the store")
    activity = activity if activity is not None else load_activity(store)
    if not activity.users:
        raise BadInputError(
            "no users to profile: the store has no reviews, orders or users (run `koubei ingest reviews FILE`)"
        )
    model: ProfileModel | None = None
    if not refit and (folder / "meta.json").is_file():
        model = ProfileModel.load(folder)
        if config is not None and model.config != config:
            model = None  # asked for other settings: a new model
    refitted = model is None
    if model is None:
        progress.note(f"fitting the profile model on {len(activity.users):,} users")
        model = ProfileModel(config).fit(activity)
        model.save(folder)
    signatures = activity.signatures(cascade_reach(activity.cascades))
    stored = read_signatures(store)
    version = model.model_version_
    # a refit rebuilds everyone (the code or the data behind the shared state changed); otherwise only users
    # whose own rows changed, or whose profile came from another model version
    changed = (
        list(activity.users)
        if refitted
        else [u for u in activity.users if stored.get(u) != (version, signatures.get(u))]
    )
    progress.start(len(changed), "users", "profiles")
    built = model.transform(activity, changed)
    rows = [
        {
            "user_id": user,
            "model_version": version,
            "signature": signatures[user],
            "status": status,
            "features": profile,
            "embedding": {
                "dims": int(built.embeddings.shape[1]),
                "vector": [round(float(v), 5) for v in vec],
            },
        }
        for user, status, profile, vec in zip(
            built.user_ids, built.status, built.profiles, built.embeddings, strict=True
        )
    ]
    write_profiles(store, rows)
    progress.advance(len(rows))
    removed = delete_profiles_except(store, set(activity.users))
    from koubei.store.profiles import profile_counts

    status, classes = profile_counts(store)
    return ProfileBuild(
        model_version=version,
        model_dir=folder,
        refitted=refitted,
        users=len(activity.users),
        recomputed=len(changed),
        unchanged=len(activity.users) - len(changed),
        removed=removed,
        status=dict(sorted(status.items())),
        rfm_classes=dict(sorted(classes.items(), key=lambda kv: -kv[1])),
        value_source=model.value_source_,
        value_params=model.value_params_,
        notes=built.notes,
        seconds=round(time.perf_counter() - started, 3),
    )


# ---- one user ------------------------------------------------------------------------------------------------


@dataclass
class UserProfileView(Result):
    user_id: str
    model_version: str
    status: str
    segment: int | None
    features: dict[str, Any]


def user_profile(store: Store, user_id: str) -> UserProfileView:
    from koubei.store.profiles import read_profiles

    rows = read_profiles(store, [user_id])
    if not rows:
        raise NotFoundError(
            f"user {user_id!r} has no profile: unknown user, or run `koubei profile build` first"
        )
    row = rows[0]
    return UserProfileView(
        row["user_id"], row["model_version"], row["status"], row["segment"], row["features"]
    )


# ---- segments ------------------------------------------------------------------------------------------------


@dataclass
class SegmentReport(Result):
    segmentation: str
    k: int
    criterion: str
    silhouettes: dict[int, float]
    users: int
    segments: list[dict[str, Any]]
    feature_names: list[str]
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


def segment_users(
    store: Store,
    *,
    k_min: int = 2,
    k_max: int = 8,
    seed: int = 0,
    progress: Progress | None = None,
) -> SegmentReport:
    """Cluster the stored profiles (k by silhouette), name the segments, report fairness, store the result."""
    from koubei.analysis.profiles.fairness import distribution_report
    from koubei.analysis.profiles.segments import SegmentConfig, segment_profiles
    from koubei.store.profiles import read_profiles, write_segments
    from koubei.store.social import read_users

    progress = or_null(progress)
    started = time.perf_counter()
    rows = read_profiles(store)
    if not rows:
        raise BadInputError("the store has no profiles yet: run `koubei profile build` first")
    ids = [r["user_id"] for r in rows]
    progress.start(k_max - k_min + 1, "k", "segments")
    result = segment_profiles(
        ids, [r["features"] for r in rows], SegmentConfig(k_min=k_min, k_max=k_max, seed=seed)
    )
    progress.advance(k_max - k_min + 1)
    attributes = {u["user_id"]: u["attributes"] for u in read_users(store)}
    for seg in result.segments:
        members = [u for u, lab in zip(ids, result.labels, strict=True) if lab == seg["segment"]]
        seg["fairness"] = distribution_report(members, ids, attributes)
    segmentation = f"seg-{time.strftime('%Y%m%dT%H%M%S')}-k{result.k}-s{seed}"
    write_segments(
        store,
        segmentation,
        [
            {
                **s,
                "details": {
                    k: v
                    for k, v in s.items()
                    if k not in ("segment", "name_en", "name_zh", "persona", "size")
                },
            }
            for s in result.segments
        ],
        {u: int(lab) for u, lab in zip(ids, result.labels, strict=True)},
    )
    return SegmentReport(
        segmentation=segmentation,
        k=result.k,
        criterion=f"highest mean silhouette over k = {k_min}..{k_max} (k-means, seed {seed})",
        silhouettes={k: round(v, 4) for k, v in result.silhouettes.items()},
        users=len(ids),
        segments=result.segments,
        feature_names=result.feature_names,
        notes=result.notes,
        seconds=round(time.perf_counter() - started, 3),
    )


# ---- export --------------------------------------------------------------------------------------------------


@dataclass
class ProfileExport(Result):
    path: Path
    rows: int
    pseudonymous: bool
    format: str
    note: str


@dataclass
class StoredSegments(Result):
    segmentation: str | None
    segments: list[dict[str, Any]]


def stored_segments(store: Store) -> StoredSegments:
    """The latest stored segmentation (empty when `koubei profile segments` has not run)."""
    from koubei.store.profiles import read_segments

    rows = read_segments(store)
    segments = [
        {k: r[k] for k in ("segment", "name_en", "name_zh", "persona", "size")} | dict(r["details"] or {})
        for r in rows
    ]
    return StoredSegments(rows[0]["segmentation"] if rows else None, segments)


@dataclass
class ProfilePage(Result):
    items: list[dict[str, Any]]
    total: int
    offset: int
    pseudonymous: bool


def profile_records(
    store: Store, *, real_ids: bool = False, offset: int = 0, limit: int | None = None
) -> ProfilePage:
    """Profiles as export records, ids pseudonymized (keyed hash) unless `real_ids`; a page when `limit`."""
    from koubei.analysis.profiles.privacy import pseudonym, pseudonym_key
    from koubei.config import get_settings
    from koubei.store.profiles import read_profiles

    rows = read_profiles(store)
    key = None if real_ids else pseudonym_key(get_settings().home)
    page = rows[offset : None if limit is None else offset + limit]
    items = [
        {
            "user_id": r["user_id"] if key is None else pseudonym(r["user_id"], key),
            "model_version": r["model_version"],
            "status": r["status"],
            "segment": r["segment"],
            **r["features"],
            "embedding": r["embedding"].get("vector", []),
        }
        for r in page
    ]
    return ProfilePage(items, len(rows), offset, not real_ids)


def export_profiles(store: Store, out: Path, *, real_ids: bool = False) -> ProfileExport:
    """Write every profile to `out` (.jsonl, or .csv with nested fields as JSON), ids pseudonymized unless
    `real_ids`. Segment example users are not exported (they are ids)."""
    suffix = out.suffix.lower()
    if suffix not in (".jsonl", ".csv"):
        raise BadInputError(f"--output {str(out)!r}: expected a .jsonl or .csv file name")
    records = profile_records(store, real_ids=real_ids).items
    if not records:
        raise BadInputError("the store has no profiles yet: run `koubei profile build` first")
    with atomic_path(out) as tmp, tmp.open("w", encoding="utf-8", newline="") as fh:
        if suffix == ".jsonl":
            for rec in records:
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
        else:
            columns = list(records[0])
            writer = csv.DictWriter(fh, fieldnames=columns)
            writer.writeheader()
            for rec in records:
                writer.writerow(
                    {
                        k: json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v
                        for k, v in rec.items()
                    }
                )
    note = (
        "real user ids (--real-ids): this file identifies people; keep it where personal data may be"
        if real_ids
        else "pseudonymous ids (keyed hash; the key stays in KOUBEI_HOME/pseudonym_key or KOUBEI_PSEUDONYM_KEY)"
    )
    return ProfileExport(out, len(records), not real_ids, suffix[1:], note)


# ---- fairness of any user list (segments, target lists) -----------------------------------------------------


@dataclass
class FairnessReport(Result):
    group_size: int
    base_size: int
    attributes: dict[str, Any]
    note: str


def user_list_fairness(store: Store, user_ids: list[str]) -> FairnessReport:
    """How gender, age and region (where the store has them) are distributed in `user_ids` (e.g. a target list)
    against every user the store knows (users with a row or a review), for `koubei profile targets` to report."""
    from koubei.analysis.profiles.fairness import distribution_report
    from koubei.store.social import read_users

    attributes = {u["user_id"]: u["attributes"] for u in read_users(store)}
    base = list(dict.fromkeys([*attributes, *(r["user_id"] for r in _review_authors(store))]))
    report = distribution_report(user_ids, base, attributes)
    return FairnessReport(report["group_size"], report["base_size"], report["attributes"], report["note"])


def _review_authors(store: Store) -> list[dict[str, Any]]:
    from sqlalchemy import select

    from koubei.store.models import Review

    with store.session() as s:
        return [
            {"user_id": u}
            for (u,) in s.execute(select(Review.user_id).where(Review.user_id.is_not(None)).distinct())
        ]
