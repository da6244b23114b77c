"""`koubei wom {cascades,simulate,seeds,index,alerts}`: word of mouth on the social graph.

Thin shell over `koubei.pipelines.wom`: options are parsed here, the work happens there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from koubei.cli.common import (
    DatabaseOption,
    JsonOption,
    MapOption,
    console_progress,
    emit,
    existing_file,
    open_store,
    parse_map,
)

wom_app = typer.Typer(
    help=(
        "Word of mouth: share-cascade analytics, diffusion simulation, whom to seed (IMM), "
        "a word-of-mouth index and alerts on negative bursts."
    ),
    no_args_is_help=True,
)

GraphOption = Annotated[
    Path | None,
    typer.Option(
        "--graph",
        help="Edge list `u v [weight]` (word of mouth flows u -> v; optional header, e.g. `src dst weight`) or a "
        "CSV/TSV/JSONL/Parquet table with src, dst [, weight] columns, read exactly as `koubei ingest follows` "
        "reads it. A plain two-column list is read as undirected (arcs both ways). Default: the store's follows "
        "and shares.",
    ),
]
DirectedOption = Annotated[
    bool | None,
    typer.Option(
        "--directed/--undirected", help="Override: read --graph as directed arcs or as undirected edges."
    ),
]
FollowsOption = Annotated[
    bool, typer.Option("--follows", help="Rows of --graph mean `u follows v`, so word of mouth flows v -> u.")
]
ModelOption = Annotated[
    str, typer.Option("--model", help="Diffusion model: ic (independent cascade) or lt (linear threshold).")
]
ProbsOption = Annotated[
    str,
    typer.Option(
        "--probs",
        help="Arc probabilities: wc (1/in-degree), uniform (--p), learned (--learned FILE) or weight (the file's 3rd column).",
    ),
]
POption = Annotated[float, typer.Option("--p", help="Probability of every arc for --probs uniform.")]
LearnedOption = Annotated[
    Path | None,
    typer.Option("--learned", help="Learned probabilities from `koubei wom cascades --fit FILE`."),
]
SeedOption = Annotated[int, typer.Option("--seed", help="Random seed (same seed, same result).")]


def _skipped_note(console: Any, result: Any) -> None:
    if result.skipped_rows:
        first = result.skipped_examples[0]
        console.print(
            f"[yellow]{result.skipped_rows} row(s) of the graph file skipped (row {first['row']}: "
            f"{'; '.join(first['reasons'])})[/]"
        )


@wom_app.command("cascades")
def cascades(
    cascades_file: Annotated[
        Path | None,
        typer.Option(
            "--cascades",
            help="Cascade file: twitter16 edges.tsv, DeepHawkes Weibo cascades.txt or a shares CSV/JSONL. "
            "Default: the store's shares.",
        ),
    ] = None,
    fmt: Annotated[
        str | None, typer.Option("--format", help="twitter16, weibo or shares (default: detected).")
    ] = None,
    top: Annotated[int, typer.Option("--top", help="How many of the largest cascades to list.")] = 10,
    fit: Annotated[
        Path | None,
        typer.Option("--fit", help="Also learn IC arc probabilities (Saito EM) and save them here (JSON)."),
    ] = None,
    evaluate: Annotated[
        bool,
        typer.Option("--evaluate", help="With --fit: held-out size prediction, learned vs uniform vs wc."),
    ] = False,
    export_shares: Annotated[
        Path | None,
        typer.Option(
            "--export-shares",
            help="Also write the cascades as canonical share rows (JSONL) for `koubei ingest shares FILE`.",
        ),
    ] = None,
    seed: SeedOption = 0,
    db: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Reconstruct share cascades and measure them: size, depth, breadth, structural virality, time to N shares.

    Example:

        koubei wom cascades --cascades ../shared/data/twitter16_cascades/edges.tsv --fit probs.json --evaluate

        koubei wom cascades --cascades ../shared/data/weibo_repost_cascades/cascades.txt --export-shares s.jsonl
    """
    from koubei.pipelines.wom import cascade_report

    if cascades_file is not None:
        existing_file(cascades_file, "cascade file")
    report = cascade_report(
        cascades_file,
        db=db,
        fmt=fmt,
        top=top,
        export_to=export_shares,
        fit_to=fit,
        evaluate=evaluate,
        seed=seed,
    )

    def render(console: Any) -> None:
        from rich.table import Table

        summary = report.summary
        console.print(f"[bold]{summary['cascades']} cascades[/] from {report.source}")
        table = Table("measure", "mean", "median", "p90", "max")
        for name in ("size", "depth", "max_breadth", "structural_virality"):
            d = summary[name]
            if d.get("count"):
                table.add_row(
                    name, f"{d['mean']:.2f}", f"{d['median']:.2f}", f"{d['p90']:.2f}", f"{d['max']:.2f}"
                )
        console.print(table)
        largest = Table(
            "cascade", "root", "size", "depth", "breadth", "virality", "root label", title="largest"
        )
        for c in report.largest:
            sv = c["structural_virality"]
            largest.add_row(
                str(c["cascade_id"]),
                str(c["root"]),
                str(c["size"]),
                str(c["depth"]),
                str(c["max_breadth"]),
                "-" if sv is None else f"{sv:.2f}",
                str(c["root_label"] or "-"),
            )
        console.print(largest)
        if report.exported is not None:
            console.print(f"{report.exported.shares:,} share rows written to {report.exported.output}")
        if report.learned is not None:
            console.print(f"learned probabilities saved to {report.learned.output}: {report.learned.fit}")
            for name, scores in (report.learned.heldout or {}).get("schemes", {}).items():
                console.print(
                    f"  held-out {name}: MAE log10(size) {scores['mae_log10_size']:.3f}, "
                    f"Spearman {scores['spearman']}"
                )

    emit(report.to_dict(), as_json, render)


