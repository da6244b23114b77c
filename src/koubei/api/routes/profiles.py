"""User profiles, segments, pseudonymous export and erasure (`koubei profile ...`, `koubei forget` over HTTP).

Reads need the read scope; building, segmenting, real-id export and erasure need admin. Thin: every route calls
one function of `koubei.pipelines.profiles` / `koubei.pipelines.forget`. Building profiles of a large store takes
a while: the API answers when it is done (a job kind can wrap it later).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from koubei.api.deps import AdminPrincipal, ReadPrincipal, StoreDep

router = APIRouter(prefix="/api/v1", tags=["profiles"])

UserId = Annotated[str, Path(min_length=1, max_length=128)]


class BuildBody(BaseModel):
    refit: bool = Field(default=False, description="Fit a new profile model and rebuild every user")


class SegmentBody(BaseModel):
    k_min: int = Field(default=2, ge=2, le=20)
    k_max: int = Field(default=8, ge=2, le=20)
    seed: int = Field(default=0, ge=0, le=2**32 - 1)  # scikit-learn takes seeds in [0, 2**32)


@router.post("/profiles/build", summary="Build user profiles (only users with new data are recomputed)")
def build(store: StoreDep, _principal: AdminPrincipal, body: BuildBody | None = None) -> dict[str, Any]:
    from koubei.pipelines import profiles  # on use: profiles load scipy and scikit-learn

    return profiles.build_profiles(store, refit=(body or BuildBody()).refit).to_dict()


@router.get(
    "/profiles/segments", summary="The latest segments: names (zh/en), sizes, RFM overlap, value, fairness"
)
def segments(store: StoreDep, _principal: ReadPrincipal) -> dict[str, Any]:
    from koubei.pipelines import profiles  # on use: profiles load scipy and scikit-learn

    return profiles.stored_segments(store).to_dict()


@router.post(
    "/profiles/segments", summary="Segment the profiled users (k by silhouette) and store the result"
)
def make_segments(
    store: StoreDep, _principal: AdminPrincipal, body: SegmentBody | None = None
) -> dict[str, Any]:
    b = body or SegmentBody()
    from koubei.errors import BadInputError

    if b.k_max < b.k_min:
        raise BadInputError(f"k_max {b.k_max} is below k_min {b.k_min}")
    from koubei.pipelines import profiles  # on use: profiles load scipy and scikit-learn

    return profiles.segment_users(store, k_min=b.k_min, k_max=b.k_max, seed=b.seed).to_dict()


@router.get("/profiles/export", summary="Profiles with pseudonymous ids (keyed hash), a page at a time")
def export(
    store: StoreDep,
    _principal: ReadPrincipal,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    from koubei.pipelines import profiles  # on use: profiles load scipy and scikit-learn

    return profiles.profile_records(store, offset=offset, limit=limit).to_dict()


@router.get("/profiles/{user_id}", summary="One user's profile (the store's own id)")
def profile(store: StoreDep, _principal: AdminPrincipal, user_id: UserId) -> dict[str, Any]:
    from koubei.pipelines import profiles  # on use: profiles load scipy and scikit-learn

    return profiles.user_profile(store, user_id).to_dict()


@router.delete("/users/{user_id}", summary="Erase a user everywhere (right to erasure)")
def forget_user(store: StoreDep, _principal: AdminPrincipal, user_id: UserId) -> dict[str, Any]:
    from koubei.pipelines import forget  # on use: profiles load scipy and scikit-learn

    return forget.forget_user(store, user_id).to_dict()
