"""The kinds of background job: for each, its parameters (a pydantic model, checked before anything is queued),
the `koubei.pipelines` call it makes, and what a restart does to it.

A job always works on the store of the worker that runs it; models and indexes go to their default folders
under KOUBEI_HOME, or to a folder *named* by a parameter (a plain name, never a path: a job submitted over HTTP
must not choose where the server writes). Only the WOM kinds read a server-side edge file, as `koubei wom` does.

`resumable` says what a restart does to a job it cut off: True runs it again, which continues where it stopped
(batch scoring skips the reviews already scored; LM training resumes from its last checkpoint) or repeats
idempotent work (aspect mentions are replaced per review, the service index syncs by document); False marks the
job failed with the reason, because its work (a fit, a simulation) is lost with the process.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from koubei.errors import BadInputError
from koubei.jobs.progress import JobProgress
from koubei.results import Result
from koubei.store import Store

ModelName = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", max_length=64)]
UserIds = Annotated[list[Annotated[str, Field(min_length=1, max_length=200)]], Field(max_length=10_000)]


class JobParamsError(BadInputError):
    """A job's parameters do not validate; `errors` lists each field ("params.<name>") and what was expected."""

    def __init__(self, message: str, errors: list[dict[str, str]]) -> None:
        super().__init__(message)
        self.errors = errors


@dataclass
class JobContext:
    """What a kind's runner gets: the store, its validated params, the job's progress and which attempt this is."""

    store: Store
    params: Any
    progress: JobProgress
    attempt: int = 1

    @property
    def resumed(self) -> bool:
        return self.attempt > 1


@dataclass(frozen=True)
class JobKind:
    name: str
    description: str
    params: type[BaseModel]
    run: Callable[[JobContext], Result]
    resumable: bool


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _model_dir(name: str | None, default: str) -> Path:
    from koubei.artifacts import default_model_dir

    return default_model_dir(name or default)


# ---- sentiment ---------------------------------------------------------------------------------------------------


class SentimentTrainParams(Params):
    kind: Literal["fast", "transfer", "distilled"] = "fast"
    holdout: float = Field(default=0.2, gt=0, lt=1)
    seed: int = 0
    source: str | None = Field(default=None, max_length=64)  # only the store's reviews with this source tag
    model: ModelName | None = None  # folder name under KOUBEI_HOME/models (default sentiment-<kind>)
    C: float | None = Field(default=None, gt=0)
    epochs: int | None = Field(default=None, ge=1, le=1000)
    max_train: int | None = Field(default=None, ge=1)


def run_sentiment_train(ctx: JobContext) -> Result:
    from koubei.pipelines import sentiment

    p: SentimentTrainParams = ctx.params
    options = {"C": p.C, "epochs": p.epochs, "max_train_examples": p.max_train}
    return sentiment.train_rows(
        sentiment.rows_from_store(ctx.store, source=p.source),
        _model_dir(p.model, f"sentiment-{p.kind}"),
        kind=p.kind,
        holdout=p.holdout,
        seed=p.seed,
        options={k: v for k, v in options.items() if v is not None},
        progress=ctx.progress,
    )


class SentimentScoreParams(Params):
    model: ModelName | None = None  # default: sentiment-fast, else the bundled default model
    batch_size: int = Field(default=1000, ge=1, le=100_000)
    rescore: bool = False


def run_sentiment_score(ctx: JobContext) -> Result:
    from koubei.pipelines import scoring, sentiment

    p: SentimentScoreParams = ctx.params
    # No model named: the store's trained one, else the default model trained once on the bundled corpus (as the
    # API's scoring routes use), so a fresh install can score its store.
    folder = _model_dir(p.model, "") if p.model else scoring.scoring_model_dir(progress=ctx.progress)
    return sentiment.score_store(
        ctx.store,
        folder,
        batch_size=p.batch_size,
        rescore=p.rescore,
        progress=ctx.progress,
    )


# ---- aspects -----------------------------------------------------------------------------------------------------


class AspectsParams(Params):
    model: ModelName | None = None  # a sentiment model folder for clause polarity (default: the lexicon)
    supervised: ModelName | None = None  # a supervised aspect model folder (`koubei aspects train`)
    batch_size: int = Field(default=1000, ge=1, le=100_000)


