"""Verbatim copying: spans of a text that reproduce `min_chars`+ characters of a reference corpus (`copied`).

A retrieval-based copy writer that pastes another brand's ad, or a model that memorised its training copy, must not
be published, so the guard checks each output against the training copy (and any reference text a user gives).

How: texts are compared after normalisation (full-width -> half-width, lowercase, whitespace and punctuation
removed), so "白色衣身，十分百搭" matches "白色衣身 十分百搭！". The corpus is indexed by *winnowing* (Schleimer et
al., 2003): hashes of every k-gram, k = min_chars - window + 1, and in every window of `window` consecutive hashes
the smallest is kept. Any shared run of `min_chars` characters then shares at least one kept fingerprint, while
only ~2/(window+1) of positions are stored. Hashes are computed with numpy over the whole concatenated corpus, so
100k training copies (~10M characters) index in seconds and take tens of MB; a query hashes all its own k-grams,
looks them up with a binary search, and extends each hit character by character to the full verbatim run.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from koubei.artifacts import atomic_path, atomic_write_text, check_format_version, read_meta, write_meta
from koubei.errors import BadInputError
from koubei.generation.flags import Flag, has_cjk

FORMAT_VERSION = 1
_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_ANY_FULLWIDTH = re.compile("[\uff01-\uff5e\u3000]")
_DROP = re.compile(r"[\W_]+")
_DROP_KEEP_SEP = re.compile(r"(?:[^\w\x00]|_)+")
_SEP = "\x00"  # between documents: never part of a normalised text, so no match crosses it
_BASE = np.uint64(0x100000001B3)


@dataclass(frozen=True)
class CopyConfig:
    min_chars: int = 20  # a verbatim run this long (normalised characters) counts as copied
    window: int = 4  # winnowing window; k-grams of min_chars - window + 1 characters are hashed
    max_hits_per_gram: int = 64  # a boilerplate k-gram in thousands of documents: check this many of them

    def __post_init__(self) -> None:
        if self.min_chars < 5:
            raise BadInputError(f"copy min_chars={self.min_chars} is too small; use 5 or more (default 20)")
        if not 1 <= self.window <= self.min_chars - 4:
            raise BadInputError(
                f"copy window={self.window} must be between 1 and min_chars - 4 ({self.min_chars - 4})"
            )

    @property
    def k(self) -> int:
        return self.min_chars - self.window + 1


@dataclass(frozen=True)
class CopyMatch:
    """One copied run: `text[start:end]` of the checked text reproduces `length` normalised characters of `doc_id`."""

    start: int
    end: int
    span: str
    doc_id: str
    length: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "span": self.span,
            "doc_id": self.doc_id,
            "length": self.length,
        }


def _halfwidth(text: str) -> str:
    return text.translate(_FULLWIDTH) if _ANY_FULLWIDTH.search(text) else text  # translate is slow on CJK


def normalize_for_copy(text: str) -> str:
    """The form texts are compared in: half-width, lowercase, letters and digits only."""
    return _DROP.sub("", _halfwidth(text).lower())


def _normalize_with_offsets(text: str) -> tuple[str, list[int]]:
    chars: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(text):
        for c in ch.translate(_FULLWIDTH).lower():
            if c.isalnum():
                chars.append(c)
                offsets.append(i)
    return "".join(chars), offsets


def _kgram_hashes(text: str, k: int) -> np.ndarray:
    """64-bit hashes of every k-gram of `text` (polynomial over code points, then a splitmix64 finaliser)."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    n = len(codes) - k + 1
    if n <= 0:
        return np.zeros(0, dtype=np.uint64)
    h = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(k):
            h *= _BASE
            h += codes[j : j + n]
        h ^= h >> np.uint64(30)
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(27)
        h *= np.uint64(0x94D049BB133111EB)
        h ^= h >> np.uint64(31)
    return h


