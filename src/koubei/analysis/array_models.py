"""The on-disk form of koubei's numpy models (the fast polarity model, the supervised aspect model).

A folder holds `model.npz` (arrays only, loaded with `allow_pickle=False`), the resolved config as JSON and
`meta.json` (format, format version, what the arrays mean). Written through `koubei.artifacts`: each file
atomically, `meta.json` last, so a folder whose meta.json exists holds a complete model; read back with one
format-version rule and plain errors for folders that are not such a model.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

import numpy as np

from koubei.artifacts import (
    atomic_path,
    check_format_version,
    load_config,
    read_meta,
    save_config,
    write_meta,
)
from koubei.errors import BadInputError

ARRAYS_FILE = "model.npz"
C = TypeVar("C")


def save_array_model(
    folder: str | Path,
    arrays: dict[str, np.ndarray],
    config: Any,
    config_file: str,
    *,
    kind: str,
    format: str,
    format_version: int,
    **meta: Any,
) -> Path:
    """Write arrays, config and meta.json (last) into `folder` (created); returns the folder."""
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    with atomic_path(path / ARRAYS_FILE) as tmp, tmp.open("wb") as sink:
        np.savez(sink, **arrays)  # type: ignore[arg-type]
    save_config(path / config_file, config)
    write_meta(path, kind, format_version, format=format, **meta)
    return path


@dataclass
class LoadedArrayModel(Generic[C]):
    meta: dict[str, Any]
    config: C
    arrays: dict[str, np.ndarray]


def load_array_model(
    folder: str | Path,
    what: str,
    *,
    format: str,
    format_version: int,
    config_cls: type[C],
    config_files: tuple[str, ...],
) -> LoadedArrayModel[C]:
    """Meta, config (the first of `config_files` present: older models may name it differently) and arrays."""
    path = Path(folder)
    meta = read_meta(path, what)
    if meta.get("format") != format:
        raise BadInputError(f"{str(path)!r} holds a {meta.get('format')!r} model, not a {what}")
    check_format_version(path, meta, format_version, what=what)
    config_file = next(
        (path / name for name in config_files if (path / name).exists()), path / config_files[0]
    )
    config = load_config(config_file, config_cls, what=f"{what} config")
    with np.load(path / ARRAYS_FILE, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    return LoadedArrayModel(meta, config, arrays)
