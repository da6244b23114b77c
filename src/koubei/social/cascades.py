"""Share cascades: reconstruct who-got-it-from-whom trees from share events, and measure them.

A cascade is a tree: the root posted (or first shared) an item; every other node is a user who got it from its
parent. Per cascade we report size, depth, maximum breadth, time to reach N shares, the root's sentiment and the
structural virality of Goel, Anderson, Hofman & Watts (2016): the mean shortest-path distance over all pairs of
nodes of the tree (1 for nothing-but-broadcast stars of size 2, large for long person-to-person chains). It is
computed in O(n) with the Wiener-index identity W = sum over edges of s (n - s), s = the subtree size below the edge.

Cascade files are read by `koubei.ingest.graphs`; here `cascade_edges_graph` turns cascades into the
who-passed-it-to-whom graph (arc parent -> child, weight = number of cascades using it) and `share_rows` into
canonical share rows (for `koubei ingest shares` and the store).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import numpy as np

from koubei.social.graph import SocialGraph


@dataclass(frozen=True)
class Cascade:
    """One propagation tree. `parent[root]` is None; `time` is seconds since the root's post (None if unknown)."""

    cascade_id: str
    root: Any
    parent: dict[Any, Any]  # user -> the user it got the item from (root -> None); insertion = adoption order
    time: dict[Any, float | None] = field(default_factory=dict)
    item_id: Any = None
    label: str | None = None  # e.g. sentiment of the root review / rumour label of the source
    origin: float | None = None  # Unix time of the root post when known (times are relative to it)

    @property
    def size(self) -> int:
        return len(self.parent)

    def depths(self) -> dict[Any, int]:
        depth: dict[Any, int] = {}
        for node in self.parent:  # parents are inserted before children
            up = self.parent[node]
            depth[node] = 0 if up is None else depth[up] + 1
        return depth


def build_cascade(
    cascade_id: str,
    root: Any,
    edges: Iterable[tuple[Any, Any, float | None]],
    *,
    item_id: Any = None,
    label: str | None = None,
    root_time: float | None = 0.0,
    origin: float | None = None,
) -> tuple[Cascade, int]:
    """A tree from (parent, child, time) edges: the first exposure of a user wins (earliest time, then file order).

    Edges whose parent is not (yet) in the tree wait until it is; edges that never connect, or that reach a user
    already in the tree, are dropped. Returns the cascade and the number of dropped edges.
    """
    ordered = sorted(
        enumerate(edges), key=lambda item: (math.inf if item[1][2] is None else item[1][2], item[0])
    )
    parent: dict[Any, Any] = {root: None}
    time: dict[Any, float | None] = {root: root_time}
    pending: dict[Any, list[tuple[Any, float | None]]] = defaultdict(list)
    dropped = 0

    def attach(up: Any, child: Any, when: float | None) -> None:
        nonlocal dropped
        stack = [(up, child, when)]
        while stack:
            u, v, t = stack.pop()
            if v in parent:
                dropped += 1
                continue
            parent[v] = u
            time[v] = t
            for later_child, later_time in reversed(pending.pop(v, [])):
                stack.append((v, later_child, later_time))

    for _, (up, child, when) in ordered:
        if up == child:
            dropped += 1
        elif up in parent:
            attach(up, child, when)
        else:
            pending[up].append((child, when))
    dropped += sum(len(v) for v in pending.values())
    return Cascade(str(cascade_id), root, parent, time, item_id, label, origin), dropped


