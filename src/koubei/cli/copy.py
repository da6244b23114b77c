"""`koubei copy {train,generate,eval,check,summarize,reply,list,approve,reject}`: marketing content you can check.

Commands parse options, call `koubei.pipelines.copy` and render its results. Every generated text carries the
machine-generated label and is stored as a draft (`koubei copy list`) until a person approves or rejects it.
A request for fake reviews is refused with exit 2 and the offer to summarise real reviews instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from koubei.cli.common import (
    DatabaseOption,
    JsonOption,
    console_progress,
    emit,
    existing_file,
    get_console,
    open_store,
)

copy_app = typer.Typer(
    help="Marketing copy, review replies and summaries, grounded and checked (drafts for approval).",
    no_args_is_help=True,
)

ModelOption = Annotated[
    Path | None, typer.Option("--model", help="Copy model folder (default KOUBEI_HOME/models/copy).")
]


def _print_flags(console: Any, flags: list[dict[str, Any]]) -> None:
    for f in flags:
        console.print(
            f"  [{f['kind']}] {f['span']!r} ({f['start']}-{f['end']}): {f['rule']} -> {f['suggestion']}"
        )


@copy_app.command("train")
def train_command(
    data: Annotated[
        Path,
        typer.Option(
            "--data", help="Attribute -> copy pairs (JSON Lines: content/summary or attributes/text)."
        ),
    ],
    out: Annotated[
        Path | None, typer.Option("--out", help="Model folder (default KOUBEI_HOME/models/copy).")
    ] = None,
    time_budget: Annotated[
        float, typer.Option("--time-budget", help="Seconds training may take at most.")
    ] = 600.0,
    init_from: Annotated[
        Path | None,
        typer.Option(
            "--init-from",
            help="A model folder `koubei lm train` wrote: fine-tuned on the copy and used to decode (implies --lm koubei).",
        ),
    ] = None,
    lm: Annotated[
        str | None,
        typer.Option(
            "--lm",
            help="Fluency model: koubei (a koubei LM trained on the copy) or ngram (character 4-gram).",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Train the copy model (clause retrieve-then-edit, ranked by a fluency LM).

    Example: koubei copy train --data pairs.jsonl --out models/copy [--init-from models/lm]
    """
    from koubei.pipelines.copy import train_copy_model

    result = train_copy_model(
        existing_file(data, "--data"),
        out,
        time_budget=time_budget,
        progress=console_progress(not as_json),
        init_from=init_from,
        lm=lm,
    )

    def render(console: Any) -> None:
        console.print(
            f"[bold]copy model saved to {result.out}[/]: {result.pairs_used}/{result.pairs} pairs, "
            f"{result.fragments} fragments, {result.rejected} rows rejected, {result.seconds} s"
        )
        if result.lm.get("lm") == "koubei":
            base = (
                f"fine-tuned from {result.lm.get('init_from')}"
                if result.lm.get("init_from")
                else "trained on the copy"
            )
            console.print(
                f"  koubei LM {base}: {result.lm.get('steps')} steps, {result.lm.get('train_seconds')} s, "
                f"held-out {result.lm.get('val_bits_per_char')} bits/char"
            )
        for r in result.rejects[:5]:
            console.print(f"  rejected line {r['line']}: {r['reason']}")

    emit(result.to_dict(), as_json, render)


def _refused(error: Exception) -> None:
    get_console(stderr=True).print(f"refused: {error}")
    raise typer.Exit(2)