class CopyIndex:
    """Winnowed fingerprints of a reference corpus; `find(text)` returns the copied runs of `text`."""

    def __init__(self, config: CopyConfig | None = None) -> None:
        self.config = config or CopyConfig()
        self.doc_ids: list[str] = []
        self._corpus = ""
        self._starts = np.zeros(0, dtype=np.int64)
        self._hashes = np.zeros(0, dtype=np.uint64)
        self._positions = np.zeros(0, dtype=np.int64)

    @classmethod
    def build(
        cls, texts: Sequence[str], ids: Sequence[str] | None = None, config: CopyConfig | None = None
    ) -> CopyIndex:
        """Index `texts` (ids default to their positions "0", "1", ...)."""
        index = cls(config)
        if ids is not None and len(ids) != len(texts):
            raise BadInputError(f"copy index: {len(ids)} ids for {len(texts)} texts; give one id per text")
        index.doc_ids = [str(i) for i in ids] if ids is not None else [str(i) for i in range(len(texts))]
        if not texts:
            return index
        # Normalise the whole corpus in one pass (the separator survives it), not 100k small passes.
        joined = _SEP.join(str(t).replace(_SEP, "") for t in texts) + _SEP
        index._corpus = _DROP_KEEP_SEP.sub("", _halfwidth(joined).lower())
        index._fingerprint()
        return index

    def _fingerprint(self) -> None:
        k, w = self.config.k, self.config.window
        is_sep = np.frombuffer(self._corpus.encode("utf-32-le"), dtype=np.uint32) == 0
        sep_at = np.nonzero(is_sep)[0]
        self._starts = np.concatenate([[0], sep_at[:-1] + 1]).astype(np.int64)
        h = _kgram_hashes(self._corpus, k)
        if len(h) == 0:
            return
        # k-grams that contain a document separator never match; they are dropped after winnowing (a window inside
        # a shared run holds none of them, so the guarantee is unaffected).
        seps = np.concatenate([[0], np.cumsum(is_sep)])
        valid = (seps[k : k + len(h)] - seps[: len(h)]) == 0
        # The leftmost minimum of every window of w hashes, in w vector passes (a strided argmin is 10x slower).
        n = max(1, len(h) - w + 1)
        best = h[:n].copy()
        arg = np.zeros(n, dtype=np.int64)
        for j in range(1, min(w, len(h))):
            cand = h[j : j + n]
            better = cand < best
            best = np.where(better, cand, best)
            arg = np.where(better, j, arg)
        picked = np.arange(n) + arg  # non-decreasing: dropping repeats is a diff, not a sort
        picked = picked[np.concatenate([[True], picked[1:] != picked[:-1]])]
        picked = picked[valid[picked]]
        order = np.argsort(h[picked], kind="stable")
        self._hashes = h[picked][order]
        self._positions = picked[order].astype(np.int64)

    def __len__(self) -> int:
        return len(self.doc_ids)

    def find(self, text: str) -> list[CopyMatch]:
        """Maximal verbatim runs of `min_chars`+ normalised characters shared with one indexed document."""
        norm, offsets = _normalize_with_offsets(text)
        k = self.config.k
        if len(norm) < self.config.min_chars or len(self._hashes) == 0:
            return []
        qh = _kgram_hashes(norm, k)
        left = np.searchsorted(self._hashes, qh, side="left")
        right = np.searchsorted(self._hashes, qh, side="right")
        covered: dict[int, int] = {}  # diagonal (corpus pos - query pos) -> query end already extended
        runs: list[tuple[int, int, int]] = []  # (query start, query end, corpus start)
        corpus = self._corpus
        for qi in np.nonzero(right > left)[0].tolist():
            lo, hi = int(left[qi]), int(right[qi])
            for g in self._positions[lo : min(hi, lo + self.config.max_hits_per_gram)].tolist():
                diag = g - qi
                if covered.get(diag, -1) > qi or corpus[g : g + k] != norm[qi : qi + k]:
                    continue
                a, b = qi, qi + k
                while a > 0 and a + diag > 0 and corpus[a + diag - 1] == norm[a - 1]:
                    a -= 1
                while b < len(norm) and corpus[b + diag] == norm[b]:
                    b += 1
                covered[diag] = b
                if b - a >= self.config.min_chars:
                    runs.append((a, b, a + diag))
        return self._matches(text, offsets, runs)

    def _matches(self, text: str, offsets: list[int], runs: list[tuple[int, int, int]]) -> list[CopyMatch]:
        out: list[CopyMatch] = []
        for a, b, g in sorted(runs, key=lambda r: (r[0], -(r[1] - r[0]))):
            doc = int(np.searchsorted(self._starts, g, side="right")) - 1
            start, end = offsets[a], offsets[b - 1] + 1
            out.append(CopyMatch(start, end, text[start:end], self.doc_ids[doc], b - a))
        return out

    def flags(self, text: str) -> list[Flag]:
        """`copied` flags: overlapping runs merge; the rule names the longest run's source document."""
        merged: list[CopyMatch] = []
        for m in self.find(text):
            if merged and m.start < merged[-1].end:
                last = merged[-1]
                best = last if last.length >= m.length else m
                end = max(last.end, m.end)
                merged[-1] = CopyMatch(last.start, end, text[last.start : end], best.doc_id, best.length)
            else:
                merged.append(m)
        out = []
        for m in merged:
            zh = has_cjk(m.span)
            rule = (
                f"与参考文本 {m.doc_id} 有 {m.length} 个字符完全相同（阈值 {self.config.min_chars}）：可能侵犯著作权"
                if zh
                else f"reproduces {m.length} characters of reference {m.doc_id} verbatim (limit "
                f"{self.config.min_chars}): possible copyright infringement"
            )
            tip = "用自己的话改写这一段" if zh else "rewrite this passage in your own words"
            out.append(Flag("copied", m.start, m.end, m.span, rule, tip))
        return out

    def save(self, folder: str | Path) -> Path:
        """Write the index into `folder` (arrays, ids, corpus; the record last)."""
        path = Path(folder)
        path.mkdir(parents=True, exist_ok=True)
        with atomic_path(path / "fingerprints.npz") as tmp, tmp.open("wb") as handle:
            np.savez(handle, hashes=self._hashes, positions=self._positions, starts=self._starts)
        atomic_write_text(path / "corpus.txt", self._corpus)
        atomic_write_text(path / "doc_ids.json", json.dumps(self.doc_ids, ensure_ascii=False))
        write_meta(
            path,
            "copy_index",
            FORMAT_VERSION,
            min_chars=self.config.min_chars,
            window=self.config.window,
            max_hits_per_gram=self.config.max_hits_per_gram,
            documents=len(self.doc_ids),
        )
        return path

    @classmethod
    def load(cls, folder: str | Path) -> CopyIndex:
        meta = read_meta(folder, "copy index", kinds=("copy_index",))
        check_format_version(folder, meta, FORMAT_VERSION, what="copy index")
        path = Path(folder)
        index = cls(CopyConfig(int(meta["min_chars"]), int(meta["window"]), int(meta["max_hits_per_gram"])))
        with np.load(path / "fingerprints.npz") as arrays:
            index._hashes, index._positions, index._starts = (
                arrays["hashes"],
                arrays["positions"],
                arrays["starts"],
            )
        index._corpus = (path / "corpus.txt").read_text(encoding="utf-8")
        index.doc_ids = [str(i) for i in json.loads((path / "doc_ids.json").read_text(encoding="utf-8"))]
        return index


def find_copied(
    text: str, references: Sequence[str] | CopyIndex, config: CopyConfig | None = None
) -> list[Flag]:
    """`copied` flags of `text` against an index or a few reference texts (indexed on the fly)."""
    index = (
        references if isinstance(references, CopyIndex) else CopyIndex.build(list(references), config=config)
    )
    return index.flags(text)
