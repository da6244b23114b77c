"""How the demo shows the marketing-content step (`koubei.pipelines.demo_steps.copy`).

Review text, generated text and product data are printed through rich's `escape`: a review saying "[red]" or
"[/]" is shown as written, never read as markup.
"""

from __future__ import annotations

from typing import Any

from rich.markup import escape

from koubei.pipelines.demo_steps.copy import CopyStep

MAX_IDS = 4
MAX_QUOTE = 70
MIN_ASPECT_REVIEWS = 2  # aspects of the summary shown: those at least this many reviews talk about


def _ids(ids: list[str]) -> str:
    shown = ", ".join(ids[:MAX_IDS])
    return shown + (f" +{len(ids) - MAX_IDS} more" if len(ids) > MAX_IDS else "")


def _cut(text: str, limit: int = MAX_QUOTE) -> str:
    return escape(text if len(text) <= limit else text[: limit - 1] + "…")


def _flags(console: Any, flags: list[dict[str, Any]]) -> None:
    for f in flags:
        console.print(
            f"    [red]{escape(str(f.get('kind')))}[/] {escape(str(f.get('span', '')))!s}: "
            f"{escape(str(f.get('rule', '')))}"
            + (f" -> {escape(str(f['suggestion']))}" if f.get("suggestion") else "")
        )


def render(result: CopyStep, console: Any) -> None:
    linked = ", ".join(f"{escape(p['title'])} ({p['linked']} reviews)" for p in result.products)
    console.print(
        f"Demo products (written for koubei, shipped with it), ingested and linked to bundled reviews "
        f"that talk about their kind of goods: {linked}."
    )
    model = result.model
    console.print(
        f"Copy model trained on {escape(result.trained_on)}: {model['fragments']} clause fragments "
        f"in {model['seconds']} s. A team trains on its own pairs with `koubei copy train --data FILE`."
    )
    for note in result.notes:
        console.print(f"[yellow]note: {escape(note)}[/]")

    copy = result.copy
    attrs = ", ".join(f"{k}: {v}" for k, v in copy["attributes"])
    console.print(
        f"\n[bold]1. Copy for {escape(copy['title'] or copy['product_id'])}[/] (attributes {escape(attrs)}; "
        f"praise from its {copy['reviews']} reviews)"
    )
    for p in copy["praise"]:
        console.print(
            f"  buyers praise {escape(p['label'])} in {len(p['review_ids'])} reviews, e.g. "
            f"“{_cut(min(p['sentences'], key=len) if p['sentences'] else '')}” ({_ids(p['review_ids'])})"
        )
    state = "[green]passed the guard[/]" if copy["passed"] else "[red]flagged by the guard[/]"
    console.print(f"  [bold]{escape(copy['text'])}[/]")
    console.print(
        f"  {state}; label: {escape(str(copy['label'].get('label', '')))} (machine-generated, kept as metadata); "
        f"saved as draft #{copy['content_id']} for a person to approve"
    )
    _flags(console, copy["flags"])
    for note in copy["notes"]:
        console.print(f"  [yellow]note: {escape(note)}[/]")
    console.print("  Where each claim comes from:")
    for c in copy["claims"]:
        sources = list(
            dict.fromkeys(
                f"{s.get('kind', '-')} {s.get('key') or s.get('id') or '-'}"
                for s in (c.get("sources") or [c.get("source") or {}])
            )
        )
        where = ", ".join(sources[:MAX_IDS]) + (
            f" +{len(sources) - MAX_IDS} more" if len(sources) > MAX_IDS else ""
        )
        console.print(f"    “{escape(c['span'])}” <- {escape(where)}")

    guard = result.guard
    attrs = ", ".join(f"{k}: {v}" for k, v in guard["attributes"])
    console.print(
        f"\n[bold]2. Guard on a planted violation[/] (product {escape(guard['product_id'])}: {escape(attrs)})"
    )
    console.print(f"  “{escape(guard['text'])}”")
    console.print(
        "  [green]passed[/] (the guard missed it)"
        if guard["passed"]
        else f"  [red]blocked: {len(guard['flags'])} flag(s)[/]"
    )
    _flags(console, guard["flags"])

    refusal = result.refusal
    console.print(f"\n[bold]3. Request: “{escape(refusal['request'])}”[/]")
    console.print(
        f"  [red]refused[/]: {escape(refusal['message'])}"
        if refusal["refused"]
        else "  [red]not refused (the fake-review check missed it)[/]"
    )

    reply = result.reply
    if reply:
        console.print(f"\n[bold]4. Reply draft to negative review {escape(reply['review_id'])}[/]")
        console.print(f"  review: “{_cut(reply['review'], 120)}”")
        console.print(
            f"  complaints: {escape(', '.join(reply['complaints']) or '-')}; "
            f"praised: {escape(', '.join(reply['praised']) or '-')}; remedy offered: {escape(reply['remedy'] or '-')}"
        )
        console.print(f"  [bold]{escape(reply['text'])}[/]")
        console.print(
            f"  {'[green]passed the guard[/]' if reply['passed'] else '[red]flagged[/]'}; "
            f"saved as draft #{reply['content_id']}"
        )
        _flags(console, reply["flags"])

    summary = result.summary
    console.print(
        f"\n[bold]5. Summary of {escape(summary['product_id'])}'s {summary['reviews']} reviews[/]: "
        f"{escape(summary['verdict'])}"
    )
    shown = [a for a in summary["aspects"] if a["positive"] + a["negative"] >= MIN_ASPECT_REVIEWS]
    for a in shown:
        console.print(f"  {escape(a['label'])}: {a['positive']} positive / {a['negative']} negative reviews")
        for kind, sign in (("pros", "+"), ("cons", "-")):
            for line in a[kind]:
                console.print(
                    f"    {sign} {_cut(line['text'])} (said in {line['support']}: {_ids(line['review_ids'])})"
                )
    rest = len(summary["aspects"]) - len(shown)
    if rest:
        console.print(
            f"  (+{rest} aspect(s) mentioned by a single review, left out here; `koubei copy summarize "
            f"--product {escape(summary['product_id'])}` lists them)"
        )
