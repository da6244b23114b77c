"""Helpers for the word-of-mouth tests: exact spreads of tiny graphs by enumerating every possible world."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from koubei.social.graph import SocialGraph


def _reach(n: int, arcs: list[tuple[int, int]], seeds: list[int]) -> int:
    active = set(seeds)
    frontier = list(seeds)
    while frontier:
        u = frontier.pop()
        for a, b in arcs:
            if a == u and b not in active:
                active.add(b)
                frontier.append(b)
    return len(active)


def exact_ic(graph: SocialGraph, probs: np.ndarray, seeds: list[int]) -> float:
    """Expected IC spread: sum over the 2^m live-arc worlds of P(world) x reach (Kempe et al. 2003)."""
    arcs = list(zip(graph.src.tolist(), graph.dst.tolist(), strict=True))
    total = 0.0
    for live in itertools.product((0, 1), repeat=len(arcs)):
        p = 1.0
        for bit, q in zip(live, probs, strict=True):
            p *= q if bit else 1 - q
        if p:
            total += p * _reach(graph.n, [a for a, bit in zip(arcs, live, strict=True) if bit], seeds)
    return total


def exact_lt(graph: SocialGraph, weights: np.ndarray, seeds: list[int]) -> float:
    """Expected LT spread via its live-edge form: each node keeps at most one in-arc, arc e with prob w_e."""
    choices = []
    for v in range(graph.n):
        options = [(None, 1.0 - float(weights[graph.dst == v].sum()))]
        options += [(e, float(weights[e])) for e in np.flatnonzero(graph.dst == v)]
        choices.append(options)
    total = 0.0
    for world in itertools.product(*choices):
        p = float(np.prod([w for _, w in world]))
        if p > 0:
            arcs = [(int(graph.src[e]), int(graph.dst[e])) for e, _ in world if e is not None]
            total += p * _reach(graph.n, arcs, seeds)
    return total


@pytest.fixture
def tiny_graph() -> SocialGraph:
    #   a -> b -> d,  a -> c -> d,  c -> e,  e -> b
    return SocialGraph.from_edges([("a", "b"), ("a", "c"), ("b", "d"), ("c", "d"), ("c", "e"), ("e", "b")])
