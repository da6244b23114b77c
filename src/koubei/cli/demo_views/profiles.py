"""How the demo shows the profiles step (`koubei.pipelines.demo_steps.profiles`)."""

from __future__ import annotations

from typing import Any


def render(result: Any, console: Any) -> None:
    from rich.table import Table

    console.print(f"Users: {result.source}.")
    console.print(
        f"{result.profiles_built:,} profiles built. Voice: "
        + ", ".join(f"{k} {v:,}" for k, v in result.status.items())
        + ". RFM classes: "
        + ", ".join(f"{k} {v:,}" for k, v in result.rfm_classes.items())
        + f". Customer value (BG/NBD) from {result.value_source}."
    )
    scores = ", ".join(f"k={k}: {v:.3f}" for k, v in result.silhouettes.items())
    table = Table(
        "segment",
        "分群",
        "users",
        "main RFM class",
        "exp. purchases / user",
        title=f"{result.k} segments ({scores})",
    )
    for seg in result.segments:
        top = next(iter(seg["rfm_overlap"].items()), ("-", {"share": 0.0}))
        mean = seg["value"].get("expected_purchases_mean")
        table.add_row(
            seg["name_en"],
            seg["name_zh"],
            f"{seg['size']:,}",
            f"{top[0]} ({top[1]['share']:.0%})",
            "" if mean is None else f"{mean:.2f}",
        )
    console.print(table)
    if result.segments:
        console.print(f"Persona for `koubei copy generate --persona`: {result.segments[0]['persona']!r}")
    for note in result.notes:
        console.print(f"[yellow]note:[/] {note}")