def run_aspects(ctx: JobContext) -> Result:
    from koubei.pipelines import aspects

    p: AspectsParams = ctx.params
    extractor, name = aspects.build_extractor(
        None,
        None if p.model is None else _model_dir(p.model, ""),
        None if p.supervised is None else _model_dir(p.supervised, ""),
    )
    return aspects.aspects_store(ctx.store, extractor, name, p.batch_size, progress=ctx.progress)


# ---- language model ----------------------------------------------------------------------------------------------


class LmTrainParams(Params):
    preset: Literal["micro", "tiny", "small", "base"] = "small"
    max_steps: int | None = Field(default=None, ge=1)
    time_budget: float | None = Field(default=None, gt=0, le=7 * 24 * 3600)
    seed: int = 0
    model: ModelName | None = None  # default "lm"
    vocab_size: int = Field(default=8192, ge=300, le=262_144)
    context_length: int | None = Field(default=None, ge=8, le=4096)
    batch_size: int | None = Field(default=None, ge=1, le=4096)
    learning_rate: float = Field(default=1e-3, gt=0, le=1)
    checkpoint_interval: int = Field(default=100, ge=1)
    limit: int | None = Field(default=None, ge=1)  # at most this many review texts from the store
    resume: bool = False  # continue the checkpoints already in the model folder

    @model_validator(mode="after")
    def _a_stop(self) -> LmTrainParams:
        if self.max_steps is None and self.time_budget is None:
            raise ValueError("give max_steps or time_budget (or both) so training knows when to stop")
        return self

    def config(self) -> Any:
        from koubei.lm.config import TrainConfig

        return TrainConfig(
            preset=self.preset,
            vocab_size=self.vocab_size,
            batch_size=self.batch_size,
            context_length=self.context_length,
            learning_rate=self.learning_rate,
            max_steps=self.max_steps,
            time_budget=self.time_budget,
            checkpoint_interval=self.checkpoint_interval,
            seed=self.seed,
        )


def run_lm_train(ctx: JobContext) -> Result:
    from koubei.pipelines import lm

    p: LmTrainParams = ctx.params
    texts = lm.store_texts(ctx.store, limit=p.limit)
    if not texts:
        raise BadInputError("the store holds no review text to train on; ingest reviews first")
    # A run cut off by a restart continues from its newest checkpoint (same data order and schedule).
    return lm.train_model(
        texts,
        p.config(),
        out=_model_dir(p.model, "lm"),
        resume=p.resume or ctx.resumed,
        progress=ctx.progress,
    )


# ---- customer-service index --------------------------------------------------------------------------------------


class ServiceIndexParams(Params):
    rebuild: bool = False
    review_limit: int | None = Field(default=None, ge=1)


def run_service_index(ctx: JobContext) -> Result:
    from koubei.pipelines import support

    p: ServiceIndexParams = ctx.params
    _index, built = support.build_index(
        ctx.store, rebuild=p.rebuild, review_limit=p.review_limit, progress=ctx.progress
    )
    return built


# ---- word of mouth -----------------------------------------------------------------------------------------------


class GraphParams(Params):
    graph: str | None = Field(
        default=None, max_length=4096
    )  # an edge file on the server; None: the store's graph
    directed: bool | None = None
    follows: bool = False
    probs: Literal["wc", "uniform", "weight"] = "wc"
    p: float = Field(default=0.01, gt=0, le=1)
    model: Literal["ic", "lt"] = "ic"
    seed: int = 0

    @field_validator("graph")
    @classmethod
    def _existing_file(cls, value: str | None) -> str | None:
        if value is not None and not Path(value).is_file():
            raise ValueError(f"{value!r} is not a file on the server (an edge list, as `koubei wom` reads)")
        return value

    def load(self, store: Store) -> tuple[Any, Any, Any]:
        from koubei.pipelines import wom

        loaded = wom.load_graph(
            None if self.graph is None else Path(self.graph),
            store,
            directed=self.directed,
            follows=self.follows,
        )
        return loaded, loaded.graph, wom.probabilities(loaded.graph, self.probs, self.p, None)


class SimulateParams(GraphParams):
    seeds: UserIds = Field(min_length=1)
    runs: int = Field(default=1000, ge=1, le=100_000_000)


