"""Segments on hand-drawn profiles (k by silhouette, names, personas, stability), influence on tiny graphs,
fairness distributions and pseudonyms: exact answers."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from koubei.analysis.profiles.fairness import distribution_report
from koubei.analysis.profiles.influence import cascade_reach, reversed_pagerank
from koubei.analysis.profiles.privacy import pseudonym, pseudonym_key
from koubei.analysis.profiles.segments import SegmentConfig, name_segment, segment_profiles
from koubei.errors import BadInputError
from koubei.social.cascades import Cascade
from koubei.social.graph import SocialGraph


def _profile(recency: float, voice: float, price: float, logistics_feel: float, category: str) -> dict:
    return {
        "rfm": {"recency_days": recency, "frequency": 2, "class": "Champions" if recency < 30 else "At risk"},
        "voice": voice,
        "rating_bias": 0.0,
        "mean_review_chars": 100.0,
        "influence": {"pagerank": 1.0, "cascade_reach": 0},
        "value": {"p_alive": 0.9, "expected_purchases": 1.0, "expected_value": None},
        "aspects": {
            "price": {"share": price, "sentiment": 0.0},
            "logistics": {"share": 1.0, "sentiment": logistics_feel},
        },
        "categories": {category: 1.0},
        "status": "advocate" if voice > 0 else "detractor",
    }


def _two_groups(seed: int = 0) -> tuple[list[str], list[dict]]:
    rng = np.random.default_rng(seed)
    ids, profiles = [], []
    for i in range(30):  # recent, happy, price-minded music buyers
        ids.append(f"a{i}")
        profiles.append(_profile(5 + rng.random(), 1.0, 0.9, 0.5, "music"))
    for i in range(20):  # long-gone critics who complain about logistics, beauty buyers
        ids.append(f"b{i}")
        profiles.append(_profile(400 + rng.random(), -1.0, 0.0, -0.9, "beauty"))
    return ids, profiles


def test_two_obvious_groups_are_found_and_named() -> None:
    ids, profiles = _two_groups()
    result = segment_profiles(ids, profiles, SegmentConfig(k_min=2, k_max=5))
    assert result.k == 2 and result.silhouettes[2] == max(result.silhouettes.values())
    big, small = result.segments
    assert (big["size"], small["size"]) == (30, 20)
    assert set(big["examples"]) <= {f"a{i}" for i in range(30)}
    assert "price-sensitive" in big["name_en"].lower() and "价格敏感" in big["name_zh"]
    assert "critical" in small["name_en"].lower() or "complains about logistics" in small["name_en"]
    assert small["name_zh"].endswith("的用户")
    assert small["rfm_overlap"] == {"At risk": {"users": 20, "share": 1.0}}
    assert big["value"]["expected_purchases_total"] == 30.0


def test_same_seed_same_segments() -> None:
    ids, profiles = _two_groups()
    one = segment_profiles(ids, profiles, SegmentConfig(seed=3))
    two = segment_profiles(ids, profiles, SegmentConfig(seed=3))
    assert one.labels.tolist() == two.labels.tolist() and one.segments == two.segments


def test_persona_is_usable_by_copy_generate() -> None:
    from koubei.generation.fake_review import detect_request
    from koubei.generation.generate import MAX_TEXT_OPTION

    ids, profiles = _two_groups()
    for seg in segment_profiles(ids, profiles).segments:
        assert len(seg["persona"]) <= MAX_TEXT_OPTION
        assert detect_request(seg["persona"]) is None
        assert seg["name_en"].split(",")[0] in seg["persona"]


def test_name_from_effects() -> None:
    en, zh, chosen = name_segment(
        {"aspect:price": 1.2, "feel:logistics": -0.8, "frequency": 0.9, "voice": 0.1}, 0.5
    )
    assert en == "Price-sensitive, highly active, complains about logistics"
    assert zh == "价格敏感、高活跃、常抱怨物流的用户"
    assert [c["feature"] for c in chosen] == ["aspect:price", "frequency", "feel:logistics"]
    assert name_segment({"voice": 0.1}, 0.5)[:2] == ("Typical customers", "普通用户")


def test_segments_bad_input() -> None:
    ids, profiles = _two_groups()
    with pytest.raises(BadInputError, match="at least 3 profiled users"):
        segment_profiles(ids[:2], profiles[:2])
    with pytest.raises(BadInputError, match="same features"):
        segment_profiles(["x", "y", "z"], [profiles[0]] * 3)
    with pytest.raises(BadInputError, match="k_min"):
        segment_profiles(ids, profiles, SegmentConfig(k_min=1))


def test_pagerank_matches_networkx() -> None:
    edges = [(0, 1), (0, 2), (1, 2), (2, 0), (3, 2), (4, 0)]
    graph = SocialGraph.from_edges(edges, directed=True)
    ours = reversed_pagerank(graph)
    reference = nx.pagerank(nx.DiGraph(edges).reverse(), alpha=0.85, tol=1e-12)
    assert ours.tolist() == pytest.approx([reference[label] for label in graph.labels], abs=1e-8)


def test_cascade_reach_by_hand() -> None:
    # a -> b -> c, a -> d; e -> a in a second cascade
    one = Cascade("1", "a", {"a": None, "b": "a", "c": "b", "d": "a"})
    two = Cascade("2", "e", {"e": None, "a": "e"})
    assert cascade_reach([one, two]) == {"a": 3, "b": 1, "e": 1}


def test_distribution_report_by_hand() -> None:
    attrs = {
        "u1": {"gender": "f", "age": 23},
        "u2": {"gender": "m", "age": 40},
        "u3": {"gender": "f"},
        "u4": {},
    }
    report = distribution_report(["u1", "u3"], ["u1", "u2", "u3", "u4"], attrs)
    gender = report["attributes"]["gender"]
    assert gender["group"] == {"f": 1.0}
    assert gender["base"] == {"f": 0.5, "m": 0.25, "unknown": 0.25}
    assert gender["skew"] == 0.5 and gender["flag"]
    assert report["attributes"]["age"]["group"] == {"18-24": 0.5, "unknown": 0.5}
    assert report["note"] == "the store has no region for any user"


def test_pseudonyms_are_keyed_and_the_key_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KOUBEI_PSEUDONYM_KEY", raising=False)
    key = pseudonym_key(tmp_path)
    assert pseudonym_key(tmp_path) == key  # made once, then reused
    assert stat.S_IMODE(os.stat(tmp_path / "pseudonym_key").st_mode) == 0o600
    assert pseudonym("u1", key) == pseudonym("u1", key) != pseudonym("u2", key)
    assert pseudonym("u1", key) != pseudonym("u1", b"another key")
    monkeypatch.setenv("KOUBEI_PSEUDONYM_KEY", "team secret")
    assert pseudonym_key(tmp_path) == b"team secret"