@wom_app.command("simulate")
def simulate(
    seeds: Annotated[
        list[str], typer.Option("--seeds", help="Seed users (comma-separated or repeated; @FILE reads ids).")
    ],
    graph: GraphOption = None,
    negative_seeds: Annotated[
        list[str] | None,
        typer.Option(
            "--negative-seeds", help="Users spreading negative word of mouth (competing IC simulation)."
        ),
    ] = None,
    model: ModelOption = "ic",
    probs: ProbsOption = "wc",
    p: POption = 0.01,
    learned: LearnedOption = None,
    runs: Annotated[int, typer.Option("--runs", help="Monte-Carlo runs.")] = 1000,
    negative_boost: Annotated[
        float, typer.Option("--negative-boost", help="Negative probability = boost x positive.")
    ] = 1.0,
    tie: Annotated[
        str,
        typer.Option("--tie", help="Who wins a node reached by both at once: negative, positive, random."),
    ] = "negative",
    directed: DirectedOption = None,
    follows: FollowsOption = False,
    map_: MapOption = None,
    seed: SeedOption = 0,
    db: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Simulate a campaign: expected reach of seed users (with a 95% CI), or positive vs negative word of mouth.

    Example:

        koubei wom simulate --graph ../shared/data/ego_facebook/facebook_combined.txt --seeds 107,1684 --runs 10000
    """
    from koubei.pipelines.wom import GraphInput, campaign_spread

    graph_file = existing_file(graph, "graph file") if graph is not None else None
    source = GraphInput(graph_file, db, directed, follows, parse_map(map_), probs, p, learned)
    with console_progress(not as_json) as progress:
        result = campaign_spread(
            source,
            seeds,
            negative_seeds=negative_seeds or (),
            model=model,
            runs=runs,
            seed=seed,
            negative_boost=negative_boost,
            tie=tie,
            progress=progress,
        )

    def render(console: Any) -> None:
        _skipped_note(console, result)
        if result.expected_spread is not None and result.ci95 is not None:
            lo, hi = result.ci95
            console.print(
                f"expected spread {result.expected_spread:.1f} (95% CI {lo:.1f}-{hi:.1f}) "
                f"over {result.runs} {result.model.upper()} runs on {result.graph['nodes']} users"
            )
        elif result.positive and result.negative and result.net:
            console.print(
                f"positive adopters {result.positive['mean']:.1f}, negative adopters "
                f"{result.negative['mean']:.1f}, net {result.net['mean']:.1f} over {result.runs} runs"
            )

    emit(result.to_dict(), as_json, render)


@wom_app.command("seeds")
def seeds(
    k: Annotated[int, typer.Option("--k", help="How many seed users to choose.")] = 10,
    method: Annotated[
        str, typer.Option("--method", help="imm (guaranteed), celf, degree, pagerank or voterank.")
    ] = "imm",
    model: ModelOption = "ic",
    epsilon: Annotated[
        float, typer.Option("--epsilon", help="IMM slack: spread >= (1-1/e-epsilon) x optimum.")
    ] = 0.1,
    graph: GraphOption = None,
    probs: ProbsOption = "wc",
    p: POption = 0.01,
    learned: LearnedOption = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option("--exclude", help="Users never to seed (detractors, already reached); @FILE ok."),
    ] = None,
    weights: Annotated[
        Path | None,
        typer.Option("--weights", help="`user value` lines: reach is worth this much per user (default 0)."),
    ] = None,
    mc_runs: Annotated[
        int, typer.Option("--mc-runs", help="Fresh simulations that estimate the chosen seeds' spread.")
    ] = 10_000,
    directed: DirectedOption = None,
    follows: FollowsOption = False,
    map_: MapOption = None,
    seed: SeedOption = 0,
    db: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Choose whom to seed so word of mouth reaches the most (valued) users.

    Example:

        koubei wom seeds --graph ../shared/data/ego_facebook/facebook_combined.txt --k 50 --model ic --epsilon 0.1 --json
    """
    from koubei.pipelines.wom import GraphInput, campaign_seeds

    graph_file = existing_file(graph, "graph file") if graph is not None else None
    source = GraphInput(graph_file, db, directed, follows, parse_map(map_), probs, p, learned)
    with console_progress(not as_json) as progress:
        result = campaign_seeds(
            source,
            k=k,
            method=method,
            model=model,
            epsilon=epsilon,
            seed=seed,
            exclude=exclude or (),
            weights=existing_file(weights, "weights file") if weights is not None else None,
            mc_runs=mc_runs,
            progress=progress,
        )

    def render(console: Any) -> None:
        _skipped_note(console, result)
        lo, hi = result.ci95
        console.print(
            f"[bold]{result.k} seeds[/] by {result.method} ({result.model.upper()}, {result.probabilities}): "
            f"{', '.join(str(s) for s in result.seeds)}"
        )
        console.print(
            f"expected spread {result.expected_spread:.1f} (95% CI {lo:.1f}-{hi:.1f}, "
            f"{result.mc_runs} fresh runs); chosen in {result.selection_seconds:.2f} s"
        )
        if result.guarantee:
            console.print(result.guarantee)

    emit(result.to_dict(), as_json, render)


@wom_app.command("index")
def index(
    by: Annotated[str, typer.Option("--by", help="product or brand.")] = "product",
    period: Annotated[str, typer.Option("--period", help="day or week.")] = "week",
    limit: Annotated[int, typer.Option("--limit", help="Rows to show (JSON gives all).")] = 20,
    db: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Word-of-mouth index per product or brand and period: volume x net sentiment x reach.

    Example:

        koubei wom index --by brand --period week
    """
    from koubei.pipelines.wom import wom_index_rows

    with open_store(db) as store:
        rows = wom_index_rows(store, group_by=by, period=period).rows

    def render(console: Any) -> None:
        from rich.table import Table

        table = Table(by, "period", "volume", "net sentiment", "reach", "index", title="word-of-mouth index")
        for row in sorted(rows, key=lambda r: (r["period"], r["index"]), reverse=True)[:limit]:
            table.add_row(
                str(row["key"]),
                row["period"],
                str(row["volume"]),
                f"{row['net_sentiment']:+.2f}",
                str(row["reach"]),
                f"{row['index']:+.2f}",
            )
        console.print(table if rows else "no dated reviews or shares in the store")

    emit({"rows": rows}, as_json, render)


@wom_app.command("alerts")
def alerts(
    by: Annotated[str, typer.Option("--by", help="product or brand.")] = "product",
    alpha: Annotated[
        float, typer.Option("--alpha", help="False-alarm probability per (product, day) test.")
    ] = 0.001,
    window: Annotated[int, typer.Option("--window", help="Days in the tested window.")] = 1,
    baseline: Annotated[int, typer.Option("--baseline", help="Days of history compared against.")] = 28,
    min_count: Annotated[int, typer.Option("--min-count", help="Fewest negative events that can alert.")] = 3,
    db: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Alert on bursts of negative word of mouth (exact Poisson-rate test; false-alarm rate <= alpha per test).

    Example:

        koubei wom alerts --by product --alpha 0.001 --json
    """
    from koubei.pipelines.wom import negative_alerts
    from koubei.social.alerts import AlertConfig

    config = AlertConfig(alpha=alpha, window_days=window, baseline_days=baseline, min_count=min_count)
    with open_store(db) as store:
        result = negative_alerts(store, config, group_by=by)

    def render(console: Any) -> None:
        console.print(
            f"{len(result.alerts) or 'no'} alert(s) from {result.tests} tests "
            f"(at most {result.expected_false_alarms_at_most:.2f} false alarms expected)"
        )
        for a in result.alerts:
            console.print(
                f"[red]{a['key']}[/] {a['day']}: {a['count']} negative vs {a['expected']:.1f} expected "
                f"(p={a['p_value']:.2g}); reviews {', '.join(a['reviews'][:5])}"
            )

    emit(result.to_dict(), as_json, render)


def register(app: typer.Typer) -> None:
    app.add_typer(wom_app, name="wom")
