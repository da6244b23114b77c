"""Readers for cascade files that the canonical `shares` fields cannot express directly.

- Twitter15/16 propagation trees (Ma et al. 2017), as converted in `shared/data/twitter16_cascades`: `edges.tsv`
  with cascade_id, parent_uid (ROOT for the source), child_uid, child_delay_min (minutes after the source) and
  `cascades.tsv` with the rumour label of each source tweet. Times are relative to the source tweet; there is no
  absolute clock, which is why a plain column mapping into `shares.created_at` cannot carry them.
- DeepHawkes Weibo repost cascades (Cao et al. 2017): one cascade per line,
  `id \\t root_user \\t publish_unix_time \\t n \\t u1:0 u1/u2:t ...` where each entry is the full repost path.
- Canonical share files (CSV/TSV/JSONL with from_user, to_user, item_id, parent_share_id, created_at), read through
  `koubei.ingest.load_file` so they are validated like `koubei ingest shares`.
`read_cascades(path)` detects which one it is handed. `cascade_edges_graph` turns cascades into the who-passed-it-to-
whom graph (arc parent -> child, weight = number of cascades using it); `share_rows` turns cascades into canonical
share rows (for `koubei ingest shares` and the store).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from koubei.errors import BadInputError
from koubei.social.cascades import Cascade, build_cascade, cascades_from_shares
from koubei.social.graph import SocialGraph

FORMATS = ("twitter16", "weibo", "shares")


def detect_format(path: Path) -> str:
    with path.open(encoding="utf-8", errors="replace") as handle:
        first = handle.readline()
    fields = first.rstrip("\n").split("\t")
    if "parent_uid" in fields and "child_uid" in fields:
        return "twitter16"
    if len(fields) == 5 and fields[4].split(" ")[0].endswith(":0") and fields[2].isdigit():
        return "weibo"
    return "shares"


def read_twitter16(path: Path, labels_path: Path | None = None) -> list[Cascade]:
    """Cascades from a Twitter15/16 `edges.tsv` (labels from `cascades.tsv` beside it when present)."""
    if labels_path is None and (path.parent / "cascades.tsv").exists():
        labels_path = path.parent / "cascades.tsv"
    labels: dict[str, str] = {}
    if labels_path is not None:
        with labels_path.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                labels[row["cascade_id"]] = row.get("label") or ""
    roots: dict[str, str] = {}
    edges: dict[str, list[tuple[Any, Any, float | None]]] = defaultdict(list)
    with path.open(encoding="utf-8") as handle:
        reader = csv.DictReader(handle, delimiter="\t")
        missing = {"cascade_id", "parent_uid", "child_uid", "child_delay_min"} - set(reader.fieldnames or [])
        if missing:
            raise BadInputError(
                f"{path.name}: not a twitter16 edges file (missing columns {sorted(missing)})"
            )
        for number, row in enumerate(reader, start=2):
            cid = row["cascade_id"]
            try:
                delay = float(row["child_delay_min"]) * 60.0
            except ValueError:
                raise BadInputError(
                    f"{path.name} line {number}: child_delay_min {row['child_delay_min']!r}"
                ) from None
            if row["parent_uid"] == "ROOT":
                roots.setdefault(cid, row["child_uid"])
            else:
                edges[cid].append((row["parent_uid"], row["child_uid"], delay))
    cascades = []
    for cid, root in roots.items():
        cascade, _ = build_cascade(cid, root, edges.get(cid, []), item_id=cid, label=labels.get(cid))
        cascades.append(cascade)
    return cascades


def read_weibo(path: Path) -> list[Cascade]:
    """Cascades from a DeepHawkes-format Weibo file."""
    cascades = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            parts = line.rstrip("\n").split("\t")
            if not line.strip():
                continue
            if len(parts) != 5:
                raise BadInputError(
                    f"{path.name} line {number}: expected 5 tab-separated fields, got {len(parts)}"
                )
            cid, root = parts[0], parts[1]
            edges = []
            for entry in parts[4].split():
                chain, _, seconds = entry.rpartition(":")
                users = chain.split("/")
                if len(users) >= 2:
                    edges.append((users[-2], users[-1], float(seconds)))
            try:
                origin = float(parts[2])
            except ValueError:
                origin = None
            cascade, _ = build_cascade(cid, root, edges, item_id=cid, origin=origin)
            cascades.append(cascade)
    return cascades


def read_cascades(path: str | Path, fmt: str | None = None) -> list[Cascade]:
    """Cascades from a twitter16 `edges.tsv`, a DeepHawkes Weibo file or a canonical shares file."""
    path = Path(path)
    if not path.exists() or path.is_dir():
        raise BadInputError(f"cascade file {str(path)!r} does not exist or is a folder")
    fmt = fmt or detect_format(path)
    if fmt == "twitter16":
        return read_twitter16(path)
    if fmt == "weibo":
        return read_weibo(path)
    if fmt == "shares":
        from koubei.ingest import load_file

        result = load_file(path, "shares")
        return cascades_from_shares(result.rows)
    raise BadInputError(f"cascade format {fmt!r} is not known; use one of {', '.join(FORMATS)}")


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
