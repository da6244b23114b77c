"""Evaluation of the assistant on a labelled Q&A file: retrieval hit@k / MRR per mode, escalation precision.

A Q&A file is JSON Lines or CSV with a `question` and what counts as a right answer: an `answer` text (matched
after lower-casing and dropping punctuation) and/or a `doc_id` / `faq_id` / `qa_id`; optional `product_id`
(retrieval is then scoped to that product) and `escalate` (true for questions that should go to a human:
unanswerable ones and complaints). Rows with neither answer nor id only count toward escalation.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from koubei.errors import BadInputError
from koubei.support.assistant import Assistant
from koubei.support.index import MODES, ServiceIndex

_TRUE = {"1", "true", "yes", "y", "t"}


def norm_answer(text: str) -> str:
    return re.sub(r"[\W_]+", "", str(text).lower())


def read_qa_file(path: Path) -> list[dict[str, Any]]:
    """Rows of a JSONL or CSV Q&A file, checked: each needs a non-empty `question`."""
    if not path.exists():
        raise BadInputError(f"--qa file {str(path)!r} does not exist")
    rows: list[dict[str, Any]] = []
    if path.suffix.lower() in (".jsonl", ".json", ".ndjson"):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                raise BadInputError(f"{path.name} line {n}: not valid JSON ({error.msg})") from None
            if not isinstance(row, dict):
                raise BadInputError(f"{path.name} line {n}: expected a JSON object, got {type(row).__name__}")
            rows.append(row)
    elif path.suffix.lower() in (".csv", ".tsv"):
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh, delimiter="\t" if path.suffix.lower() == ".tsv" else ","))
    else:
        raise BadInputError(
            f"--qa file {path.name!r}: expected .jsonl or .csv, got {path.suffix or 'no extension'!r}"
        )
    for n, row in enumerate(rows, start=1):
        if not str(row.get("question") or "").strip():
            raise BadInputError(f"{path.name} row {n}: 'question' is missing or empty")
        if "escalate" in row and not isinstance(row["escalate"], bool):
            row["escalate"] = str(row["escalate"]).strip().lower() in _TRUE
        for key in ("product_id", "doc_id", "faq_id", "qa_id", "answer"):
            if row.get(key) in ("", None):
                row.pop(key, None)
    if not rows:
        raise BadInputError(f"--qa file {path.name!r} has no rows")
    return rows


def relevant_ids(row: dict[str, Any], index: ServiceIndex, by_answer: dict[str, set[str]]) -> set[str]:
    ids: set[str] = set()
    if "doc_id" in row:
        ids.add(str(row["doc_id"]))
    if "faq_id" in row:
        ids.add(f"faq:{row['faq_id']}")
    if "qa_id" in row:
        ids.add(f"qa:{row['qa_id']}")
    if "answer" in row:
        ids |= by_answer.get(norm_answer(row["answer"]), set())
    return ids


def retrieval_metrics(
    index: ServiceIndex, rows: Sequence[dict[str, Any]], modes: Sequence[str] = MODES, k: int = 10
) -> dict[str, dict[str, float]]:
    """hit@1, hit@5 (in %) and MRR@k per retrieval mode over rows that name a right answer."""
    by_answer: dict[str, set[str]] = {}
    for d in index.docs_:
        by_answer.setdefault(norm_answer(d.text), set()).add(d.doc_id)
    items = [(r, relevant_ids(r, index, by_answer)) for r in rows]
    items = [(r, rel) for r, rel in items if rel]
    out: dict[str, dict[str, float]] = {}
    for mode in modes:
        if mode == "dense" and not index.dense_specs:
            continue
        hit1 = hit5 = 0
        rr = 0.0
        for row, rel in items:
            hits = index.search(str(row["question"]), product_id=row.get("product_id"), k=k, mode=mode)
            rank = next((i for i, h in enumerate(hits, start=1) if h.doc.doc_id in rel), None)
            if rank is not None:
                hit1 += rank == 1
                hit5 += rank <= 5
                rr += 1 / rank
        n = max(1, len(items))
        out[mode] = {
            "hit@1": round(100 * hit1 / n, 2),
            "hit@5": round(100 * hit5 / n, 2),
            "mrr": round(rr / n, 4),
            "n": len(items),
        }
    return out


def escalation_metrics(assistant: Assistant, rows: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """Precision/recall of escalation against the `escalate` labels (None when no row is labelled)."""
    labelled = [r for r in rows if "escalate" in r]
    if not labelled:
        return None
    known = assistant.index.product_ids()
    tp = fp = fn = tn = 0
    reasons: dict[str, int] = {}
    for row in labelled:
        pid = row.get("product_id")
        reply, _ = assistant.ask(str(row["question"]), product_id=pid if pid in known else None)
        escalated = reply.escalation is not None
        if escalated:
            reasons[reply.escalation.reason] = reasons.get(reply.escalation.reason, 0) + 1  # type: ignore[union-attr]
        truth = bool(row["escalate"])
        tp += escalated and truth
        fp += escalated and not truth
        fn += (not escalated) and truth
        tn += (not escalated) and not truth
    return {
        "precision": round(tp / (tp + fp), 4) if tp + fp else None,
        "recall": round(tp / (tp + fn), 4) if tp + fn else None,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "reasons": reasons,
        "n": len(labelled),
    }
