"""`koubei profile {build,segments,export,...}`: user profiles, customer value, segments and pseudonymous export.

Thin shell over `koubei.pipelines.profiles`: options are parsed here, the work happens there. `app` is the Typer
group every `koubei profile` command lives in; other modules add their commands to it (the targeting commands,
`koubei profile targets` and `koubei profile next`, come from `koubei.cli.profile_targets`).
"""

from __future__ import annotations

import typer

app = typer.Typer(
    help=(
        "Know the customers: user profiles (interests, aspect priorities, sentiment, activity, influence), "
        "customer value (BG/NBD + Gamma-Gamma), segments with plain-word names, and pseudonymous export."
    ),
    no_args_is_help=True,
)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="profile")
