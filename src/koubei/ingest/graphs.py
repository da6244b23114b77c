"""Social-graph files: edge lists (who follows or can reach whom) and share-cascade files.

Edge lists are parsed by the one edge-list parser (`koubei.ingest.readers.parse_edge_text`; CSV / TSV / JSONL /
Parquet tables by their readers) and validated as `follows` rows by the same loader as `koubei ingest follows`, so
a file gives the same edges, and the same rejected rows, whichever command reads it. `read_edge_file` adds what
`koubei wom --graph` needs on top: the rows it had to skip, and whether the file is a plain `u v` list (which
`koubei wom` reads as undirected friendships, like SNAP's ego-Facebook).

Cascade files that the canonical `shares` fields cannot express directly:
- Twitter15/16 propagation trees (Ma et al. 2017), as converted in `shared/data/twitter16_cascades`: `edges.tsv`
  with cascade_id, parent_uid (ROOT for the source), child_uid, child_delay_min (minutes after the source) and
  `cascades.tsv` with the rumour label of each source tweet. Times are relative to the source tweet; there is no
  absolute clock, which is why a plain column mapping into `shares.created_at` cannot carry them.
- DeepHawkes Weibo repost cascades (Cao et al. 2017): one cascade per line,
  `id \\t root_user \\t publish_unix_time \\t n \\t u1:0 u1/u2:t ...` where each entry is the full repost path.
- Canonical share files (CSV/TSV/JSONL with from_user, to_user, item_id, parent_share_id, created_at), loaded as
  `shares` rows exactly like `koubei ingest shares`.
`read_cascade_file` detects which one it is handed and returns plain records; `koubei.social.cascades` turns them
into cascade trees.
"""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from koubei.errors import BadInputError
from koubei.ingest.loader import Rejection, load_file, load_table
from koubei.ingest.readers import FORMATS, EdgeTable, read_table

CASCADE_FORMATS = ("twitter16", "weibo", "shares")


def _text(path: Path, what: str = "cascade file") -> str:
    if not path.exists():
        raise BadInputError(f"{what} {str(path)!r} does not exist")
    if not path.is_file():
        raise BadInputError(f"{what} {str(path)!r} is not a regular file")
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BadInputError(f"{path.name} is not UTF-8 text ({error})") from None


@dataclass
class EdgeFile:
    """The usable edges of a graph file (validated `follows` rows: src, dst, weight) and the rows left out."""

    path: Path
    format: str  # edges | csv | tsv | jsonl | json | parquet
    rows: list[dict[str, Any]]
    rejected: list[Rejection] = field(default_factory=list)
    header: list[str] | None = None  # an edge list's own header line, when it has one

    @property
    def weighted(self) -> bool:
        return any(row.get("weight") is not None for row in self.rows)

    @property
    def plain(self) -> bool:
        """A plain `u v` edge list: no header, no weights (read as undirected by `koubei wom` unless told)."""
        return self.format == "edges" and self.header is None and not self.weighted


def read_edge_file(
    path: str | Path,
    mapping: dict[str, list[str]] | None = None,
    file_format: str | None = None,
    encoding: str = "utf-8",
) -> EdgeFile:
    """Read a graph file as `koubei ingest follows` reads it. A file whose extension names no table format is an
    edge list. Raises `BadInputError` when the file as a whole is unreadable or has no usable edge."""
    path = Path(path)
    fmt = file_format or FORMATS.get(path.suffix.lower(), "edges")
    table = read_table(path, fmt, encoding)
    loaded = load_table(table, "follows", path, mapping)
    header = table.header if isinstance(table, EdgeTable) else None
    if not loaded.rows:
        why = ""
        if loaded.rejected:
            first = loaded.rejected[0]
            why = f" ({len(loaded.rejected)} bad rows; row {first.row}: {'; '.join(first.reasons)})"
        raise BadInputError(f"graph file {str(path)!r} has no edges{why}")
    return EdgeFile(path, fmt, loaded.rows, loaded.rejected, header)


def read_edge_text(text: str, name: str = "uploaded edge list") -> EdgeFile:
    """An edge list handed over as text (an API upload), parsed and validated exactly as `read_edge_file` reads an
    edge-list file, so an upload gives the same edges and rejected rows as the same lines in a file."""
    from koubei.ingest.readers import parse_edge_text

    table = parse_edge_text(text)
    loaded = load_table(table, "follows", Path(name))
    if not loaded.rows:
        why = ""
        if loaded.rejected:
            first = loaded.rejected[0]
            why = f" ({len(loaded.rejected)} bad rows; row {first.row}: {'; '.join(first.reasons)})"
        raise BadInputError(f"{name} has no edges{why}; expected lines `u v [weight]`")
    return EdgeFile(Path(name), "edges", loaded.rows, loaded.rejected, table.header)


def read_id_file(path: Path) -> list[str]:
    """User ids, one per line (blank lines and `#` comments skipped), e.g. for `--seeds @FILE`."""
    return [
        line.strip()
        for line in _text(path, "id file").splitlines()
        if line.strip() and not line.startswith("#")
    ]


