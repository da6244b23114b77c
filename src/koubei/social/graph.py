"""The social graph of word of mouth: who can pass an opinion to whom, as compact numpy arrays.

Arcs point in the direction word of mouth travels: `u -> v` means v can hear about a product from u. A follow
(`src follows dst`) therefore becomes the arc `dst -> src`; an undirected friendship becomes both arcs.
Nodes keep the user's own ids (`labels`) and are numbered 0..n-1 internally; arcs are sorted by (source, target)
so the out-neighbours of a node are one contiguous slice (CSR), which is what the simulators and the
influence-maximization code want. `to_networkx()` gives a `networkx.DiGraph` for analyses that need it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from koubei.errors import BadInputError


def _labels_as_python(labels: Sequence[str]) -> list[Any]:
    """Integer-looking ids become ints (so `0 1` edge lists give node 0, 1); anything else stays a string."""
    if labels and all(re.fullmatch(r"-?\d{1,18}", s) for s in labels):
        return [int(s) for s in labels]
    return list(labels)


@dataclass(frozen=True)
class SocialGraph:
    """A directed graph in CSR form. Build it with `from_edges`, `from_edge_rows` or `from_follows`."""

    labels: list[Any]  # node index -> user id
    src: np.ndarray  # int64 [m], sorted by (src, dst); no self-loops, no duplicate arcs
    dst: np.ndarray  # int64 [m]
    weight: np.ndarray | None = None  # float64 [m] per-arc weight from the input (e.g. a known probability)
    node_attrs: dict[Any, dict[str, Any]] = field(default_factory=dict)  # user id -> attributes (optional)

    # ---- construction -------------------------------------------------------------------------------------
    @classmethod
    def from_edges(
        cls,
        edges: Iterable[tuple[Any, Any]] | Iterable[tuple[Any, Any, float]],
        *,
        directed: bool = True,
        nodes: Iterable[Any] = (),
        node_attrs: Mapping[Any, dict[str, Any]] | None = None,
    ) -> SocialGraph:
        """Arcs `u -> v` (optionally with a weight); undirected edges become both arcs. Extra isolated `nodes` kept."""
        us: list[Any] = []
        vs: list[Any] = []
        ws: list[float] = []
        has_weight = False
        for edge in edges:
            if len(edge) not in (2, 3):
                raise BadInputError(f"an edge must be (u, v) or (u, v, weight), got {edge!r}")
            us.append(edge[0])
            vs.append(edge[1])
            if len(edge) == 3:
                has_weight = True
                ws.append(float(edge[2]))  # type: ignore[misc]
            else:
                ws.append(np.nan)
        index: dict[Any, int] = {}
        for node in [*nodes, *us, *vs]:
            if node not in index:
                index[node] = len(index)
        src = np.fromiter((index[u] for u in us), dtype=np.int64, count=len(us))
        dst = np.fromiter((index[v] for v in vs), dtype=np.int64, count=len(vs))
        weight = np.asarray(ws, dtype=np.float64) if has_weight else None
        return cls._build(list(index), src, dst, weight, directed, dict(node_attrs or {}))

    @classmethod
    def from_arrays(
        cls,
        labels: Sequence[Any],
        src: np.ndarray,
        dst: np.ndarray,
        *,
        directed: bool = True,
        weight: np.ndarray | None = None,
    ) -> SocialGraph:
        """Arcs given as index arrays into `labels` (fast path for large generated graphs)."""
        return cls._build(
            list(labels), np.asarray(src, np.int64), np.asarray(dst, np.int64), weight, directed, {}
        )

    @classmethod
    def _build(
        cls,
        labels: list[Any],
        src: np.ndarray,
        dst: np.ndarray,
        weight: np.ndarray | None,
        directed: bool,
        node_attrs: dict[Any, dict[str, Any]],
    ) -> SocialGraph:
        if not directed:
            src, dst = np.concatenate([src, dst]), np.concatenate([dst, src])
            weight = None if weight is None else np.concatenate([weight, weight])
        keep = src != dst  # a self-loop cannot spread anything
        src, dst = src[keep], dst[keep]
        weight = None if weight is None else weight[keep]
        n = len(labels)
        key = src * max(n, 1) + dst
        key, first = np.unique(
            key, return_index=True
        )  # sorted by (src, dst), duplicates dropped (first kept)
        src, dst = key // max(n, 1), key % max(n, 1)
        weight = None if weight is None else weight[first]
        if weight is not None and np.isnan(weight).any():
            raise BadInputError("edge weights must be given on every line or on none")
        return cls(labels, src.astype(np.int64), dst.astype(np.int64), weight, node_attrs)

    # ---- shape --------------------------------------------------------------------------------------------
    @property
    def n(self) -> int:
        return len(self.labels)

    @property
    def m(self) -> int:
        return int(self.src.size)

    @property
    def indptr(self) -> np.ndarray:
        """CSR row pointers of the out-arcs: out-neighbours of i are dst[indptr[i]:indptr[i+1]]."""
        return np.searchsorted(self.src, np.arange(self.n + 1)).astype(np.int64)

    def in_degree(self) -> np.ndarray:
        return np.bincount(self.dst, minlength=self.n)

    def out_degree(self) -> np.ndarray:
        return np.bincount(self.src, minlength=self.n)

    def index_of(self, ids: Iterable[Any], *, what: str = "node") -> np.ndarray:
        """Internal indices of user ids; an unknown id is a `BadInputError` naming it."""
        lookup = self._lookup()
        out = []
        for node in ids:
            key = node if node in lookup else _coerce(node, lookup)
            if key is None:
                raise BadInputError(f"{what} {node!r} is not in the graph ({self.n} nodes)")
            out.append(lookup[key])
        return np.asarray(out, dtype=np.int64)

    def eligible(self, exclude: Iterable[Any] | None = None) -> np.ndarray:
        """Mask of the nodes that may be seeds: all but `exclude` (ids not in the graph cannot be seeded anyway)."""
        mask = np.ones(self.n, dtype=bool)
        for node in exclude or ():
            idx = self.find(node)
            if idx is not None:
                mask[idx] = False
        return mask

    def find(self, node: Any) -> int | None:
        """Index of a user id (accepting '12' for 12 and back), or None."""
        lookup = self._lookup()
        key = node if node in lookup else _coerce(node, lookup)
        return None if key is None else lookup[key]

    def _lookup(self) -> dict[Any, int]:
        cache = self.__dict__.get("_lookup_cache")
        if cache is None:
            cache = {label: i for i, label in enumerate(self.labels)}
            object.__setattr__(self, "_lookup_cache", cache)
        return cache

    def reverse_order(self) -> np.ndarray:
        """Permutation that sorts the arcs by (target, source): the in-arcs of each node become contiguous."""
        return np.lexsort((self.src, self.dst))

    def to_networkx(self) -> Any:
        """A `networkx.DiGraph` with the user ids as nodes (and their attributes), arcs carrying `weight`."""
        import networkx as nx

        graph = nx.DiGraph()
        for label in self.labels:
            graph.add_node(label, **self.node_attrs.get(label, {}))
        labels = self.labels
        if self.weight is None:
            graph.add_edges_from(
                (labels[u], labels[v]) for u, v in zip(self.src.tolist(), self.dst.tolist(), strict=False)
            )
        else:
            graph.add_edges_from(
                (labels[u], labels[v], {"weight": w})
                for u, v, w in zip(self.src.tolist(), self.dst.tolist(), self.weight.tolist(), strict=False)
            )
        return graph

    def summary(self) -> dict[str, Any]:
        return {"nodes": self.n, "arcs": self.m, "weighted": self.weight is not None}


def _coerce(node: Any, lookup: Mapping[Any, int]) -> Any:
    """Let '12' find node 12 and 12 find node '12' (ids typed on a command line are strings)."""
    for candidate in (str(node), _try_int(node)):
        if candidate is not None and candidate in lookup:
            return candidate
    return None


def _try_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def from_edge_rows(
    rows: Iterable[Mapping[str, Any]], *, directed: bool = True, follows: bool = False
) -> SocialGraph:
    """The graph of edge rows (`src`, `dst`, optional `weight`), as `koubei.ingest.graphs.read_edge_file` gives them.

    A row is the arc src -> dst (word of mouth flows that way); `follows=True` reads it as `src follows dst`, so the
    arc is dst -> src; `directed=False` adds both arcs. Integer-looking ids become ints (so a `0 1` edge list has
    nodes 0 and 1). Weights must be on every row or on none.
    """
    rows = list(rows)
    raw = list(dict.fromkeys(str(r[key]) for r in rows for key in ("src", "dst")))
    as_python = dict(zip(raw, _labels_as_python(raw), strict=True))
    weighted = any(r.get("weight") is not None for r in rows)
    edges: list[tuple[Any, ...]] = []
    for r in rows:
        u, v = as_python[str(r["src"])], as_python[str(r["dst"])]
        if follows:
            u, v = v, u
        if weighted:
            if r.get("weight") is None:
                raise BadInputError("edge weights must be given on every line or on none")
            edges.append((u, v, float(r["weight"])))
        else:
            edges.append((u, v))
    return SocialGraph.from_edges(edges, directed=directed)  # type: ignore[arg-type]


def from_follows(
    follows: Iterable[Mapping[str, Any]],
    shares: Iterable[Mapping[str, Any]] = (),
    users: Iterable[Mapping[str, Any]] = (),
) -> SocialGraph:
    """The word-of-mouth graph of store rows: follows (`src follows dst` -> arc dst -> src) plus share arcs.

    A share `from_user -> to_user` is evidence that word of mouth can travel that way, so it is an arc too.
    User rows (`user_id` + attributes) become node attributes (e.g. sentiment tendency, activity).
    """
    edges: list[tuple[Any, Any]] = []
    for row in follows:
        if row.get("src") is not None and row.get("dst") is not None:
            edges.append((row["dst"], row["src"]))
    for row in shares:
        if row.get("from_user") is not None and row.get("to_user") is not None:
            edges.append((row["from_user"], row["to_user"]))
    attrs = {
        row["user_id"]: dict(row.get("attributes") or {}) for row in users if row.get("user_id") is not None
    }
    # Users without any arc are left out: they can neither spread nor hear word of mouth in this graph.
    return SocialGraph.from_edges(edges, directed=True, node_attrs=attrs)