def run_wom_simulate(ctx: JobContext) -> Result:
    from koubei.pipelines import wom

    p: SimulateParams = ctx.params
    loaded, graph, probs = p.load(ctx.store)
    result = wom.simulate(
        graph, probs, p.seeds, model=p.model, runs=p.runs, seed=p.seed, progress=ctx.progress
    )
    if loaded.skipped_rows:
        result.skipped_rows, result.skipped_examples = loaded.skipped_rows, loaded.skipped_examples
    return result


class SeedsParams(GraphParams):
    k: int = Field(ge=1, le=10_000)
    method: Literal["imm", "celf", "degree", "pagerank", "voterank"] = "imm"
    epsilon: float = Field(default=0.1, gt=0, lt=1)
    exclude: UserIds = Field(default_factory=list)
    mc_runs: int = Field(default=10_000, ge=1, le=10_000_000)


def run_wom_seeds(ctx: JobContext) -> Result:
    from koubei.pipelines import wom

    p: SeedsParams = ctx.params
    loaded, graph, probs = p.load(ctx.store)
    result = wom.select_seeds(
        graph,
        probs,
        k=p.k,
        method=p.method,
        model=p.model,
        epsilon=p.epsilon,
        seed=p.seed,
        exclude=p.exclude,
        mc_runs=p.mc_runs,
        scheme=p.probs,
        progress=ctx.progress,
    )
    if loaded.skipped_rows:
        result.skipped_rows, result.skipped_examples = loaded.skipped_rows, loaded.skipped_examples
    return result


# ---- the registry ------------------------------------------------------------------------------------------------

KINDS: dict[str, JobKind] = {}


def register(kind: JobKind) -> JobKind:
    """Add a kind (the built-in ones below; an extension may add its own)."""
    KINDS[kind.name] = kind
    return kind


for _kind in (
    JobKind("sentiment_train", "train a sentiment model on the store's labelled reviews",
            SentimentTrainParams, run_sentiment_train, resumable=False),
    JobKind("sentiment_score", "score the store's reviews that have no score from the model yet",
            SentimentScoreParams, run_sentiment_score, resumable=True),
    JobKind("aspects", "aspect mentions and sentiment aggregates for every review in the store",
            AspectsParams, run_aspects, resumable=True),
    JobKind("lm_train", "train (or continue) the language model on the store's review text",
            LmTrainParams, run_lm_train, resumable=True),
    JobKind("service_index", "build or refresh the customer-service evidence index from the store",
            ServiceIndexParams, run_service_index, resumable=True),
    JobKind("wom_simulate", "expected word-of-mouth reach of seed users (diffusion simulation)",
            SimulateParams, run_wom_simulate, resumable=False),
    JobKind("wom_seeds", "whom to seed for the largest expected reach (influence maximization)",
            SeedsParams, run_wom_seeds, resumable=False),
):  # fmt: skip
    register(_kind)


def get_kind(name: str) -> JobKind:
    kind = KINDS.get(name)
    if kind is None:
        raise JobParamsError(
            f"kind {name!r} is not a job kind; choose one of {', '.join(sorted(KINDS))}",
            [{"field": "kind", "message": f"expected one of {', '.join(sorted(KINDS))}"}],
        )
    return kind


def validate_params(kind: str, params: dict[str, Any] | None) -> BaseModel:
    """The kind's params model from `params`, or `JobParamsError` naming every bad field ("params.<name>")."""
    job_kind = get_kind(kind)
    try:
        model = job_kind.params.model_validate(params or {})
    except ValidationError as error:
        errors = []
        for item in error.errors():
            where = ".".join(str(part) for part in item["loc"])
            message = str(item["msg"]).removeprefix("Value error, ")
            errors.append({"field": f"params.{where}" if where else "params", "message": message})
        first = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise JobParamsError(f"{first['field']}: {first['message']}{more}", errors) from None
    config = getattr(model, "config", None)
    if callable(config):
        try:
            config()  # the pipeline's own config checks (e.g. TrainConfig's ranges), before queueing
        except BadInputError as error:
            raise JobParamsError(f"params: {error}", [{"field": "params", "message": str(error)}]) from None
    return model
