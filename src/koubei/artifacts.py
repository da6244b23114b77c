"""Artifacts on disk (models, indexes, routers): one way to write them safely and read them back.

Every artifact folder holds a `meta.json`-style record with a `format_version`, the resolved config beside the
weights, and its data files. The rules, in one place:
- every file is written atomically (temp file in the same folder + fsync + rename), so a kill at any moment leaves
  either the old file or the new one, never a truncated one; a pointer (e.g. `latest.json`) is written last;
- a format version has one meaning: a reader knows formats `oldest .. current`; a newer one is refused ("written
  by a newer koubei: upgrade"), an older one outside the range is refused ("rebuild it");
- a folder that is not the artifact asked for gets a plain "not a ... folder" error, never a JSON traceback.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, fields, is_dataclass
from pathlib import Path
from typing import Any, TypeVar

from koubei.errors import BadInputError, NotFoundError

META_FILE = "meta.json"
CONFIG_FILE = "config.json"

T = TypeVar("T")


def fsync_path(path: Path) -> None:
    """fsync a file or a folder (a folder's fsync makes a rename inside it durable)."""
    fd = os.open(str(path), os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to `path`; when the block succeeds it is fsynced and renamed onto `path`.

    For writers that want a file name (torch.save, safetensors, numpy); on an exception the temp file is removed
    and `path` is untouched.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=str(target.parent))
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        fsync_path(tmp)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_path(target.parent)


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Replace `path` with `data` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Replace `path` with `text` (UTF-8) atomically."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def write_json(path: str | Path, data: Any) -> Path:
    """Write `data` as readable UTF-8 JSON, atomically (NaN is refused: strict JSON has none)."""
    text = json.dumps(data, ensure_ascii=False, indent=2, default=str, allow_nan=False) + "\n"
    return atomic_write_text(path, text)


def read_json(path: str | Path, what: str = "file") -> Any:
    """Read a JSON file with plain errors: missing -> NotFoundError, unreadable/corrupt -> BadInputError."""
    file = Path(path)
    if not file.is_file():
        raise NotFoundError(f"{what} {str(file)!r} does not exist")
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BadInputError(
            f"{what} {str(file)!r} is damaged (not valid JSON: {error}); rebuild or retrain it"
        ) from None


def write_meta(
    folder: str | Path, kind: str, format_version: int, name: str = META_FILE, **fields_: Any
) -> Path:
    """Write the artifact's record: {"kind", "format_version", ...fields} (atomically; write it last)."""
    record = {"kind": kind, "format_version": format_version, **fields_}
    return write_json(Path(folder) / name, record)


def read_meta(
    folder: str | Path,
    what: str,
    *,
    name: str = META_FILE,
    kinds: tuple[str, ...] | None = None,
    required: bool = True,
) -> dict[str, Any]:
    """The artifact record of `folder`, or {} when absent and not `required`.

    `what` names the artifact for messages ("sentiment model"); `kinds`, when given, are the kinds accepted.
    """
    path = Path(folder)
    if not path.exists():
        raise NotFoundError(f"{what} folder {str(path)!r} does not exist")
    if not path.is_dir():
        raise BadInputError(f"{str(path)!r} is a file; expected a {what} folder")
    file = path / name
    if not file.is_file():
        if not required:
            return {}
        raise NotFoundError(f"{str(path)!r} is not a koubei {what} folder (no {name})")
    data = read_json(file, what=f"{what} record")
    if not isinstance(data, dict):
        raise BadInputError(f"{what} record {str(file)!r} is damaged (expected a JSON object)")
    if kinds is not None and data.get("kind") not in kinds:
        raise BadInputError(
            f"{str(path)!r} holds a {data.get('kind')!r} artifact; expected a {what} ({', '.join(kinds)})"
        )
    return data


def check_format_version(
    folder: str | Path, meta: dict[str, Any], current: int, oldest: int = 1, what: str = "artifact"
) -> int:
    """The artifact's format version, checked against what this koubei reads (`oldest` .. `current`)."""
    raw = meta.get("format_version", oldest)
    try:
        version = int(raw)
    except (TypeError, ValueError):
        raise BadInputError(f"{what} {str(folder)!r} has an unreadable format_version {raw!r}") from None
    if version > current:
        raise BadInputError(
            f"{what} {str(folder)!r} has format version {version}, newer than this koubei reads (up to {current}): "
            "upgrade koubei"
        )
    if version < oldest:
        raise BadInputError(
            f"{what} {str(folder)!r} has format version {version}, older than this koubei reads ({oldest}..{current}): "
            "rebuild or retrain it"
        )
    return version


def save_config(path: str | Path, config: Any) -> Path:
    """Save a config dataclass (or a plain dict) as JSON beside the weights."""
    data = asdict(config) if is_dataclass(config) and not isinstance(config, type) else dict(config)
    return write_json(path, data)


def load_config(path: str | Path, cls: Callable[..., T], what: str = "config") -> T:
    """Load a config dataclass saved by `save_config`; keys this version does not know are ignored."""
    data = read_json(path, what=what)
    if not isinstance(data, dict):
        raise BadInputError(f"{what} {str(path)!r} is damaged (expected a JSON object)")
    if is_dataclass(cls):
        known = {f.name for f in fields(cls)}
        data = {k: v for k, v in data.items() if k in known}
    return cls(**data)


# Default places under KOUBEI_HOME, so the CLI, the API, jobs and the demo find the same artifacts.
def default_model_dir(name: str) -> Path:
    """`KOUBEI_HOME/models/<name>`, e.g. "lm", "sentiment-fast", "aspects"."""
    from koubei.config import get_settings

    return get_settings().models_dir / name


def default_index_dir(name: str) -> Path:
    """`KOUBEI_HOME/indexes/<name>`, e.g. "service" (the customer-service evidence index)."""
    from koubei.config import get_settings

    return get_settings().indexes_dir / name
