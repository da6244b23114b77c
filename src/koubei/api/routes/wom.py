"""Word-of-mouth routes (`koubei wom ...` over HTTP): cascades, simulation, seeds, the WOM index and alerts.

The graph of a simulation or a seed choice is the store's follows and shares, or an edge list sent in the body
(`graph.edges`: the lines `koubei wom --graph FILE` reads, parsed by the same ingest code). A request here is
answered while the client waits, so its size is bounded (edges, runs, k, seeds): a bigger campaign runs as a
background job (`POST /api/v1/jobs` with kind `wom_simulate` or `wom_seeds`), which has no such limits. CELF is
a job only: it is 100-700x slower than IMM for the same seeds (benchmarks/results/wom_benchmark.md).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from koubei.api.deps import ReadPrincipal, StoreDep

router = APIRouter(prefix="/api/v1/wom", tags=["word of mouth"])

MAX_EDGE_TEXT = 4_000_000  # characters of an uploaded edge list (~250k edges of short ids)
MAX_RUNS = 50_000  # Monte-Carlo runs of one simulation (ego-Facebook: ~80k IC runs/s on one core)
MAX_MC_RUNS = 50_000  # fresh runs that estimate the chosen seeds' spread
MAX_K = 200
MAX_IDS = 10_000  # seeds, negative seeds, excluded users, valued users
MIN_EPSILON = 0.05  # IMM's RR-set count grows as 1/epsilon^2: below this a request can run for minutes
UserId = Annotated[str, Field(min_length=1, max_length=200)]
JOBS_HINT = "run it as a background job: POST /api/v1/jobs with kind"


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GraphUpload(Body):
    """An edge list sent with the request instead of the store's graph."""

    edges: str = Field(
        min_length=1,
        max_length=MAX_EDGE_TEXT,
        description="One edge per line, `u v [weight]` (whitespace, comma or semicolon separated; an optional "
        "header such as `src dst weight`), exactly as `koubei wom --graph FILE` reads a file.",
    )
    directed: bool | None = Field(
        default=None,
        description="Read the lines as directed arcs (true) or undirected edges (false). Default: a plain "
        "two-column list is undirected, anything else directed.",
    )
    follows: bool = Field(
        default=False, description="A line `u v` means u follows v (word of mouth flows v -> u)."
    )


class CampaignBody(Body):
    graph: GraphUpload | None = Field(default=None, description="Default: the store's follows and shares.")
    model: Literal["ic", "lt"] = Field(default="ic", description="Independent cascade or linear threshold.")
    probs: Literal["wc", "uniform", "weight"] = Field(
        default="wc",
        description="Arc probabilities: 1/in-degree, `p` for every arc, or the edge list's weights.",
    )
    p: float = Field(default=0.01, gt=0, le=1, description="The probability of every arc for probs=uniform.")
    seed: int = Field(default=0, ge=0, le=2**32 - 1, description="Random seed (same seed, same result).")

    def source(self, store: Any) -> Any:
        from koubei.pipelines.wom import GraphInput

        upload = self.graph
        if upload is None:
            return GraphInput(probs=self.probs, p=self.p, store=store)
        return GraphInput(
            directed=upload.directed, follows=upload.follows, probs=self.probs, p=self.p, text=upload.edges
        )


class SimulateBody(CampaignBody):
    seeds: list[UserId] = Field(default_factory=list, max_length=MAX_IDS, description="Seed users (ids).")
    negative_seeds: list[UserId] = Field(
        default_factory=list,
        max_length=MAX_IDS,
        description="Users spreading negative word of mouth (competing IC simulation).",
    )
    runs: int = Field(
        default=1000, ge=1, le=MAX_RUNS, description=f"Monte-Carlo runs (more: {JOBS_HINT} wom_simulate)."
    )
    negative_boost: float = Field(
        default=1.0, gt=0, le=100, description="Negative probability = boost x positive."
    )
    tie: Literal["negative", "positive", "random"] = Field(
        default="negative", description="Who wins a user reached by both at once."
    )


