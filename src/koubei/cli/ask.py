"""`koubei ask "QUESTION"`: answer a shopper's question from the catalog, FAQ and reviews, with sources.

Uses the service index built by `koubei service index` (built on first use when missing). Every answer cites its
evidence; without evidence the assistant says it does not know and hands off to a person.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from koubei.cli.common import DatabaseOption, JsonOption, emit, open_store


def ask(
    question: Annotated[str, typer.Argument(help="The customer's question (Chinese or English).")],
    product: Annotated[
        str | None, typer.Option("--product", help="Product in focus (its product_id).")
    ] = None,
    conversation: Annotated[
        str | None,
        typer.Option("--conversation", help="Continue this conversation (the id printed by an earlier ask)."),
    ] = None,
    index_dir: Annotated[
        Path | None,
        typer.Option("--index", help="Service index folder (default: KOUBEI_HOME/indexes/service)."),
    ] = None,
    generator: Annotated[
        Path | None,
        typer.Option(
            "--generator", help="A local Hugging Face causal-LM folder: answer generatively (checked)."
        ),
    ] = None,
    db: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Answer a question with cited evidence, or escalate to a human.

    Example: koubei ask "电池能用多久？" --product P100 --json
    """
    from koubei.pipelines.support import answer
    from koubei.progress import ConsoleProgress

    progress = ConsoleProgress(enabled=not as_json)  # drawn only when the index is built on first use
    try:
        with open_store(db) as store:
            result = answer(
                store,
                question,
                product_id=product,
                conversation_id=conversation,
                directory=index_dir,
                generator=generator,
                progress=progress,
            )
    finally:
        progress.close()

    def render(console: Any) -> None:
        console.print(result.answer)
        for c in result.citations:
            where = f" (product {c['product_id']})" if c.get("product_id") else ""
            console.print(f"  [dim][{c['n']}] {c['kind']} {c['id']}{where}[/]")
        intent = result.intent
        console.print(
            f"[dim]intent: {intent['intent']} ({intent['confidence']:.2f}) · product: "
            f"{result.product_id or '-'} · conversation: {result.conversation_id}[/]"
        )
        esc = result.escalation
        if esc:
            console.print(f"[yellow]escalated to a human: {esc['reason']} — {esc['detail']}[/]")
            console.print(f"[yellow]suggested reply for the agent: {esc['suggested_reply']}[/]")

    emit(result.to_dict(), as_json, render)


def register(app: typer.Typer) -> None:
    app.command("ask")(ask)
