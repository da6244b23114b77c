"""Profiles through the store, on SQLite and PostgreSQL: build, incremental rebuild (only users with new data are
recomputed), segments stored, pseudonymous export, and forgetting a user everywhere."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from koubei.errors import BadInputError, NotFoundError
from koubei.pipelines.ingest import ingest_file
from tests.analysis.profiles.conftest import ingest_all, write_jsonl


@pytest.fixture
def loaded(store: object, store_files: dict[str, Path]) -> object:
    ingest_all(store, store_files)
    return store


def test_build_uses_orders_graph_and_shares(loaded: object) -> None:
    from koubei.pipelines.profiles import build_profiles, user_profile

    result = build_profiles(loaded)  # type: ignore[arg-type]
    assert result.users == 12 and result.recomputed == 12 and result.refitted
    assert result.value_source == "orders"
    assert sum(result.status.values()) == 12 and sum(result.rfm_classes.values()) == 12
    assert result.status["detractor"] == 6 and "unknown" not in result.rfm_classes
    assert "gamma_gamma" in result.value_params
    u0 = user_profile(loaded, "u0").features  # type: ignore[arg-type]
    assert u0["orders"] == 4 and u0["rfm"]["monetary"] == pytest.approx((10 + 14 + 18 + 22) / 4)
    assert u0["value"]["expected_value"] is not None and u0["value"]["expected_value"] > 0
    # u1..u5 follow u0: five listeners; u0 -> u1 -> u2 shares: reach 2 for u0, 1 for u1
    assert u0["influence"]["listeners"] == 5 and u0["influence"]["cascade_reach"] == 2
    assert user_profile(loaded, "u1").features["influence"]["cascade_reach"] == 1  # type: ignore[arg-type]
    assert user_profile(loaded, "u6").status == "detractor"  # type: ignore[arg-type]
    assert user_profile(loaded, "u11").features["opt_out"] is True  # type: ignore[arg-type]
    assert u0["opt_out"] is False
    assert any("covers" in note for note in result.notes)  # u8.. are in no follow or share
    with pytest.raises(NotFoundError, match="no profile"):
        user_profile(loaded, "nobody")  # type: ignore[arg-type]


def test_rebuild_recomputes_only_changed_users(
    loaded: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from koubei.analysis.profiles.features import ProfileModel
    from koubei.pipelines.profiles import build_profiles, user_profile

    build_profiles(loaded)  # type: ignore[arg-type]
    asked: list[list[str]] = []
    original = ProfileModel.transform

    def spy(self: ProfileModel, activity: object, users: list[str] | None = None) -> object:
        asked.append(list(users or []))
        return original(self, activity, users)  # type: ignore[arg-type]

    monkeypatch.setattr(ProfileModel, "transform", spy)
    again = build_profiles(loaded)  # type: ignore[arg-type]
    assert (again.recomputed, again.unchanged, again.refitted) == (0, 12, False)
    assert asked == [[]]
    before = user_profile(loaded, "u7").features["reviews"]  # type: ignore[arg-type]
    new = write_jsonl(
        tmp_path / "more.jsonl",
        [{"review_id": "new1", "user_id": "u7", "product_id": "q1", "rating": 5, "text": "Actually great."}],
    )
    ingest_file(loaded, new, "reviews")  # type: ignore[arg-type]
    third = build_profiles(loaded)  # type: ignore[arg-type]
    assert (third.recomputed, third.unchanged) == (1, 11)
    assert asked[-1] == ["u7"]
    assert user_profile(loaded, "u7").features["reviews"] == before + 1  # type: ignore[arg-type]
    assert build_profiles(loaded, refit=True).recomputed == 12  # type: ignore[arg-type]


def test_segments_are_stored_named_and_fair(loaded: object) -> None:
    from koubei.pipelines.profiles import build_profiles, segment_users
    from koubei.store.profiles import read_profiles, read_segments

    build_profiles(loaded)  # type: ignore[arg-type]
    report = segment_users(loaded, k_max=4, seed=0)  # type: ignore[arg-type]
    assert sum(s["size"] for s in report.segments) == 12
    assert report.k in report.silhouettes and report.silhouettes[report.k] == max(report.silhouettes.values())
    stored = read_segments(loaded)  # type: ignore[arg-type]
    assert [s["name_en"] for s in stored] == [s["name_en"] for s in report.segments]
    assert {p["segment"] for p in read_profiles(loaded)} == set(range(report.k))  # type: ignore[arg-type]
    fairness = report.segments[0]["fairness"]
    assert set(fairness["attributes"]) == {"gender", "region"} and "age" in fairness["note"]
    assert fairness["base_size"] == 12
    again = segment_users(loaded, k_max=4, seed=0)  # type: ignore[arg-type]
    assert [s["examples"] for s in again.segments] == [s["examples"] for s in report.segments]


def test_export_is_pseudonymous_unless_real_ids(loaded: object, tmp_path: Path) -> None:
    from koubei.pipelines.profiles import build_profiles, export_profiles

    build_profiles(loaded)  # type: ignore[arg-type]
    out = export_profiles(loaded, tmp_path / "p.jsonl")  # type: ignore[arg-type]
    text = (tmp_path / "p.jsonl").read_text(encoding="utf-8")
    assert out.rows == 12 and out.pseudonymous
    assert '"u3"' not in text and '"u0"' not in text
    ids = [json.loads(line)["user_id"] for line in text.splitlines()]
    assert all(i.startswith("u_") and len(i) == 22 for i in ids) and len(set(ids)) == 12
    again = export_profiles(loaded, tmp_path / "p2.csv")  # type: ignore[arg-type]
    assert again.format == "csv" and ids[0] in (tmp_path / "p2.csv").read_text(encoding="utf-8")  # same key
    real = export_profiles(loaded, tmp_path / "r.jsonl", real_ids=True)  # type: ignore[arg-type]
    assert not real.pseudonymous and '"u3"' in (tmp_path / "r.jsonl").read_text(encoding="utf-8")
    with pytest.raises(BadInputError, match=r"jsonl or \.csv"):
        export_profiles(loaded, tmp_path / "p.xlsx")  # type: ignore[arg-type]


def test_forget_erases_everything_about_the_user(loaded: object, isolated_home: Path) -> None:
    from sqlalchemy import func, select

    from koubei.pipelines.forget import forget_user
    from koubei.pipelines.profiles import build_profiles, segment_users
    from koubei.store.models import (
        AspectMention,
        Conversation,
        ConversationTurn,
        Follow,
        GeneratedContent,
        Order,
        Review,
        SentimentScore,
        Share,
        User,
        UserProfile,
    )
    from koubei.store.profiles import read_segments

    store = loaded
    build_profiles(store)  # type: ignore[arg-type]
    segment_users(store, k_max=3)  # type: ignore[arg-type]
    with store.session() as s:  # type: ignore[attr-defined]
        s.add(SentimentScore(review_id="r0_0", model="m", label="positive", score=0.9))
        s.add(SentimentScore(review_id="r1_0", model="m", label="positive", score=0.9))
        s.add(AspectMention(review_id="r0_0", model="m", aspect="quality", sentiment="positive", score=0.9))
        s.add(Conversation(conversation_id="c1", user_id="u0", state={}))
        s.add(ConversationTurn(conversation_id="c1", role="user", masked_text="hi", details={}))
        s.add(Conversation(conversation_id="c2", user_id="u1", state={}))
        s.add(ConversationTurn(conversation_id="c2", role="user", masked_text="hello", details={}))
        s.add(GeneratedContent(kind="copy", text="as one buyer said", provenance={"reviews": ["r0_0"]}))
        s.add(GeneratedContent(kind="copy", text="other", provenance={"reviews": ["r1_0"]}))
    quarantine = isolated_home / "quarantine"
    quarantine.mkdir(parents=True, exist_ok=True)
    write_jsonl(
        quarantine / "reviews-x.jsonl",
        [
            {"row": 1, "reasons": ["x"], "raw": {"user_id": "u0"}},
            {"row": 2, "reasons": ["x"], "raw": {"user_id": "u5"}},
        ],
    )
    model_dir = isolated_home / "models" / "recommender"
    model_dir.mkdir(parents=True)
    (model_dir / "users.json").write_text(json.dumps(["u0", "u1"]), encoding="utf-8")

    report = forget_user(store, "u0")  # type: ignore[arg-type]
    assert report.store_rows["reviews"] == 1 and report.store_rows["orders"] == 4
    assert report.store_rows["follows"] == 5 and report.store_rows["shares"] == 1
    assert report.store_rows["conversation_turns"] == 1 and report.store_rows["generated_content"] == 1

    def count(model: object, *where: object) -> int:
        with store.session() as s:  # type: ignore[attr-defined]
            return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)

    assert count(User, User.user_id == "u0") == 0 and count(Review, Review.user_id == "u0") == 0
    assert count(Order, Order.user_id == "u0") == 0
    assert count(Follow, (Follow.src == "u0") | (Follow.dst == "u0")) == 0
    assert count(Share, (Share.from_user == "u0") | (Share.to_user == "u0")) == 0
    assert count(SentimentScore, SentimentScore.review_id == "r0_0") == 0
    assert count(AspectMention, AspectMention.review_id == "r0_0") == 0
    assert count(Conversation, Conversation.user_id == "u0") == 0
    assert count(ConversationTurn, ConversationTurn.conversation_id == "c1") == 0
    assert count(UserProfile, UserProfile.user_id == "u0") == 0
    assert count(GeneratedContent) == 1
    assert all("u0" not in seg["details"]["examples"] for seg in read_segments(store))  # type: ignore[arg-type]
    assert sum(seg["size"] for seg in read_segments(store)) == 11  # type: ignore[arg-type]
    # the others are untouched
    assert count(Review, Review.user_id == "u1") == 2 and count(ConversationTurn) == 1
    assert count(SentimentScore) == 1 and count(UserProfile) == 11
    # files: the quarantined row and the artifact naming u0 are gone, other rows stay
    assert "u0" not in (quarantine / "reviews-x.jsonl").read_text(encoding="utf-8")
    assert "u5" in (quarantine / "reviews-x.jsonl").read_text(encoding="utf-8")
    assert not model_dir.exists()
    assert (isolated_home / "models" / "profiles").exists()  # the profile model names no user
    with pytest.raises(NotFoundError, match="nothing to forget"):
        forget_user(store, "u0")  # type: ignore[arg-type]
    with pytest.raises(BadInputError, match="USER"):
        forget_user(store, "  ")  # type: ignore[arg-type]


def test_user_list_fairness_against_the_base(loaded: object) -> None:
    from koubei.pipelines.profiles import user_list_fairness

    report = user_list_fairness(loaded, ["u1", "u3", "u5"])  # type: ignore[arg-type]
    assert report.group_size == 3 and report.base_size == 12
    gender = report.attributes["gender"]
    assert gender["group"] == {"f": 1.0} and gender["base"] == {"f": 0.5, "m": 0.5}
    assert gender["skew"] == 0.5 and gender["flag"]
    assert report.attributes["region"]["group"] == {"north": 1.0} and "age" in report.note