def _as_seconds(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return datetime.fromisoformat(str(value)).timestamp()
    except ValueError:
        return None


def cascades_from_shares(
    shares: Iterable[Mapping[str, Any]], *, labels: Mapping[Any, str] | None = None
) -> list[Cascade]:
    """Reconstruct cascades from share rows (share_id, from_user, to_user, item_id, parent_share_id, created_at).

    Shares are grouped by item (or, without item, by the root of their parent_share_id chain). Within a group a
    user who shares without having received the item is a root: each root's tree is one cascade. A share with no
    `from_user` is the root's own post. A missing `from_user` with a `parent_share_id` is taken from the parent's
    `to_user`. `labels` maps item ids to a sentiment label, reported as the cascade's root sentiment.
    """
    rows = [dict(r) for r in shares]
    by_id = {r.get("share_id"): r for r in rows if r.get("share_id") is not None}

    def chain_root(row: dict[str, Any]) -> Any:
        seen = set()
        while row.get("parent_share_id") in by_id and row.get("share_id") not in seen:
            seen.add(row.get("share_id"))
            row = by_id[row["parent_share_id"]]
        return row.get("share_id")

    groups: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if row.get("from_user") is None and row.get("parent_share_id") in by_id:
            row["from_user"] = by_id[row["parent_share_id"]].get("to_user")
        key = row.get("item_id")
        groups[key if key is not None else ("chain", chain_root(row))].append(row)

    cascades: list[Cascade] = []
    for key, group in groups.items():
        times = [_as_seconds(r.get("created_at")) for r in group]
        known = [t for t in times if t is not None]
        origin = min(known) if known else 0.0
        rel = [None if t is None else t - origin for t in times]
        receivers = {r.get("to_user") for r in group if r.get("from_user") is not None}
        edges: list[tuple[Any, Any, float | None]] = []
        roots: dict[Any, float | None] = {}
        for row, t in zip(group, rel, strict=False):
            u, v = row.get("from_user"), row.get("to_user")
            if u is None:
                if v is not None:  # the root's own post
                    roots.setdefault(v, t)
                continue
            if u not in receivers:
                earlier = roots.get(u)
                roots[u] = t if earlier is None or (t is not None and t < earlier) else earlier
            if v is not None:
                edges.append((u, v, t))
        # One tree under a virtual super-root, so "first exposure wins" holds across roots; split it per root.
        virtual = object()
        tree, _ = build_cascade("", virtual, [(virtual, r, t) for r, t in roots.items()] + edges)
        members: dict[Any, list[Any]] = defaultdict(list)
        top: dict[Any, Any] = {}
        for node, up in tree.parent.items():
            if up is None:
                continue
            top[node] = node if up is virtual else top[up]
            members[top[node]].append(node)
        base = str(key[1] if isinstance(key, tuple) else key)
        for root, nodes in members.items():
            cid = base if len(members) == 1 else f"{base}#{root}"
            parent = {v: (None if v == root else tree.parent[v]) for v in nodes}
            cascades.append(
                Cascade(
                    cid,
                    root,
                    parent,
                    {v: tree.time[v] for v in nodes},
                    None if isinstance(key, tuple) else key,
                    None if isinstance(key, tuple) else (labels or {}).get(key),
                )
            )
    return cascades


@dataclass(frozen=True)
class CascadeStats:
    cascade_id: str
    item_id: Any
    root: Any
    size: int
    depth: int
    max_breadth: int
    structural_virality: float | None  # None for a single node (no pairs)
    time_to: dict[int, float | None]  # N -> seconds until the cascade had N nodes (None if never / no times)
    root_label: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "cascade_id": self.cascade_id,
            "item_id": self.item_id,
            "root": self.root,
            "size": self.size,
            "depth": self.depth,
            "max_breadth": self.max_breadth,
            "structural_virality": self.structural_virality,
            "time_to": {str(k): v for k, v in self.time_to.items()},
            "root_label": self.root_label,
        }


def structural_virality(cascade: Cascade) -> float | None:
    """Mean pairwise shortest-path distance in the cascade tree (Goel et al. 2016); None when size < 2."""
    n = cascade.size
    if n < 2:
        return None
    subtree: dict[Any, int] = dict.fromkeys(cascade.parent, 1)
    wiener = 0
    for node in reversed(list(cascade.parent)):  # children come after their parents
        up = cascade.parent[node]
        if up is not None:
            s = subtree[node]
            wiener += s * (n - s)
            subtree[up] += s
    return wiener / (n * (n - 1) / 2)


