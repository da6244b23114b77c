"""Model cards for the dashboard's jobs page: each trained model under KOUBEI_HOME/models and each registered
artifact (indexes), with the data it was trained on, its held-out metrics and its config, as saved beside it.

Read from the files the trainers write (`meta.json`, `*config.json`) and from the store's `artifacts` table;
nothing is recomputed. A folder whose files cannot be read is listed with the reason instead of being hidden.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from koubei.config import get_settings
from koubei.results import Result
from koubei.store import Store

DATA_KEYS = ("n_train", "n_skipped", "pairs_used", "documents", "classes", "languages", "data_record", "data")
MAX_DEPTH = 2  # nested metrics shown (e.g. metrics.heldout.accuracy)


@dataclass
class ModelCard(Result):
    name: str
    kind: str
    data: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    problem: str | None = None


@dataclass
class ModelCards(Result):
    cards: list[ModelCard]


def _flat(values: Any, prefix: str = "", depth: int = 0) -> dict[str, Any]:
    """Nested dicts as dotted keys, scalars only (lists shown when short)."""
    out: dict[str, Any] = {}
    if not isinstance(values, dict):
        return out
    for key, value in values.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and depth < MAX_DEPTH:
            out.update(_flat(value, name + ".", depth + 1))
        elif isinstance(value, (str, int, float, bool)) or value is None:
            out[name] = value
        elif (
            isinstance(value, list)
            and len(value) <= 8
            and all(isinstance(v, (str, int, float)) for v in value)
        ):
            out[name] = ", ".join(str(v) for v in value)
    return out


def _read_json(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def folder_card(folder: Path) -> ModelCard:
    """The card of one model folder (its meta.json and config files)."""
    try:
        meta = _read_json(folder / "meta.json") if (folder / "meta.json").is_file() else {}
        config: dict[str, Any] = {}
        for path in sorted(folder.glob("*config.json")):
            config.update(_flat(_read_json(path)))
    except (OSError, ValueError) as error:
        return ModelCard(folder.name, "unknown", problem=f"cannot read its files: {error}")
    kind = str(meta.get("format") or meta.get("kind") or "model")
    data = {k: v for k, v in _flat({k: meta[k] for k in DATA_KEYS if k in meta}).items()}
    metrics = _flat(meta.get("metrics") or {})
    return ModelCard(folder.name, kind, data, metrics, config)


def model_cards(store: Store) -> ModelCards:
    from koubei.store.dashboard import artifact_rows

    cards = []
    models = get_settings().models_dir
    if models.is_dir():
        for folder in sorted(p for p in models.iterdir() if p.is_dir()):
            if any((folder / name).is_file() for name in ("meta.json", "config.json")):
                cards.append(folder_card(folder))
    for row in artifact_rows(store):
        cards.append(ModelCard(row["name"], row["kind"], {}, _flat(row["metrics"]), _flat(row["config"])))
    return ModelCards(cards)