@copy_app.command("generate")
def generate_command(
    attributes: Annotated[
        str | None, typer.Option("--attributes", help="'key#value*key#value' or a JSON object.")
    ] = None,
    product: Annotated[
        str | None, typer.Option("--product", help="Product id in the store (title, attributes, praise).")
    ] = None,
    persona: Annotated[
        str | None, typer.Option("--persona", help="Target audience, e.g. 'students on a budget'.")
    ] = None,
    tone: Annotated[str, typer.Option("--tone", help="plain | lively | concise")] = "plain",
    length: Annotated[str, typer.Option("--length", help="short | medium | long")] = "medium",
    n: Annotated[int, typer.Option("--n", help="Candidates to return.")] = 5,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    input: Annotated[
        Path | None, typer.Option("--input", help="Batch: JSON Lines with attributes/content or product_id.")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", help="Batch output (one JSON object per input line).")
    ] = None,
    no_save: Annotated[bool, typer.Option("--no-save", help="Do not store the drafts.")] = False,
    model: ModelOption = None,
    db: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write copy candidates, check them, keep the best as a draft.

    Example: koubei copy generate --attributes "类型#上衣*材质#牛仔布*颜色#白色" --n 5
    """
    from koubei.errors import BadInputError
    from koubei.generation.fake_review import FakeReviewRequest
    from koubei.pipelines.copy import generate_batch, generate_copy, load_writer

    if (input is None) != (output is None):
        raise BadInputError("--input and --output go together (batch mode)")
    if input is None and attributes is None and product is None:
        raise BadInputError("give --attributes 'key#value*...', --product ID, or --input FILE --output FILE")
    writer = load_writer(model)
    need_store = product is not None or input is not None or not no_save
    store = open_store(db) if need_store else None
    try:
        if input is not None and output is not None:
            batch = generate_batch(
                writer,
                existing_file(input, "--input"),
                output,
                store=store if not no_save else None,
                n=n,
                tone=tone,
                length=length,
                progress=console_progress(not as_json),
            )
            emit(
                batch.to_dict(),
                as_json,
                lambda c: c.print(
                    f"wrote {batch.written} outputs and {batch.rejected} rejects to {batch.output}"
                ),
            )
            return
        try:
            result = generate_copy(
                writer,
                attributes,
                product_id=product,
                store=store,
                persona=persona,
                tone=tone,
                length=length,
                n=n,
                seed=seed,
                save=not no_save,
            )
        except FakeReviewRequest as error:
            _refused(error)
            return
    finally:
        if store is not None:
            store.close()
    data = result.to_dict()

    def render(console: Any) -> None:
        for note in data["notes"]:
            console.print(f"note: {note}")
        console.print(f"[bold]{data['text']}[/]")
        console.print(
            f"label: {data['label'].get('label')} (machine-generated)  passed: {data['passed']}"
            + (f"  stored as draft #{data['content_id']}" if data["content_id"] else "")
        )
        _print_flags(console, data["flags"])
        console.print("claims:")
        for c in data["claims"]:
            src = c.get("source") or {}
            where = src.get("key") or src.get("id") or "no source"
            console.print(f"  {c['span']} <- {src.get('kind', '-')}:{where}")
        for i, cand in enumerate(data["candidates"][1:], 2):
            console.print(f"candidate {i} ({'passed' if cand['passed'] else 'flagged'}): {cand['text']}")

    emit(data, as_json, render)


@copy_app.command("eval")
def eval_command(
    data: Annotated[Path, typer.Option("--data", help="Held-out attribute -> copy pairs.")],
    n: Annotated[int, typer.Option("--n", help="Candidates per input (the best is scored).")] = 5,
    model: ModelOption = None,
    as_json: JsonOption = False,
) -> None:
    """BLEU-4, ROUGE-1/2/L, coverage, contradiction, distinct-2, banned terms; template and retrieval baselines.

    Example: koubei copy eval --model models/copy --data heldout.jsonl --json
    """
    from koubei.pipelines.copy import evaluate_copy

    result = evaluate_copy(model, existing_file(data, "--data"), n=n, progress=console_progress(not as_json))

    def render(console: Any) -> None:
        console.print(
            f"[bold]{result.pairs} pairs from {result.data}[/] ({result.rejected} rejected), model {result.model}"
        )
        for s in result.systems:
            console.print(
                f"  {s.system}: BLEU-4 {s.bleu4:.2f}  ROUGE-1 {s.rouge_1:.2f}  ROUGE-2 {s.rouge_2:.2f}  "
                f"ROUGE-L {s.rouge_l:.2f}  coverage {s.coverage:.1f}%  contradiction {s.contradiction_rate:.1f}%  "
                f"distinct-2 {s.distinct_2:.3f}  banned {s.banned_term_rate:.1f}%  copied {s.copied_rate}%"
            )
        console.print(f"  decoding: {result.decoding}")

    emit(result.to_dict(), as_json, render)


@copy_app.command("check")
def check_command(
    text: Annotated[str | None, typer.Argument(help="Text to check.")] = None,
    attributes: Annotated[
        str | None, typer.Option("--attributes", help="'key#value*...' or a JSON object.")
    ] = None,
    product: Annotated[
        str | None, typer.Option("--product", help="Product id: its attributes and praise as evidence.")
    ] = None,
    input: Annotated[
        Path | None, typer.Option("--input", help="Batch: JSON Lines with a text field.")
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", help="Batch output.")] = None,
    model: ModelOption = None,
    db: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Ad law, bias, PII, fake-review voice, copied spans, contradictions and unsupported claims.

    Example: koubei copy check "全网最低价的纯棉T恤" --attributes "材质#牛仔布" --json
    """
    from koubei.errors import BadInputError
    from koubei.pipelines.copy import check_batch, check_text

    if input is not None or output is not None:
        if input is None or output is None:
            raise BadInputError("--input and --output go together (batch mode)")
        batch = check_batch(existing_file(input, "--input"), output, model)
        emit(
            batch.to_dict(),
            as_json,
            lambda c: c.print(f"checked {batch.written} texts, {batch.rejected} rejects -> {batch.output}"),
        )
        return
    if text is None or not text.strip():
        raise BadInputError("text to check: give the copy to check (or --input FILE --output FILE)")
    store = open_store(db) if product is not None else None
    try:
        result = check_text(text, attributes, product, store, model)
    finally:
        if store is not None:
            store.close()

    def render(console: Any) -> None:
        console.print(
            "[bold green]passed[/]" if result["passed"] else f"[bold red]{len(result['flags'])} flag(s)[/]"
        )
        _print_flags(console, result["flags"])

    emit(result, as_json, render)


@copy_app.command("summarize")
def summarize_command(
    product: Annotated[str, typer.Option("--product", help="Product id in the store.")],
    db: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Verdict, pros and cons per aspect, quoted from real (masked) reviews with their ids.

    Example: koubei copy summarize --product P001
    """
    from koubei.pipelines.copy import summarize_product

    with open_store(db) as store:
        result = summarize_product(store, product)
    data = result.to_dict()

    def render(console: Any) -> None:
        console.print(f"[bold]{data['verdict']}[/] ({data['reviews']} reviews)")
        for a in data["aspects"]:
            console.print(f"{a['label']}: +{a['positive']} / -{a['negative']}")
            for kind in ("pros", "cons"):
                for line in a[kind]:
                    console.print(
                        f"  {'+' if kind == 'pros' else '-'} {line['text']} (x{line['support']}; {', '.join(line['review_ids'][:5])})"
                    )

    emit(data, as_json, render)


@copy_app.command("reply")
def reply_command(
    review: Annotated[str | None, typer.Option("--review", help="Review id in the store.")] = None,
    text: Annotated[str | None, typer.Option("--text", help="Review text (instead of --review).")] = None,
    policy: Annotated[
        Path | None, typer.Option("--policy", help="JSON: allow_refund/allow_replacement/allow_compensation.")
    ] = None,
    rating: Annotated[
        int | None, typer.Option("--rating", help="Stars 1-5 (default: the stored review's rating).")
    ] = None,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    no_save: Annotated[bool, typer.Option("--no-save", help="Do not store the draft.")] = False,
    db: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Draft a merchant reply that addresses each complaint and promises only what the policy allows.

    Example: koubei copy reply --review R123
    """
    from koubei.pipelines.copy import read_policy, reply_to_review

    rules = read_policy(existing_file(policy, "--policy") if policy else None)
    store = open_store(db) if (review is not None or not no_save) else None
    try:
        result = reply_to_review(text, review, store, rules, seed=seed, save=not no_save, rating=rating)
    finally:
        if store is not None:
            store.close()
    data = result.to_dict()

    def render(console: Any) -> None:
        console.print(f"[bold]{data['text']}[/]")
        console.print(
            f"complaints: {', '.join(data['complaints']) or '-'}  praised: {', '.join(data['praised']) or '-'}  "
            f"remedy: {data['remedy']}"
            + (f"  stored as draft #{data['content_id']}" if data["content_id"] else "")
        )
        _print_flags(console, data["flags"])

    emit(data, as_json, render)


@copy_app.command("list")
def list_command(
    status: Annotated[str | None, typer.Option("--status", help="draft | approved | rejected")] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="copy | reply | summary")] = None,
    limit: Annotated[int, typer.Option("--limit")] = 50,
    db: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Generated texts awaiting (or past) human review, newest first.

    Example: koubei copy list --status draft
    """
    from koubei.store.content import list_content

    with open_store(db) as store:
        rows = list_content(store, status, kind, limit)

    def render(console: Any) -> None:
        if not rows:
            console.print("no generated content")
        for r in rows:
            console.print(
                f"#{r['id']} [{r['status']}] {r['kind']} {r['product_id'] or ''} passed={r['passed']}: {r['text'][:80]}"
            )

    emit({"items": rows}, as_json, render)


def _set(content_id: int, status: str, reviewer: str | None, db: str | None, as_json: bool) -> None:
    from koubei.store.content import set_status

    with open_store(db) as store:
        row = set_status(store, content_id, status, reviewer)
    emit(row, as_json, lambda c: c.print(f"#{row['id']} is now {row['status']}"))


@copy_app.command("approve")
def approve_command(
    content_id: Annotated[int, typer.Argument(help="Id from `koubei copy list`.")],
    reviewer: Annotated[str | None, typer.Option("--by", help="Who approved it.")] = None,
    db: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Approve a draft for publishing. Example: koubei copy approve 12 --by alice"""
    _set(content_id, "approved", reviewer, db, as_json)


@copy_app.command("reject")
def reject_command(
    content_id: Annotated[int, typer.Argument(help="Id from `koubei copy list`.")],
    reviewer: Annotated[str | None, typer.Option("--by", help="Who rejected it.")] = None,
    db: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Reject a draft. Example: koubei copy reject 12 --by alice"""
    _set(content_id, "rejected", reviewer, db, as_json)


def register(app: typer.Typer) -> None:
    app.add_typer(copy_app, name="copy")
