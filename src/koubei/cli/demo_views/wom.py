"""How the demo shows the word-of-mouth step (`koubei.pipelines.demo_steps.wom`)."""

from __future__ import annotations

import math
from typing import Any


def render(result: Any, console: Any) -> None:
    from rich.table import Table

    summary = result.cascades
    virality = summary["structural_virality"].get("mean")
    console.print(
        f"Graph: {result.graph_source}: {result.graph['nodes']:,} users, {result.graph['arcs']:,} arcs.\n"
        f"Cascades: {result.cascade_source}: {summary['cascades']} cascades, mean size {summary['size']['mean']:.1f} "
        f"(max {summary['size']['max']:.0f}), mean depth {summary['depth']['mean']:.2f}, mean structural virality "
        f"{virality if virality is not None else math.nan:.2f}."
    )
    table = Table(
        "10 seeds chosen by",
        "expected spread (users)",
        "95% CI",
        "chosen in",
        "IMM's lift",
        title=f"IC, weighted cascade, spread from {result.mc_runs:,} fresh simulations",
    )
    lifts = {"degree": result.imm_lift_over_degree, "pagerank": result.imm_lift_over_pagerank}
    for name, label in (("imm", "IMM"), ("degree", "top degree"), ("pagerank", "top PageRank")):
        row = getattr(result, name)
        lo, hi = row["ci95"]
        table.add_row(
            label,
            f"{row['expected_spread']:.1f}",
            f"{lo:.1f}-{hi:.1f}",
            f"{row['seconds']:.2f} s",
            "" if name == "imm" else f"{lifts[name]:+.1%}",
        )
    console.print(table)
    if "guarantee" in result.imm:
        console.print(f"IMM: {result.imm['guarantee']}")