def cascade_stats(cascade: Cascade, time_to: Sequence[int] = (10, 50, 100)) -> CascadeStats:
    depth = cascade.depths()
    levels = np.bincount(np.fromiter(depth.values(), dtype=np.int64))
    times = sorted(t for t in cascade.time.values() if t is not None)
    reach: dict[int, float | None] = {}
    for n in time_to:
        reach[n] = (times[n - 1] - times[0]) if len(times) >= n and len(times) == cascade.size else None
    return CascadeStats(
        cascade.cascade_id,
        cascade.item_id,
        cascade.root,
        cascade.size,
        int(levels.size - 1),
        int(levels.max()),
        structural_virality(cascade),
        reach,
        cascade.label,
    )


def _distribution(values: Sequence[float]) -> dict[str, float | int | None]:
    if not values:
        return {"count": 0}
    arr = np.asarray(values, dtype=np.float64)
    q = np.percentile(arr, [50, 90, 99])
    return {
        "count": int(arr.size),
        "mean": float(arr.mean()),
        "median": float(q[0]),
        "p90": float(q[1]),
        "p99": float(q[2]),
        "max": float(arr.max()),
    }


def summarize_cascades(stats: Sequence[CascadeStats]) -> dict[str, Any]:
    """Aggregate distributions over cascades (size, depth, breadth, virality, time to N) and a size CCDF."""
    sizes = [s.size for s in stats]
    out: dict[str, Any] = {
        "cascades": len(stats),
        "size": _distribution(sizes),
        "depth": _distribution([s.depth for s in stats]),
        "max_breadth": _distribution([s.max_breadth for s in stats]),
        "structural_virality": _distribution(
            [s.structural_virality for s in stats if s.structural_virality is not None]
        ),
    }
    if stats:
        for n in stats[0].time_to:
            out[f"time_to_{n}_s"] = _distribution(
                [s.time_to[n] for s in stats if s.time_to.get(n) is not None]  # type: ignore[misc]
            )
        arr = np.asarray(sizes)
        edges = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000]
        out["size_ccdf"] = {str(b): float((arr >= b).mean()) for b in edges if b <= arr.max()}
        by_label: dict[str, list[int]] = defaultdict(list)
        for s in stats:
            if s.root_label is not None:
                by_label[s.root_label].append(s.size)
        out["size_by_root_label"] = {k: _distribution(v) for k, v in sorted(by_label.items())}
    return out


def cascade_edges_graph(cascades: Iterable[Cascade], *, nodes: Sequence[Any] = ()) -> SocialGraph:
    """The graph of observed transmissions: arc parent -> child, weight = how many cascades used it."""
    counts: dict[tuple[Any, Any], int] = defaultdict(int)
    for cascade in cascades:
        for child, up in cascade.parent.items():
            if up is not None:
                counts[(up, child)] += 1
    return SocialGraph.from_edges(((u, v, float(c)) for (u, v), c in counts.items()), nodes=nodes)


def share_rows(cascades: Iterable[Cascade], *, epoch: datetime | None = None) -> list[dict[str, Any]]:
    """Canonical share rows of cascades (one per transmission, parent_share_id chaining them).

    Times are absolute when the cascade knows its origin (Weibo); otherwise (Twitter16 has only delays since the
    source tweet) they are placed after `epoch` (default 2000-01-01 UTC) and the row says `clock: relative`.
    """
    base = epoch or datetime(2000, 1, 1, tzinfo=timezone.utc)
    rows = []
    for cascade in cascades:
        start = base if cascade.origin is None else datetime.fromtimestamp(cascade.origin, tz=timezone.utc)
        share_of: dict[Any, str] = {}
        for child, up in cascade.parent.items():
            if up is None:
                continue
            share_id = f"{cascade.cascade_id}:{child}"
            share_of[child] = share_id
            t = cascade.time.get(child)
            rows.append(
                {
                    "share_id": share_id,
                    "from_user": str(up),
                    "to_user": str(child),
                    "item_id": str(cascade.item_id if cascade.item_id is not None else cascade.cascade_id),
                    "parent_share_id": share_of.get(up),
                    "created_at": None if t is None else (start + timedelta(seconds=t)).isoformat(),
                    "clock": "absolute" if cascade.origin is not None else "relative",
                }
            )
    return rows
