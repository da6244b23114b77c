"""`koubei ask "QUESTION"`: answer a shopper's question from the catalog, FAQ and reviews, with sources.

Uses the service index built by `koubei service index` (built on first use when missing). Every answer cites its
evidence; without evidence the assistant says it does not know and hands off to a person.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from koubei.cli.common import DatabaseOption, JsonOption, emit


def ask(
    question: Annotated[str, typer.Argument(help="The customer's question (Chinese or English).")],
    product: Annotated[str | None, typer.Option("--product", help="Product in focus (its product_id).")] = None,
    conversation: Annotated[
        str | None,
        typer.Option("--conversation", help="Continue this conversation (the id printed by an earlier ask)."),
    ] = None,
    index_dir: Annotated[
        Path | None, typer.Option("--index", help="Service index folder (default: KOUBEI_HOME/indexes/service).")
    ] = None,
    generator: Annotated[
        Path | None,
        typer.Option("--generator", help="A local Hugging Face causal-LM folder: answer generatively (checked)."),
    ] = None,
    db: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Answer a question with cited evidence, or escalate to a human.

    Example: koubei ask "电池能用多久？" --product P100 --json
    """
    from koubei.pipelines.support import ask as ask_pipeline
    from koubei.pipelines.support import build_index, default_index_dir, open_assistant
    from koubei.store import Store
    from koubei.support.answer import AnswerConfig

    config = AnswerConfig(generator_dir=str(generator) if generator else None)
    path = index_dir or default_index_dir()
    with Store.open(db) as store:
        if not (path / "index.json").exists():
            build_index(store, directory=path)
        assistant = open_assistant(path, answer_config=config)
        result = ask_pipeline(store, question, product_id=product, conversation_id=conversation, assistant=assistant)

    def render(console: Any) -> None:
        console.print(result["answer"])
        for c in result["citations"]:
            where = f" (product {c['product_id']})" if c.get("product_id") else ""
            console.print(f"  [dim][{c['n']}] {c['kind']} {c['id']}{where}[/]")
        intent = result["intent"]
        console.print(f"[dim]intent: {intent['intent']} ({intent['confidence']:.2f}) · product: "
                      f"{result['product_id'] or '-'} · conversation: {result['conversation_id']}[/]")
        esc = result["escalation"]
        if esc:
            console.print(f"[yellow]escalated to a human: {esc['reason']} — {esc['detail']}[/]")
            console.print(f"[yellow]suggested reply for the agent: {esc['suggested_reply']}[/]")

    emit(result, as_json, render)


def register(app: typer.Typer) -> None:
    app.command("ask")(ask)
