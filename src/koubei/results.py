"""The base of every typed result a pipeline returns: a dataclass with `to_dict()` for `--json` and API bodies.

Pipelines return dataclasses (never bare dicts) so the CLI renderers read attributes, the API's response models
derive from the same fields, and a renamed field breaks loudly in one place. `to_dict()` turns nested results,
paths, tuples and non-finite floats into plain JSON values (NaN/inf become null: strict JSON has no NaN).
"""

from __future__ import annotations

import dataclasses
import math
from enum import Enum
from pathlib import Path
from typing import Any


def to_jsonable(value: Any) -> Any:
    """A JSON-safe copy of `value`: dataclasses, mappings, sequences, paths, enums, numpy scalars, NaN -> None."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        to_dict = getattr(value, "to_dict", None)
        return to_jsonable(to_dict()) if callable(to_dict) else fields_dict(value)
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return [to_jsonable(v) for v in items]
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Enum):
        return to_jsonable(value.value)
    if isinstance(value, bool) or value is None or isinstance(value, (str, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    item = getattr(value, "item", None)  # numpy scalars
    if callable(item):
        return to_jsonable(item())
    return str(value)


def fields_dict(value: Any) -> dict[str, Any]:
    """The JSON-safe fields of one dataclass instance (those with `repr=False` left out)."""
    return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value) if f.repr}


@dataclasses.dataclass
class Result:
    """Subclass with `@dataclass`; fields declared with `field(repr=False)` stay out of `to_dict()`."""

    def to_dict(self) -> dict[str, Any]:
        return fields_dict(self)
