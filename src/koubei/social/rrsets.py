"""Reverse-reachable (RR) sets and greedy maximum coverage over them, the engine of IMM.

An RR set is the set of nodes that would have activated a random root under one random draw of the diffusion
(Borgs et al. 2014): a node's chance to be in it is proportional to its influence, so the seeds that cover the most
RR sets are the most influential. Sets are stored compactly as one int32 array of nodes plus int64 offsets.

- IC: an RR set is an IC run *on the transposed graph* from the root, so we let `cynetdiff` run it in C.
- LT: an RR set is a reverse random walk (each node picks at most one in-neighbour with probability equal to the
  arc weight, stopping on a repeat); we walk a whole batch of roots at once with numpy.
Roots are drawn uniformly, or proportionally to node weights for weighted (segment-valued) spread.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from koubei.progress import Progress, or_null
from koubei.social.graph import SocialGraph
from koubei.social.probabilities import lt_weights


@dataclass
class RRCollection:
    """A growing list of RR sets: `nodes[ptr[i]:ptr[i+1]]` is set i."""

    n: int
    _chunks: list[np.ndarray] = field(default_factory=list)
    _lengths: list[np.ndarray] = field(default_factory=list)
    count: int = 0
    _nodes: np.ndarray | None = None
    _ptr: np.ndarray | None = None

    def add(self, nodes: np.ndarray, lengths: np.ndarray) -> None:
        self._chunks.append(nodes.astype(np.int32, copy=False))
        self._lengths.append(lengths.astype(np.int64, copy=False))
        self.count += int(lengths.size)
        self._nodes = self._ptr = None

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        if self._nodes is None or self._ptr is None:
            self._nodes = np.concatenate(self._chunks) if self._chunks else np.zeros(0, np.int32)
            lengths = np.concatenate(self._lengths) if self._lengths else np.zeros(0, np.int64)
            self._ptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
            self._chunks, self._lengths = [self._nodes], [lengths]
        return self._nodes, self._ptr

    @property
    def total_size(self) -> int:
        return int(sum(c.size for c in self._chunks))


class RRSampler:
    """Draws RR sets for one graph, model and probability vector; seeded and reproducible."""

    def __init__(
        self,
        graph: SocialGraph,
        probs: np.ndarray,
        *,
        model: str = "ic",
        node_weights: np.ndarray | None = None,
        seed: int = 0,
    ) -> None:
        from koubei.social.diffusion import make_model

        self.graph = graph
        self.model = model
        self.rng = np.random.default_rng(seed)
        self.root_p: np.ndarray | None = None
        self._seen: np.ndarray | None = None
        if node_weights is not None:
            total = float(np.sum(node_weights))
            self.root_p = np.asarray(node_weights, dtype=np.float64) / total
        if model == "ic":
            order = graph.reverse_order()
            in_probs = probs[order]
            self._in_src = graph.src[order]
            self._in_ptr = np.searchsorted(graph.dst[order], np.arange(graph.n + 1))
            self._indeg = np.diff(self._in_ptr)
            # Fast path: when all in-arcs of a node share one probability (uniform, weighted cascade) the live
            # in-arcs are a Bernoulli process we can sample by geometric skips, at a cost proportional to the
            # live arcs instead of all arcs. Otherwise (learned probabilities) cynetdiff runs each RR set.
            has_in = self._indeg > 0
            starts = self._in_ptr[:-1][has_in]
            self._q = np.zeros(graph.n)
            if in_probs.size:
                lo = np.minimum.reduceat(in_probs, starts) if starts.size else np.zeros(0)
                hi = np.maximum.reduceat(in_probs, starts) if starts.size else np.zeros(0)
                self._q[has_in] = lo
                self._constant = bool(np.all(hi - lo <= 1e-12))
            else:
                self._constant = True
            if not self._constant:
                self._sim = make_model(
                    graph, probs, model="ic", seed=int(self.rng.integers(2**63)), reverse=True
                )
        else:
            order = graph.reverse_order()
            weights = lt_weights(graph, probs)[order]
            self._in_src = graph.src[order]
            self._in_ptr = np.searchsorted(graph.dst[order], np.arange(graph.n + 1))
            self._cum = np.cumsum(weights)
            self._base = np.concatenate([[0.0], self._cum])[self._in_ptr[:-1]]
            self._tot = np.concatenate([[0.0], self._cum])[self._in_ptr[1:]] - self._base

    def roots(self, count: int) -> np.ndarray:
        if self.root_p is None:
            return self.rng.integers(0, self.graph.n, size=count)
        return self.rng.choice(self.graph.n, size=count, p=self.root_p)

    def extend(self, rr: RRCollection, target: int, *, progress: Progress | None = None) -> None:
        """Add sets until `rr` holds `target` of them, advancing `progress` by each batch (of up to 50,000) as it
        is drawn; the caller starts the phase (IMM draws in several rounds and reports them as one)."""
        need = target - rr.count
        progress = or_null(progress)
        while need > 0:
            batch = min(need, 50_000)
            roots = self.roots(batch)
            if self.model == "lt":
                nodes, lengths = self._lt(roots)
            elif self._constant:
                nodes, lengths = self._ic_batched(roots)
            else:
                nodes, lengths = self._ic(roots)
            rr.add(nodes, lengths)
            need -= batch
            progress.advance(batch)

    def _ic(self, roots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        sim = self._sim
        out: list[int] = []
        lengths = np.empty(roots.size, dtype=np.int64)
        for i, root in enumerate(roots.tolist()):
            sim.set_seeds([root])
            sim.advance_until_completion()
            before = len(out)
            out.extend(sim.get_activated_nodes())
            lengths[i] = len(out) - before
        return np.asarray(out, dtype=np.int32), lengths

    def _ic_batched(self, roots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Breadth-first reverse IC from many roots at once; a bitmap of (set, node) marks visited pairs."""
        n = self.graph.n
        per = max(1, min(roots.size, (1 << 26) // max(n, 1)))
        # One visited bitmap for the sampler's lifetime; after each batch only the touched cells are cleared,
        # so a batch costs what it visits, not what the bitmap spans.
        if self._seen is None or self._seen.size < per * n:
            self._seen = np.zeros(per * n, dtype=bool)
        seen = self._seen
        nodes_out: list[np.ndarray] = []
        lengths_out: list[np.ndarray] = []
        for first in range(0, roots.size, per):
            part = roots[first : first + per].astype(np.int64)
            keys = np.arange(part.size, dtype=np.int64) * n + part
            seen[keys] = True
            found = [keys]
            while keys.size:
                sets, heads = keys // n, keys % n
                arcs, owner = self._live_in_arcs(heads)
                new = sets[owner] * n + self._in_src[arcs]
                new = np.unique(new[~seen[new]])
                seen[new] = True
                found.append(new)
                keys = new
            every = np.sort(np.concatenate(found))  # sorted keys = grouped by set
            seen[every] = False
            nodes_out.append((every % n).astype(np.int32))
            lengths_out.append(np.bincount(every // n, minlength=part.size))
        return np.concatenate(nodes_out), np.concatenate(lengths_out)

    def _live_in_arcs(self, heads: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each head node, its live in-arcs (Bernoulli(q) each) by geometric skipping; returns arcs, owner."""
        deg = self._indeg[heads]
        q = self._q[heads]
        todo = np.flatnonzero((deg > 0) & (q > 0))
        pos = np.full(todo.size, -1, dtype=np.int64)  # last live position drawn so far, per entry
        arcs: list[np.ndarray] = []
        owners: list[np.ndarray] = []
        while todo.size:
            d, p = deg[todo], q[todo]
            remaining = d - 1 - pos
            # Draw enough gaps to pass the end of the list for most entries; the rest go round again.
            draws = np.minimum(remaining, np.ceil(remaining * p + 2.0 * np.sqrt(remaining * p) + 2.0)).astype(
                np.int64
            )
            total = int(draws.sum())
            gaps = self.rng.geometric(np.repeat(p, draws))
            csum = np.cumsum(gaps)
            ends = np.cumsum(draws)
            offset = np.repeat(np.concatenate([[0], csum[ends[:-1] - 1]]) if total else np.zeros(0), draws)
            positions = np.repeat(pos, draws) + (csum - offset)
            entry = np.repeat(np.arange(todo.size), draws)
            live = positions < np.repeat(d, draws)
            arcs.append(self._in_ptr[heads[todo[entry[live]]]] + positions[live])
            owners.append(todo[entry[live]])
            last = positions[ends - 1]
            more = last < d - 1
            todo, pos = todo[more], last[more]
        if not arcs:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        return np.concatenate(arcs), np.concatenate(owners)

    def _lt(self, roots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        batch = roots.size
        history = [roots.astype(np.int64)]
        steps = np.ones(batch, dtype=np.int64)  # nodes in each walk so far
        alive = np.arange(batch)
        cur = roots.astype(np.int64)
        while alive.size:
            u = self.rng.random(alive.size)
            picks = u < self._tot[cur]  # else the walk picks "no in-neighbour" and stops
            pos = np.searchsorted(self._cum, self._base[cur] + u, side="right")
            pos = np.minimum(pos, self._in_ptr[cur + 1] - 1)  # guard float round-off at segment ends
            nxt = np.where(picks, self._in_src[np.maximum(pos, 0)], -1)
            hist = np.stack([h[alive] for h in history], axis=1)
            repeat = (hist == nxt[:, None]).any(axis=1)
            go = picks & ~repeat
            step = np.full(batch, -1, dtype=np.int64)
            step[alive[go]] = nxt[go]
            history.append(step)
            steps[alive[go]] += 1
            alive, cur = alive[go], nxt[go]
        walks = np.stack(history, axis=1)
        nodes = walks[walks >= 0]  # row-major: each walk's nodes stay together, in walk order
        return nodes.astype(np.int32), steps


@dataclass(frozen=True)
class Coverage:
    seeds: list[int]  # node indices in selection order
    covered: int  # RR sets covered by all seeds
    gains: list[int]  # sets newly covered by each seed in turn


def max_coverage(rr: RRCollection, k: int, *, eligible: np.ndarray | None = None) -> Coverage:
    """Greedy maximum coverage: k nodes covering the most RR sets ((1 - 1/e)-approximate).

    Counts are updated incrementally: when a set becomes covered, each of its nodes loses one, so the whole
    selection costs O(total RR size + k n). Ties go to the lowest node index (deterministic).
    """
    nodes, ptr = rr.arrays()
    n = rr.n
    counts = np.bincount(nodes, minlength=n).astype(np.int64)
    banned = np.zeros(n, dtype=bool) if eligible is None else ~eligible
    score = np.where(banned, -1, counts)
    # Inverse index node -> sets via a CSR -> CSC conversion (a counting sort in C, O(total size)).
    from scipy.sparse import csr_matrix

    inverse = csr_matrix((np.ones(nodes.size, dtype=np.int8), nodes, ptr), shape=(ptr.size - 1, n)).tocsc()
    node_ptr, sets_of_node = inverse.indptr, inverse.indices
    covered = np.zeros(ptr.size - 1, dtype=bool)
    seeds: list[int] = []
    gains: list[int] = []
    for _ in range(min(k, int((~banned).sum()))):
        v = int(np.argmax(score))
        sets = sets_of_node[node_ptr[v] : node_ptr[v + 1]]
        new = sets[~covered[sets]]
        covered[new] = True
        seeds.append(v)
        gains.append(int(new.size))
        if new.size:
            starts, lens = ptr[new], ptr[new + 1] - ptr[new]
            offsets = np.repeat(starts - np.concatenate([[0], np.cumsum(lens)[:-1]]), lens)
            members = nodes[offsets + np.arange(int(lens.sum()))]
            score -= np.bincount(members, minlength=n)
        score[v] = -1
        score[banned] = -1
    return Coverage(seeds, int(covered.sum()), gains)