class SeedsBody(CampaignBody):
    k: int = Field(
        default=10, ge=1, le=MAX_K, description=f"How many seed users (more: {JOBS_HINT} wom_seeds)."
    )
    method: Literal["imm", "degree", "pagerank", "voterank"] = Field(
        default="imm", description=f"IMM (guaranteed) or a baseline; for CELF {JOBS_HINT} wom_seeds."
    )
    epsilon: float = Field(
        default=0.1, ge=MIN_EPSILON, lt=1, description="IMM slack: spread >= (1-1/e-epsilon) x optimum."
    )
    exclude: list[UserId] = Field(
        default_factory=list, max_length=MAX_IDS, description="Users never to seed."
    )
    weights: dict[UserId, float] | None = Field(
        default=None,
        max_length=MAX_IDS,
        description="What reaching each user is worth ({user: value}); users not listed are worth 0.",
    )
    mc_runs: int = Field(
        default=10_000, ge=1, le=MAX_MC_RUNS, description="Fresh simulations that estimate the seeds' spread."
    )


@router.get("/cascades", summary="Share cascades of the store: size, depth, breadth, structural virality")
def cascades(
    _principal: ReadPrincipal,
    store: StoreDep,
    top: Annotated[int, Query(ge=1, le=1000, description="How many of the largest cascades to list.")] = 10,
) -> dict[str, Any]:
    from koubei.pipelines.wom import analyze_cascades, load_cascades

    found, _source = load_cascades(None, store)  # its source names the database URL: the API says "store"
    return analyze_cascades(found, top=top, source="store").to_dict()


@router.post("/simulate", summary="Expected reach of seed users, or positive against negative word of mouth")
def simulate(body: SimulateBody, _principal: ReadPrincipal, store: StoreDep) -> dict[str, Any]:
    from koubei.pipelines.wom import campaign_spread

    result = campaign_spread(
        body.source(store),
        body.seeds,
        negative_seeds=body.negative_seeds,
        model=body.model,
        runs=body.runs,
        seed=body.seed,
        negative_boost=body.negative_boost,
        tie=body.tie,
        id_files=False,
    )
    return result.to_dict()


@router.post("/seeds", summary="Whom to seed so word of mouth reaches the most (valued) users")
def seeds(body: SeedsBody, _principal: ReadPrincipal, store: StoreDep) -> dict[str, Any]:
    from koubei.pipelines.wom import campaign_seeds

    result = campaign_seeds(
        body.source(store),
        k=body.k,
        method=body.method,
        model=body.model,
        epsilon=body.epsilon,
        seed=body.seed,
        exclude=body.exclude,
        weights=body.weights,
        mc_runs=body.mc_runs,
        id_files=False,
    )
    return result.to_dict()


@router.get("/index", summary="Word-of-mouth index per product or brand and period")
def index(
    _principal: ReadPrincipal,
    store: StoreDep,
    by: Annotated[Literal["product", "brand"], Query(description="Group by product or brand.")] = "product",
    period: Annotated[Literal["day", "week"], Query(description="Period of each row.")] = "week",
) -> dict[str, Any]:
    from koubei.pipelines.wom import wom_index_rows

    return wom_index_rows(store, group_by=by, period=period).to_dict()


@router.get("/alerts", summary="Bursts of negative word of mouth (exact Poisson-rate test)")
def alerts(
    _principal: ReadPrincipal,
    store: StoreDep,
    by: Annotated[Literal["product", "brand"], Query(description="Group by product or brand.")] = "product",
    alpha: Annotated[float, Query(gt=0, lt=1, description="False-alarm probability per test.")] = 0.001,
    window: Annotated[int, Query(ge=1, le=366, description="Days in the tested window.")] = 1,
    baseline: Annotated[int, Query(ge=1, le=3660, description="Days of history compared against.")] = 28,
    min_count: Annotated[
        int, Query(ge=1, le=1_000_000, description="Fewest negative events that alert.")
    ] = 3,
) -> dict[str, Any]:
    from koubei.pipelines.wom import negative_alerts
    from koubei.social.alerts import AlertConfig

    config = AlertConfig(alpha=alpha, window_days=window, baseline_days=baseline, min_count=min_count)
    return negative_alerts(store, config, group_by=by).to_dict()
