"""How the demo shows the customer-service step (`koubei.pipelines.demo_steps.support`)."""

from __future__ import annotations

from typing import Any


def render(result: Any, console: Any) -> None:
    build = result.index
    console.print(
        f"Index: {build['docs']:,} evidence pieces ({build['added']:,} new, {build['unchanged']:,} unchanged), "
        f"dense retriever: {build['dense']}, built in {build['seconds']} s"
    )
    for reply in result.answers:
        console.print(
            f"\n[bold]Q: {reply['question']}[/]  (intent {reply['intent']}, {reply['latency_ms']:.0f} ms)"
        )
        console.print(reply["answer"])
        for c in reply["citations"]:
            sentence = f" sentence {c['sentence']}" if "sentence" in c else ""
            console.print(f"  [dim][{c['n']}] {c['kind']} {c['id']}{sentence}[/]")
    esc = result.escalation
    console.print(f"\n[bold]Q: {esc['question']}[/]\n{esc['answer']}")
    console.print(
        f"[yellow]→ escalated ({esc.get('reason')}, priority {esc.get('priority')}); suggested reply for the agent: "
        f"{esc.get('suggested_reply')}[/]"
    )
