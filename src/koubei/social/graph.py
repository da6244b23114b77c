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
from pathlib import Path
from typing import Any

import numpy as np

from koubei.errors import BadInputError

# Header names (lower-cased) accepted for the source / target / weight columns of an edge file.
_SRC_NAMES = {"src", "source", "from", "from_user", "u", "node1", "parent", "parent_uid"}
_DST_NAMES = {"dst", "target", "to", "to_user", "v", "node2", "child", "child_uid"}
_WEIGHT_NAMES = {"weight", "p", "prob", "probability", "w"}
_SPLIT = re.compile(r"[\s,;]+")


def _labels_as_python(labels: Sequence[str]) -> list[Any]:
    """Integer-looking ids become ints (so `0 1` edge lists give node 0, 1); anything else stays a string."""
    if labels and all(re.fullmatch(r"-?\d{1,18}", s) for s in labels):
        return [int(s) for s in labels]
    return list(labels)


@dataclass(frozen=True)
class SocialGraph:
    """A directed graph in CSR form. Build it with `from_edges`, `read_edge_list` or `from_follows`."""

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


def read_edge_list(path: str | Path, *, directed: bool | None = None, follows: bool = False) -> SocialGraph:
    """Read an edge file: `u v` or `u v weight` per line (whitespace, comma, tab or semicolon separated).

    Lines starting with `#` or `%` are comments. An optional header row names the columns (src/dst, source/target,
    from_user/to_user, ...; a `weight`/`p` column is a per-arc weight). `directed=None` decides from the file: a
    plain two-column file without header is an undirected edge list (both arcs, as SNAP's ego-Facebook);
    a file with a header is directed. `follows=True` reads each row as `src follows dst` (arc dst -> src).
    """
    path = Path(path)
    if not path.exists() or path.is_dir():
        raise BadInputError(f"graph file {str(path)!r} does not exist or is a folder")
    rows: list[list[str]] = []
    header: list[str] | None = None
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            text = line.strip()
            if not text or text[0] in "#%":
                continue
            parts = [p for p in _SPLIT.split(text) if p]
            if header is None and not rows and parts[0].lower() in _SRC_NAMES | {"id", "user"}:
                header = [p.lower() for p in parts]
                continue
            if len(parts) < 2:
                raise BadInputError(f"{path.name} line {number}: expected `u v [weight]`, got {text[:80]!r}")
            rows.append(parts)
    if not rows:
        raise BadInputError(f"graph file {str(path)!r} has no edges")
    s_col, d_col, w_col = 0, 1, (2 if len(rows[0]) >= 3 else None)
    if header is not None:
        s_col = next((i for i, h in enumerate(header) if h in _SRC_NAMES), 0)
        d_col = next((i for i, h in enumerate(header) if h in _DST_NAMES), 1)
        w_col = next((i for i, h in enumerate(header) if h in _WEIGHT_NAMES), None)
    if directed is None:
        directed = header is not None or len(rows[0]) > 2
    us = [r[s_col] for r in rows]
    vs = [r[d_col] for r in rows]
    if follows:
        us, vs = vs, us
    weight = None
    if w_col is not None:
        try:
            weight = np.asarray([float(r[w_col]) for r in rows], dtype=np.float64)
        except (ValueError, IndexError) as error:
            raise BadInputError(
                f"{path.name}: column {w_col + 1} must be a number on every line ({error})"
            ) from None
    labels_raw = list(dict.fromkeys([*us, *vs]))
    index = {label: i for i, label in enumerate(labels_raw)}
    src = np.fromiter((index[u] for u in us), dtype=np.int64, count=len(us))
    dst = np.fromiter((index[v] for v in vs), dtype=np.int64, count=len(vs))
    return SocialGraph._build(_labels_as_python(labels_raw), src, dst, weight, directed, {})


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
