"""Demo step: know the customers — user profiles (interests, aspect priorities, voice, RFM, value) and segments
named in plain words, through `koubei.pipelines.profiles` (the flow of `koubei profile build` and `segments`).

Uses the store's own users when at least `MIN_REAL_USERS` of them wrote reviews. The bundled corpus has no user
ids, so otherwise the step makes clearly labelled GENERATED users from the store's real reviews
(`koubei.analysis.profiles.synthetic`) and keeps them in a store of their own under the demo's workdir, never in
the user's store. Rendered by `koubei.cli.demo_views.profiles`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from koubei.results import Result

ORDER = 45
TITLE = "Know the customers: profiles and segments"
SHOWS = "user profiles (interests, aspects, voice, RFM, customer value) and segments named in plain words"
SECONDS = (15, 40)
MIN_REAL_USERS = 30


@dataclass
class ProfilesStep(Result):
    source: str
    generated_users: bool
    users: int
    profiles_built: int
    status: dict[str, int]
    rfm_classes: dict[str, int]
    value_source: str
    k: int
    criterion: str
    silhouettes: dict[int, float]
    segments: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)
    seconds: float = field(default=0.0)


def _real_user_count(store: Any) -> int:
    from sqlalchemy import func, select

    from koubei.store.models import Review

    with store.session() as s:
        return int(s.scalar(select(func.count(func.distinct(Review.user_id)))) or 0)


def run(ctx: Any) -> ProfilesStep:
    from koubei.pipelines.profiles import build_profiles, segment_users
    from koubei.store import Store

    progress = getattr(ctx, "progress", None)
    model_dir = ctx.workdir / "profiles-model"
    real = _real_user_count(ctx.store)
    if real >= MIN_REAL_USERS:
        store, owned = ctx.store, False
        source = f"the store's {real:,} users who wrote reviews"
        activity = None
    else:
        from koubei.analysis.profiles.synthetic import generate_activity
        from koubei.store.analysis import read_aspect_mentions, read_training_reviews

        reviews = read_training_reviews(ctx.store)
        if not reviews:
            from koubei.errors import BadInputError

            raise BadInputError("the store has no reviews to build profiles from (run the corpus step first)")
        n_users = 300 if ctx.quick else 1000
        activity = generate_activity(
            reviews, read_aspect_mentions(ctx.store), n_users=n_users, end_day=time.time() / 86400, seed=7
        )
        store = Store.open(f"sqlite:///{ctx.workdir / 'profiles-demo.db'}")
        owned = True
        source = (
            f"GENERATED users (not real people: the store has {real} users with reviews): {n_users:,} users, each "
            f"given real reviews of the store's corpus, kept in {ctx.workdir / 'profiles-demo.db'}"
        )
    try:
        built = build_profiles(store, model_dir=model_dir, refit=True, progress=progress, activity=activity)
        segments = segment_users(store, k_max=6, seed=0, progress=progress)
    finally:
        if owned:
            store.close()
    return ProfilesStep(
        source=source,
        generated_users=owned,
        users=built.users,
        profiles_built=built.recomputed,
        status=built.status,
        rfm_classes=built.rfm_classes,
        value_source=built.value_source,
        k=segments.k,
        criterion=segments.criterion,
        silhouettes=segments.silhouettes,
        segments=[
            {k: s[k] for k in ("segment", "name_en", "name_zh", "size", "persona", "rfm_overlap", "value")}
            for s in segments.segments
        ],
        notes=built.notes + segments.notes,
    )
