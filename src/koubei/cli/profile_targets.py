"""`koubei profile targets`, `koubei profile next` and `koubei profile ratings`: whom to approach, what to show.

Thin shell over `koubei.pipelines.targeting`; `register_commands(app)` adds the commands to the `koubei profile`
group of `koubei.cli.profile`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from koubei.cli.common import DatabaseOption, JsonOption, console_progress, emit, existing_file, open_store
from koubei.errors import BadInputError

OutputOption = Annotated[Path | None, typer.Option("--output", help="Where to write the result.")]


def _render_targets(result: Any) -> Any:
    def render(console: Any) -> None:
        from rich.markup import escape
        from rich.table import Table

        table = Table(title=f"targets for {escape(result.product_id)} (budget {result.budget})")
        for column in ("rank", "user", "score", "reasons"):
            table.add_column(column, justify="right" if column in ("rank", "score") else "left")
        for rank, user in enumerate(result.users, 1):
            table.add_row(
                str(rank), escape(user.user_id), f"{user.score:.3f}", escape("; ".join(user.reasons))
            )
        console.print(table)
        console.print(
            f"{len(result.users)} to approach, {len(result.holdout)} held out at random (seed "
            f"{result.config['seed']}) of {result.eligible_users} eligible users; excluded: "
            + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in result.excluded.items())
        )
        console.print(f"word of mouth: {escape(result.word_of_mouth)}")
        for name, figures in result.fairness.get("attributes", {}).items():
            flag = " [yellow](skewed)[/]" if figures.get("flag") else ""
            console.print(f"{escape(name)}: skew {figures['skew']:.2f} against all users{flag}")
        for note in result.notes:
            console.print(f"[yellow]{escape(note)}[/]")

    return render


def _render_batch(result: Any, what: str) -> Any:
    def render(console: Any) -> None:
        from rich.markup import escape

        console.print(f"{result.written} {what} written to {escape(result.output)} in {result.seconds:.1f} s")
        if result.rejects_file:
            console.print(
                f"[yellow]{result.rejected} line(s) rejected, with reasons, in {escape(result.rejects_file)}[/]"
            )
        for note in result.notes:
            console.print(f"[yellow]{escape(note)}[/]")

    return render


def register_commands(app: typer.Typer) -> None:
    """Add `targets`, `next` and `ratings` to the `koubei profile` group."""

    @app.command("targets")
    def targets(
        product: Annotated[
            str | None, typer.Option("--product", help="The product to find users for.")
        ] = None,
        products: Annotated[
            Path | None,
            typer.Option(
                "--products",
                help='Batch: a JSONL file of {"product_id": ..., "budget"?: N} lines (needs --output FILE; one '
                "line per product out).",
            ),
        ] = None,
        budget: Annotated[int, typer.Option("--budget", help="How many users to approach.")] = 100,
        exclude_detractors: Annotated[
            bool,
            typer.Option(
                "--exclude-detractors", help="Leave out users whose latest review is negative and recent."
            ),
        ] = False,
        holdout: Annotated[
            float,
            typer.Option(
                "--holdout", help="Share of the audience kept out at random, to measure the lift later."
            ),
        ] = 0.1,
        seed: Annotated[
            int, typer.Option("--seed", help="Seed of the holdout draw (same seed, same list).")
        ] = 0,
        output: OutputOption = None,
        db: DatabaseOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Users to approach for a product, ranked by predicted interest and expected positive word of mouth.

        Interest combines what co-reviewers bought (EASE), what the user writes and the product's reviews say
        (TF-IDF), and the user's category affinity; word of mouth (when the store has follows or shares) adds each
        user's reach times their chance of rating the product 4-5 stars, with IMM seeds among those advocates.
        Users who already reviewed or bought it and opted-out users are never listed.

        Example:

            koubei profile targets --product B0002E1G5C --budget 50 --exclude-detractors --output targets.csv

            koubei profile targets --products products.jsonl --budget 100 --output targets.jsonl
        """
        from koubei.pipelines import targeting

        if (product is None) == (products is None):
            raise BadInputError("give either --product ID or --products FILE (with --output FILE)")
        with open_store(db) as store:
            progress = console_progress(not as_json)
            if products is not None:
                if output is None:
                    raise BadInputError("--products FILE needs --output FILE (one JSON line per product)")
                batch = targeting.batch_targets(
                    store,
                    existing_file(products, "--products file"),
                    output,
                    budget=budget,
                    exclude_detractors=exclude_detractors,
                    holdout=holdout,
                    seed=seed,
                    progress=progress,
                )
                emit(batch.to_dict(), as_json, _render_batch(batch, "target lists"))
                return
            assert product is not None
            result = targeting.product_targets(
                store,
                product,
                budget,
                exclude_detractors=exclude_detractors,
                holdout=holdout,
                seed=seed,
                progress=progress,
            )
            if output is not None:
                targeting.write_target_list(result, output)
            emit(result.to_dict(), as_json, _render_targets(result))

    @app.command("next")
    def next_products(
        users: Annotated[
            Path, typer.Option("--users", help='JSONL (or CSV) of users: {"user_id": ...} per line.')
        ],
        output: Annotated[Path, typer.Option("--output", help="JSONL out: one line per user.")],
        k: Annotated[int, typer.Option("--k", help="Products per user.")] = 10,
        db: DatabaseOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """The next products for each user: ones they have not reviewed or bought, best first.

        Writes one line per user, {"user_id", "products": [{"product_id", "score"}]}; unknown users and bad lines
        go, with the reason, to OUTPUT.rejects.jsonl.

        Example:

            koubei profile next --users users.jsonl --k 10 --output next.jsonl
        """
        from koubei.pipelines.targeting import next_products as run

        with open_store(db) as store:
            result = run(
                store,
                existing_file(users, "--users file"),
                output,
                k=k,
                progress=console_progress(not as_json),
            )
            emit(result.to_dict(), as_json, _render_batch(result, "users"))

    @app.command("ratings")
    def ratings(
        pairs: Annotated[
            Path, typer.Option("--pairs", help='JSONL (or CSV) of {"user_id": ..., "product_id": ...} lines.')
        ],
        output: Annotated[Path, typer.Option("--output", help="JSONL out: one line per pair.")],
        db: DatabaseOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """The rating each user would give each product: median stars, expected stars and P(>= 4 stars).

        Example:

            koubei profile ratings --pairs pairs.jsonl --output ratings.jsonl
        """
        from koubei.pipelines.targeting import rate_pairs

        with open_store(db) as store:
            result = rate_pairs(
                store, existing_file(pairs, "--pairs file"), output, progress=console_progress(not as_json)
            )
            emit(result.to_dict(), as_json, _render_batch(result, "ratings"))
