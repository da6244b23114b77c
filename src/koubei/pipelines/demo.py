"""`koubei demo`: the whole product on the bundled corpus, one step per capability, then a summary.

Steps are the modules of `koubei.pipelines.demo_steps`, run in the order of their `ORDER`. Each has a `TITLE`, a
`SHOWS` line (what it demonstrates), `SECONDS` (its expected duration on 2 cores as `(quick, full)`, said to the
user before the demo starts) and `run(ctx) -> Result`. Steps compute and return data; they never print: the CLI
renders each result with `koubei.cli.demo_views.<step>` as it arrives. What a step returns is kept in
`ctx.results[<module name>]` for the steps after it. A step that fails is reported and the demo goes on with the
rest (its dependents see no result and say so), so one broken capability does not hide the others.
"""

from __future__ import annotations

import importlib
import pkgutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from koubei.errors import BadInputError, KoubeiError
from koubei.progress import Progress, or_null
from koubei.results import Result, to_jsonable
from koubei.store import Store


@dataclass
class DemoContext:
    store: Store
    workdir: Path
    quick: bool = False
    options: dict[str, Any] = field(default_factory=dict)  # e.g. {"graph": Path} from the command line
    progress: Progress = field(default_factory=lambda: or_null(None))
    results: dict[str, Any] = field(default_factory=dict)


@dataclass
class PlannedStep(Result):
    name: str
    title: str
    shows: str
    expected_seconds: float


@dataclass
class DemoPlan(Result):
    steps: list[PlannedStep]
    expected_seconds: float
    quick: bool


@dataclass
class StepOutcome(Result):
    """One finished step: its result (None when it failed) or the plain reason it failed."""

    name: str
    title: str
    seconds: float
    result: Any = None
    error: str | None = None


@dataclass
class DemoSummary(Result):
    database: str
    workdir: Path
    steps: dict[str, Any]
    failed: list[dict[str, str]]
    seconds: float
    expected_seconds: float

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        # A step's JSON is its result's fields plus how long it took (the shape scripts already read).
        out["steps"] = {name: to_jsonable(result) for name, result in self.steps.items()}
        return out


def discover_steps() -> list[ModuleType]:
    from koubei.pipelines import demo_steps

    modules = [
        importlib.import_module(f"{demo_steps.__name__}.{info.name}")
        for info in pkgutil.iter_modules(demo_steps.__path__)
        if not info.name.startswith("_")
    ]
    return sorted(modules, key=lambda m: (getattr(m, "ORDER", 1000), m.__name__))


def step_name(module: ModuleType) -> str:
    return module.__name__.rsplit(".", 1)[-1]


def plan_demo(quick: bool = False, only: list[str] | None = None) -> DemoPlan:
    """The steps that will run, what each shows and how long it is expected to take."""
    modules = discover_steps()
    known = [step_name(m) for m in modules]
    unknown = sorted(set(only or []) - set(known))
    if unknown:
        raise BadInputError(f"unknown demo step(s) {', '.join(unknown)}; the steps are: {', '.join(known)}")
    planned = []
    for module in modules:
        if only and step_name(module) not in only:
            continue
        quick_s, full_s = getattr(module, "SECONDS", (10, 30))
        planned.append(
            PlannedStep(
                step_name(module),
                module.TITLE,
                getattr(module, "SHOWS", module.TITLE),
                quick_s if quick else full_s,
            )
        )
    return DemoPlan(planned, float(sum(s.expected_seconds for s in planned)), quick)


def iter_demo(ctx: DemoContext, plan: DemoPlan) -> Iterator[StepOutcome]:
    """Run the planned steps in order, yielding each outcome as soon as it is known."""
    ctx.workdir.mkdir(parents=True, exist_ok=True)
    modules = {step_name(m): m for m in discover_steps()}
    for planned in plan.steps:
        module = modules[planned.name]
        started = time.perf_counter()
        try:
            result = module.run(ctx)
        except KoubeiError as error:
            yield StepOutcome(
                planned.name, planned.title, round(time.perf_counter() - started, 2), error=str(error)
            )
            continue
        seconds = round(time.perf_counter() - started, 2)
        if isinstance(result, dict):
            result = {**result, "seconds": seconds}
        elif result is not None and hasattr(result, "seconds"):
            result.seconds = seconds
        ctx.results[planned.name] = result
        yield StepOutcome(planned.name, planned.title, seconds, result=result)


def run_demo(
    store: Store,
    workdir: Path,
    *,
    quick: bool = False,
    only: list[str] | None = None,
    options: dict[str, Any] | None = None,
    progress: Progress | None = None,
) -> DemoSummary:
    """Run every demo step (or those named in `only`) and return the summary (the library form of `koubei demo`)."""
    plan = plan_demo(quick, only)
    ctx = DemoContext(
        store=store,
        workdir=workdir,
        quick=quick,
        options=options or {},
        progress=or_null(progress),
    )
    started = time.perf_counter()
    outcomes = list(iter_demo(ctx, plan))
    return summarize(ctx, plan, outcomes, time.perf_counter() - started)


def summarize(ctx: DemoContext, plan: DemoPlan, outcomes: list[StepOutcome], seconds: float) -> DemoSummary:
    return DemoSummary(
        database=ctx.store.url,
        workdir=ctx.workdir,
        steps={o.name: o.result for o in outcomes if o.error is None},
        failed=[{"step": o.name, "error": o.error} for o in outcomes if o.error is not None],
        seconds=round(seconds, 2),
        expected_seconds=plan.expected_seconds,
    )