def read_user_values(path: Path) -> list[tuple[str, float]]:
    """`user value` lines (whitespace or comma separated; an optional header and `#` comments skipped), e.g. what
    reaching each user is worth for `koubei wom seeds --weights FILE`."""
    values = []
    for number, line in enumerate(_text(path, "weights file").splitlines(), start=1):
        parts = line.replace(",", " ").split()
        if (
            not parts
            or parts[0].startswith("#")
            or (number == 1 and parts[0].lower() in ("user_id", "user", "node"))
        ):
            continue
        try:
            value = float(parts[1])
        except (IndexError, ValueError):
            raise BadInputError(
                f"{path.name} line {number}: expected `user weight`, got {line[:80]!r}"
            ) from None
        if not math.isfinite(value):
            raise BadInputError(f"{path.name} line {number}: weight {parts[1]!r} is not a finite number")
        values.append((parts[0], value))
    return values


# ---- cascade files -----------------------------------------------------------------------------------------------


@dataclass
class CascadeTree:
    """One cascade as a file states it: its root and (parent, child, seconds after the root) transmissions."""

    cascade_id: str
    root: str
    edges: list[tuple[str, str, float | None]]
    label: str | None = None  # e.g. the rumour label of a Twitter16 source tweet
    origin: float | None = None  # Unix time of the root post, when the file has one (Weibo)


@dataclass
class CascadeFile:
    """What a cascade file holds: trees (twitter16, weibo) or canonical share rows (shares)."""

    path: Path
    format: str
    trees: list[CascadeTree] = field(default_factory=list)
    shares: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)


def detect_cascade_format(path: Path) -> str:
    """twitter16 (tab-separated with parent_uid and child_uid columns), weibo (5 tab-separated fields whose
    last starts with `root:0`) or shares (anything else: a canonical share table)."""
    with path.open(encoding="utf-8", errors="replace") as handle:
        first = handle.readline()
    fields = first.rstrip("\r\n").split("\t")
    if "parent_uid" in fields and "child_uid" in fields:
        return "twitter16"
    if len(fields) == 5 and fields[4].split(" ")[0].endswith(":0") and fields[2].isdigit():
        return "weibo"
    return "shares"


def read_twitter16(path: Path, labels_path: Path | None = None) -> list[CascadeTree]:
    """Cascades of a Twitter15/16 `edges.tsv` (labels from `cascades.tsv` beside it when present)."""
    if labels_path is None and (path.parent / "cascades.tsv").exists():
        labels_path = path.parent / "cascades.tsv"
    labels: dict[str, str] = {}
    if labels_path is not None:
        for row in csv.DictReader(io.StringIO(_text(labels_path)), delimiter="\t"):
            if row.get("cascade_id") is not None:
                labels[row["cascade_id"]] = row.get("label") or ""
    roots: dict[str, str] = {}
    edges: dict[str, list[tuple[str, str, float | None]]] = defaultdict(list)
    reader = csv.DictReader(io.StringIO(_text(path)), delimiter="\t")
    missing = {"cascade_id", "parent_uid", "child_uid", "child_delay_min"} - set(reader.fieldnames or [])
    if missing:
        raise BadInputError(f"{path.name}: not a twitter16 edges file (missing columns {sorted(missing)})")
    for number, row in enumerate(reader, start=2):
        cid = row["cascade_id"]
        try:
            delay = float(row["child_delay_min"]) * 60.0
        except (TypeError, ValueError):
            raise BadInputError(
                f"{path.name} line {number}: child_delay_min {row['child_delay_min']!r} is not a number"
            ) from None
        if row["parent_uid"] == "ROOT":
            roots.setdefault(cid, row["child_uid"])
        else:
            edges[cid].append((row["parent_uid"], row["child_uid"], delay))
    return [CascadeTree(cid, root, edges.get(cid, []), label=labels.get(cid)) for cid, root in roots.items()]


def read_weibo(path: Path) -> list[CascadeTree]:
    """Cascades of a DeepHawkes-format Weibo file."""
    trees = []
    for number, line in enumerate(_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) != 5:
            raise BadInputError(
                f"{path.name} line {number}: expected 5 tab-separated fields, got {len(parts)}"
            )
        edges: list[tuple[str, str, float | None]] = []
        for entry in parts[4].split():
            chain, _, seconds = entry.rpartition(":")
            users = chain.split("/")
            if len(users) >= 2:
                try:
                    edges.append((users[-2], users[-1], float(seconds)))
                except ValueError:
                    raise BadInputError(
                        f"{path.name} line {number}: repost {entry!r} does not end in ':seconds'"
                    ) from None
        try:
            origin: float | None = float(parts[2])
        except ValueError:
            origin = None
        trees.append(CascadeTree(parts[0], parts[1], edges, origin=origin))
    return trees


def read_cascade_file(path: str | Path, fmt: str | None = None) -> CascadeFile:
    """A twitter16 `edges.tsv`, a DeepHawkes Weibo file or a canonical shares file (detected unless `fmt`)."""
    path = Path(path)
    if not path.exists():
        raise BadInputError(f"cascade file {str(path)!r} does not exist")
    if not path.is_file():
        raise BadInputError(f"cascade file {str(path)!r} is not a regular file")
    if fmt is not None and fmt not in CASCADE_FORMATS:
        raise BadInputError(f"cascade format {fmt!r} is not known; use one of {', '.join(CASCADE_FORMATS)}")
    fmt = fmt or detect_cascade_format(path)
    if fmt == "twitter16":
        return CascadeFile(path, fmt, trees=read_twitter16(path))
    if fmt == "weibo":
        return CascadeFile(path, fmt, trees=read_weibo(path))
    loaded = load_file(path, "shares")
    return CascadeFile(path, fmt, shares=loaded.rows, rejected=loaded.rejected)
