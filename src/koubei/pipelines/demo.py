"""`koubei demo`: the whole product on the bundled corpus, one step per capability, then a summary.

Steps are the modules of `koubei.pipelines.demo_steps`, run in the order of their `ORDER`. Each has a `TITLE` and
`run(ctx) -> dict`; what a step returns is kept in `ctx.results[<module name>]` for the steps after it and printed
as the JSON summary. A step that fails is reported and the demo goes on with the rest (its dependents see no
result and say so), so one broken capability does not hide the others.
"""

from __future__ import annotations

import importlib
import pkgutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from koubei.errors import KoubeiError
from koubei.store import Store


@dataclass
class DemoContext:
    store: Store
    workdir: Path
    console: Any
    quick: bool = False
    options: dict[str, Any] = field(default_factory=dict)  # e.g. {"graph": Path} from the command line
    results: dict[str, dict[str, Any]] = field(default_factory=dict)


def discover_steps() -> list[ModuleType]:
    from koubei.pipelines import demo_steps

    modules = [
        importlib.import_module(f"{demo_steps.__name__}.{info.name}")
        for info in pkgutil.iter_modules(demo_steps.__path__)
        if not info.name.startswith("_")
    ]
    return sorted(modules, key=lambda m: (getattr(m, "ORDER", 1000), m.__name__))


def run_demo(
    store: Store,
    workdir: Path,
    console: Any,
    *,
    quick: bool = False,
    only: list[str] | None = None,
    options: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Run every demo step (or those named in `only`); return {"steps": {...}, "failed": [...], "seconds": ...}."""
    workdir.mkdir(parents=True, exist_ok=True)
    ctx = DemoContext(store=store, workdir=workdir, console=console, quick=quick, options=options or {})
    failed: list[dict[str, str]] = []
    started = time.perf_counter()
    for module in discover_steps():
        name = module.__name__.rsplit(".", 1)[-1]
        if only and name not in only:
            continue
        console.rule(f"[bold]{module.TITLE}")
        step_started = time.perf_counter()
        try:
            result = module.run(ctx)
        except KoubeiError as error:
            console.print(f"[red]{module.TITLE} failed: {error}[/]")
            failed.append({"step": name, "error": str(error)})
            continue
        result = dict(result or {})
        result["seconds"] = round(time.perf_counter() - step_started, 2)
        ctx.results[name] = result
    summary = {
        "database": store.url,
        "workdir": str(workdir),
        "steps": ctx.results,
        "failed": failed,
        "seconds": round(time.perf_counter() - started, 2),
    }
    return summary
