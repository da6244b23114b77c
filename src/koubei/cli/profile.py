"""`koubei profile {build,segments,export,...}`: user profiles, customer value, segments and pseudonymous export.

Thin shell over `koubei.pipelines.profiles`: options are parsed here, the work happens there. `app` is the Typer
group every `koubei profile` command lives in; other modules add their commands to it (the targeting commands,
`koubei profile targets` and `koubei profile next`, come from `koubei.cli.profile_targets`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from koubei.cli.common import DatabaseOption, JsonOption, console_progress, emit, open_store

app = typer.Typer(
    help=(
        "Know the customers: user profiles (interests, aspect priorities, sentiment, activity, influence), "
        "customer value (BG/NBD + Gamma-Gamma), segments with plain-word names, and pseudonymous export."
    ),
    no_args_is_help=True,
)


@app.command("build")
def build(
    refit: Annotated[
        bool,
        typer.Option("--refit", help="Fit a new profile model and rebuild every user (default: reuse it)."),
    ] = False,
    half_life: Annotated[
        float | None, typer.Option("--half-life", help="Days after which an event counts half (default 365).")
    ] = None,
    horizon: Annotated[
        float | None,
        typer.Option("--horizon", help="Days ahead for expected purchases and value (default 365)."),
    ] = None,
    model_dir: Annotated[
        Path | None,
        typer.Option("--model-dir", help="Profile model folder (default: KOUBEI_HOME/models/profiles)."),
    ] = None,
    db: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Build user profiles (interests, aspect priorities, sentiment, RFM, influence, value, text embedding).

    Only users whose data changed since their profile was built are recomputed; --refit starts over.

    Example:

        koubei profile build

        koubei profile build --refit --half-life 180 --json
    """
    from koubei.pipelines.profiles import build_profiles

    config = _config(half_life, horizon)
    with open_store(db) as store:
        result = build_profiles(
            store, model_dir=model_dir, config=config, refit=refit, progress=console_progress(not as_json)
        )

    def render(console: Any) -> None:
        console.print(
            f"[bold]{result.users:,} users[/]: {result.recomputed:,} profiles built, {result.unchanged:,} unchanged"
            f"{f', {result.removed:,} removed' if result.removed else ''} in {result.seconds:.1f} s "
            f"(model {result.model_version}{', new' if result.refitted else ''})"
        )
        console.print("Voice: " + ", ".join(f"{k} {v:,}" for k, v in result.status.items()))
        console.print("RFM classes: " + ", ".join(f"{k} {v:,}" for k, v in result.rfm_classes.items()))
        console.print(f"Customer value from {result.value_source}")
        for note in result.notes:
            console.print(f"[yellow]note:[/] {note}")

    emit(result.to_dict(), as_json, render)


def _config(half_life: float | None, horizon: float | None) -> Any:
    if half_life is None and horizon is None:
        return None
    from koubei.analysis.profiles.features import ProfileConfig
    from koubei.errors import BadInputError

    for name, value in (("--half-life", half_life), ("--horizon", horizon)):
        if value is not None and not value > 0:
            raise BadInputError(f"{name} must be a positive number of days, got {value}")
    defaults = ProfileConfig()
    return ProfileConfig(
        half_life_days=half_life if half_life is not None else defaults.half_life_days,
        horizon_days=horizon if horizon is not None else defaults.horizon_days,
    )


@app.command("show")
def show(
    user: Annotated[str, typer.Argument(help="The store's user id.")],
    db: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """One user's profile.

    Example:

        koubei profile show A2IBPI20UZIR0U --json
    """
    from koubei.pipelines.profiles import user_profile

    with open_store(db) as store:
        result = user_profile(store, user)

    def render(console: Any) -> None:
        f = result.features
        console.print(
            f"[bold]{result.user_id}[/] ({result.status}, segment {result.segment}, {result.model_version})"
        )
        console.print(f"reviews {f['reviews']}, orders {f['orders']}, RFM {f['rfm']}")
        console.print(f"categories {f['categories']}")
        console.print(f"aspects {f['aspects']}")
        console.print(f"value {f['value']}, influence {f['influence']}")

    emit(result.to_dict(), as_json, render)


@app.command("segments")
def segments(
    k_min: Annotated[int, typer.Option("--k-min", help="Fewest segments to try.")] = 2,
    k_max: Annotated[int, typer.Option("--k-max", help="Most segments to try.")] = 8,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same segments).")] = 0,
    db: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Segment the profiled users (k-means, k by silhouette) and name each segment in plain words (zh and en).

    Each segment's persona line can be passed to `koubei copy generate --persona`.

    Example:

        koubei profile segments --k-max 6 --json
    """
    from koubei.errors import BadInputError
    from koubei.pipelines.profiles import segment_users

    if k_min < 2 or k_max < k_min:
        raise BadInputError(f"--k-min {k_min} / --k-max {k_max}: expected 2 <= k-min <= k-max")
    with open_store(db) as store:
        result = segment_users(
            store, k_min=k_min, k_max=k_max, seed=seed, progress=console_progress(not as_json)
        )

    def render(console: Any) -> None:
        from rich.table import Table

        scores = ", ".join(f"k={k}: {v:.3f}" for k, v in result.silhouettes.items())
        console.print(
            f"[bold]{result.k} segments[/] of {result.users:,} users ({result.criterion}; {scores})"
        )
        table = Table("#", "segment", "分群", "users", "RFM classes", "exp. purchases", "fairness skew")
        for seg in result.segments:
            rfm = ", ".join(f"{c} {d['share']:.0%}" for c, d in list(seg["rfm_overlap"].items())[:3])
            value = seg["value"]["expected_purchases_mean"]
            skews = seg["fairness"]["attributes"]
            fair = (
                ", ".join(f"{a} {d['skew']:.2f}{'!' if d['flag'] else ''}" for a, d in skews.items()) or "n/a"
            )
            table.add_row(
                str(seg["segment"]),
                seg["name_en"],
                seg["name_zh"],
                f"{seg['size']:,}",
                rfm,
                "" if value is None else f"{value:.2f}",
                fair,
            )
        console.print(table)
        for seg in result.segments:
            console.print(f"#{seg['segment']} persona: {seg['persona']}")
        notes = {seg["fairness"]["note"] for seg in result.segments if seg["fairness"]["note"]}
        for note in [*result.notes, *notes]:
            console.print(f"[yellow]note:[/] {note}")

    emit(result.to_dict(), as_json, render)


@app.command("export")
def export(
    output: Annotated[Path, typer.Option("--output", help="File to write: .jsonl or .csv.")],
    real_ids: Annotated[
        bool,
        typer.Option("--real-ids", help="Write the store's user ids instead of pseudonyms (personal data)."),
    ] = False,
    db: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Export every profile with pseudonymous ids (keyed hash) unless --real-ids.

    Example:

        koubei profile export --output profiles.jsonl
    """
    from koubei.pipelines.profiles import export_profiles

    with open_store(db) as store:
        result = export_profiles(store, output, real_ids=real_ids)

    def render(console: Any) -> None:
        console.print(f"{result.rows:,} profiles -> {result.path} ({result.note})")

    emit(result.to_dict(), as_json, render)


def register(root: typer.Typer) -> None:
    from koubei.cli.profile_targets import register_commands

    register_commands(app)  # targets, next, ratings
    root.add_typer(app, name="profile")
