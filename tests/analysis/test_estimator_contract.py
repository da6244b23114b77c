"""The scikit-learn estimator contract, checked on EVERY estimator in koubei (issue 13, architecture 9):
`__init__` stores its parameters and nothing else, use before `fit` raises koubei's NotFittedError (a subclass of
scikit-learn's), `fit` returns self, leaves its parameters as they were and names what it learned with a trailing
underscore, and save -> load gives the same predictions.

Which estimators exist is read from the source (every class with a `fit` method), so a new one fails here until it
gets a spec below (or an exemption that says why it is not an estimator).
"""

from __future__ import annotations

import ast
import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.analysis.conftest import NEGATIVE_TEXTS, POSITIVE_TEXTS

SRC = Path(__file__).resolve().parents[2] / "src" / "koubei"
TEXTS = POSITIVE_TEXTS + NEGATIVE_TEXTS
LABELS = ["positive"] * len(POSITIVE_TEXTS) + ["negative"] * len(NEGATIVE_TEXTS)
NEURAL = {"epochs": 2, "batch_size": 6, "learning_rate": 5e-3, "calibration_fraction": 0.0, "max_length": 32}

# Classes with a `fit` that are not learned estimators, and why.
EXEMPT = {
    "koubei.analysis.aspects.supervised._Logistic": "a container of fitted weights; its fit is a classmethod constructor",
    "koubei.support.dense.Embedder": "a Protocol",
    "koubei.support.dense.MiniLMEmbedder": "a pretrained encoder: fit learns nothing (returns self)",
    "koubei.support.dense.HFMeanPoolEmbedder": "a pretrained encoder: fit learns nothing (returns self)",
}
# Packages whose classes with a `fit` are all exempt (none today: generation's copy model and n-gram LM have specs).
EXEMPT_PACKAGES: tuple[str, ...] = ()


@dataclass
class Spec:
    """How to build, fit, use and persist one estimator on a tiny input."""

    name: str  # module.Class
    make: Callable[[Path], Any]  # an unfitted estimator with explicit parameters
    fit: Callable[[Any], Any]  # fit it, return what fit returned
    predict: Callable[[Any], Any]  # a comparable output (arrays, lists, dicts)
    save_load: Callable[[Any, Path], Any] | None  # save the fitted estimator and load it back
    params: Callable[[Path], dict[str, Any]]  # the keyword arguments `make` passes


def _lm(tmp: Path) -> Path:
    from tests.analysis.tiny_lm import make_tiny_lm

    path = tmp / "tiny_lm"
    return path if path.exists() else make_tiny_lm(path, TEXTS * 3)


def _teacher(tmp: Path) -> Path:
    from koubei.analysis.sentiment.transfer import TransferConfig, TransferSentimentModel

    path = tmp / "teacher"
    if not path.exists():
        TransferSentimentModel(TransferConfig(base_model=str(_lm(tmp)), **NEURAL)).fit(TEXTS, LABELS).save(
            path
        )
    return path


def _fast_params(tmp: Path) -> dict[str, Any]:
    from koubei.analysis.sentiment.fast import FastSentimentConfig

    return {"config": FastSentimentConfig(min_df=1)}


def _transfer_params(tmp: Path) -> dict[str, Any]:
    from koubei.analysis.sentiment.transfer import TransferConfig

    return {"config": TransferConfig(base_model=str(_lm(tmp)), **NEURAL)}


def _distilled_params(tmp: Path) -> dict[str, Any]:
    from koubei.analysis.sentiment.distilled import DistilledConfig

    return {"config": DistilledConfig(teacher=str(_teacher(tmp)), student_hidden=16, **NEURAL)}


def _aspect_params(tmp: Path) -> dict[str, Any]:
    from tests.analysis.test_aspect_model import CFG

    return {"config": CFG}


def _router_params(tmp: Path) -> dict[str, Any]:
    from koubei.support.intent import RouterConfig

    return {"config": RouterConfig()}


def _cascade_data() -> tuple[Any, list[Any]]:
    from koubei.social.diffusion import sample_cascades
    from koubei.social.graph import SocialGraph

    graph = SocialGraph.from_edges([("r", "u"), ("r", "w"), ("u", "v"), ("w", "v"), ("v", "z")])
    return graph, sample_cascades(graph, np.full(graph.m, 0.5), [0] * 200, seed=1)


def _copy_pairs() -> list[Any]:
    from koubei.generation.copy_data import CopyPair, parse_attributes
    from tests.generation.copy_fixtures import PAIRS

    return [CopyPair(parse_attributes(c), s) for c, s in PAIRS]


def _copy_params(tmp: Path) -> dict[str, Any]:
    from koubei.generation.copy_model import CopyModelConfig

    return {"config": CopyModelConfig(min_fragment_chars=3)}


def _copy_predict(model: Any) -> list[str]:
    from koubei.generation.copy_data import parse_attributes

    return [c.text for c in model.generate(parse_attributes("类型#裙*颜色#红色*风格#简约"), n=3, seed=2)]


def _save_load_sentiment(model: Any, tmp: Path) -> Any:
    from koubei.analysis.sentiment.kinds import load_sentiment_model

    return load_sentiment_model(model.save(tmp / "saved"))


def _save_load_vectorizer(model: Any, tmp: Path) -> Any:
    from koubei.analysis.ngrams import CharNgramTfidf

    np.savez(tmp / "vec.npz", **model.state())
    with np.load(tmp / "vec.npz", allow_pickle=False) as data:
        return CharNgramTfidf(model.ngram_range, model.min_df).set_state({k: data[k] for k in data.files})


def _save_load_cascade_em(model: Any, tmp: Path) -> Any:
    """The learned probabilities artifact of `koubei wom cascades --fit FILE` is how CascadeEM persists."""
    from koubei.pipelines.wom import fit_probabilities, load_learned

    graph, cascades = _cascade_data()
    fit_probabilities(cascades, tmp / "learned.json", graph)
    loaded = load_learned(tmp / "learned.json")
    return type("LoadedLearned", (), {"learned": lambda self: loaded})()


# Customer-value inputs in model periods: repeat purchases x, time of the last one t_x, age T (value's contract).
BG_X = np.array([0, 1, 2, 0, 3, 1, 5, 0, 2, 4], dtype=float)
BG_TX = np.array([0, 2, 5, 0, 8, 1, 9, 0, 3, 7], dtype=float)
BG_T = np.array([10, 10, 9, 8, 10, 6, 10, 5, 9, 8], dtype=float)
GG_X = np.array([1, 2, 3, 1, 4, 2, 5, 3], dtype=float)
GG_M = np.array([20.0, 35.5, 18.0, 50.0, 22.5, 30.0, 41.0, 27.5])
RATING_USERS = ["a", "a", "b", "b", "c", "c", "d", "d", "a", "c"]
RATING_ITEMS = ["p", "q", "p", "r", "q", "r", "p", "q", "r", "p"]
RATING_STARS = [5, 4, 2, 1, 4, 5, 3, 4, 5, 5]


def _profile_activity() -> Any:
    from tests.analysis.profiles.conftest import tiny_activity

    return tiny_activity()


def _interactions() -> Any:
    from koubei.analysis.profiles.recommend import build_interactions

    pairs = [("a", "i0"), ("a", "i1"), ("b", "i0"), ("b", "i1"), ("c", "i2"), ("d", "i0")]
    return build_interactions(
        [{"user_id": u, "product_id": i, "category": "music", "text": f"{i} strings sound"} for u, i in pairs]
    )


def _profile_predict(model: Any) -> dict[str, Any]:
    out = model.transform(_profile_activity())
    return {"profiles": json.loads(json.dumps(out.profiles)), "status": out.status, "emb": out.embeddings}


def _recommender_predict(model: Any) -> dict[str, Any]:
    return {"items": np.stack([model.item_scores(u) for u in range(4)]), "users": model.user_scores(0)}


def _save_load_embedder(model: Any, tmp: Path) -> Any:
    from koubei.analysis.profiles.embedding import TextEmbedder

    (tmp / "emb").mkdir()
    model.save(tmp / "emb")
    return TextEmbedder.load(
        tmp / "emb", {"dims": 2, "max_features": 200, "max_fit_docs": 50, "seed": 0, "n_jobs": 1}
    )


ROUTER_QUESTIONS = ["这个多少钱", "我要退货", "how do I install it"]


def _specs() -> list[Spec]:
    from koubei.analysis.aspects.supervised import SupervisedAspectModel
    from koubei.analysis.ngrams import CharNgramTfidf
    from koubei.analysis.profiles.embedding import TextEmbedder
    from koubei.analysis.profiles.features import ProfileConfig, ProfileModel
    from koubei.analysis.profiles.rating import RatingConfig, RatingModel
    from koubei.analysis.profiles.recommend import Recommender, RecommenderConfig
    from koubei.analysis.profiles.value import BetaGeoModel, GammaGammaModel
    from koubei.analysis.sentiment.distilled import DistilledSentimentModel
    from koubei.analysis.sentiment.fast import FastSentimentModel
    from koubei.analysis.sentiment.nblr import NBLogisticRegression
    from koubei.analysis.sentiment.transfer import TransferSentimentModel
    from koubei.generation.copy_model import CopyModel
    from koubei.generation.ngram_lm import CharNgramLM
    from koubei.social.learning import CascadeEM
    from koubei.support.dense import LsaEmbedder
    from koubei.support.intent import IntentRouter, load_examples
    from tests.analysis.test_aspect_model import TERM_RECORDS

    aspect_texts = [r["text"] for r in TERM_RECORDS]
    examples = load_examples()
    vec = CharNgramTfidf(min_df=1).fit(TEXTS)
    X, y = vec.transform(TEXTS), np.array(LABELS)
    lsa_texts = [f"{t} {i}" for i, t in enumerate(TEXTS * 2)]
    nblr_params = {"C": 2.0, "alpha": 0.5, "max_iter": 500, "random_state": 0}
    vec_params = {
        "ngram_range": (1, 2),
        "min_df": 1,
        "max_features": None,
        "sublinear_tf": True,
        "lowercase": True,
        "batch_size": 64,
    }
    profile_config = ProfileConfig(embedding_dims=2)
    embedder_params = {"dims": 2, "max_features": 200, "max_fit_docs": 50, "seed": 0, "n_jobs": 1}
    value_params = {"penalizer": 1e-3, "max_iter": 200}
    rating_config = RatingConfig()
    recommender_config = RecommenderConfig(text_min_df=1)
    em_params = {"init": 0.2, "max_iter": 50, "tol": 1e-8}
    lsa_params = {"dims": 4, "ngram_max": 2, "seed": 0, "min_docs_for_svd": 5, "max_features": 500}
    return [
        Spec(
            "koubei.analysis.sentiment.fast.FastSentimentModel",
            lambda t: FastSentimentModel(**_fast_params(t)),
            lambda m: m.fit(TEXTS, LABELS),
            lambda m: m.predict_proba(TEXTS),
            _save_load_sentiment,
            _fast_params,
        ),
        Spec(
            "koubei.analysis.sentiment.transfer.TransferSentimentModel",
            lambda t: TransferSentimentModel(**_transfer_params(t)),
            lambda m: m.fit(TEXTS, LABELS),
            lambda m: m.predict_proba(TEXTS),
            _save_load_sentiment,
            _transfer_params,
        ),
        Spec(
            "koubei.analysis.sentiment.distilled.DistilledSentimentModel",
            lambda t: DistilledSentimentModel(**_distilled_params(t)),
            lambda m: m.fit(TEXTS, LABELS),
            lambda m: m.predict_proba(TEXTS),
            _save_load_sentiment,
            _distilled_params,
        ),
        Spec(
            "koubei.analysis.sentiment.nblr.NBLogisticRegression",
            lambda t: NBLogisticRegression(**nblr_params),
            lambda m: m.fit(X, y),
            lambda m: m.decision_function(X),
            None,  # a member of the fast model: its weights are saved folded into the fast model's (above)
            lambda t: nblr_params,
        ),
        Spec(
            "koubei.analysis.ngrams.CharNgramTfidf",
            lambda t: CharNgramTfidf(**vec_params),
            lambda m: m.fit(TEXTS),
            lambda m: m.transform(TEXTS).toarray(),
            _save_load_vectorizer,
            lambda t: vec_params,
        ),
        Spec(
            "koubei.analysis.aspects.supervised.SupervisedAspectModel",
            lambda t: SupervisedAspectModel(**_aspect_params(t)),
            lambda m: m.fit(TERM_RECORDS),
            lambda m: m.predict(aspect_texts),
            lambda m, t: SupervisedAspectModel.load(m.save(t / "aspects")),
            _aspect_params,
        ),
        Spec(
            "koubei.support.intent.IntentRouter",
            lambda t: IntentRouter(**_router_params(t)),
            lambda m: m.fit([e["text"] for e in examples], [e["intent"] for e in examples]),
            lambda m: m.predict_proba(ROUTER_QUESTIONS),
            lambda m, t: IntentRouter.load(m.save(t / "router")),
            _router_params,
        ),
        Spec(
            "koubei.social.learning.CascadeEM",
            lambda t: CascadeEM(**em_params),
            lambda m: m.fit(*_cascade_data()),
            lambda m: m.learned(),
            None,  # see test_cascade_em_learned_probabilities_round_trip: its artifact is written by the wom pipeline
            lambda t: em_params,
        ),
        Spec(
            "koubei.support.dense.LsaEmbedder",
            lambda t: LsaEmbedder(**lsa_params),
            lambda m: m.fit(lsa_texts),
            lambda m: m.encode(TEXTS),
            lambda m, t: (m.save(t / "lsa"), LsaEmbedder.load(t / "lsa", dims=4, ngram_max=2, seed=0))[1],
            lambda t: lsa_params,
        ),
        Spec(
            "koubei.generation.copy_model.CopyModel",
            lambda t: CopyModel(**_copy_params(t)),
            lambda m: m.fit(_copy_pairs()),
            _copy_predict,
            lambda m, t: CopyModel.load(m.save(t / "copy")),
            _copy_params,
        ),
        Spec(
            "koubei.generation.ngram_lm.CharNgramLM",
            lambda t: CharNgramLM(order=3),
            lambda m: m.fit(TEXTS),
            lambda m: [m.logprob(t) for t in TEXTS],
            None,  # a member of the copy model: its counts are saved inside the copy model's artifact (above)
            lambda t: {"order": 3},
        ),
        Spec(
            "koubei.analysis.profiles.features.ProfileModel",
            lambda t: ProfileModel(config=profile_config),
            lambda m: m.fit(_profile_activity()),
            _profile_predict,
            lambda m, t: ProfileModel.load(m.save(t / "profiles")),
            lambda t: {"config": profile_config},
        ),
        Spec(
            "koubei.analysis.profiles.embedding.TextEmbedder",
            lambda t: TextEmbedder(**embedder_params),
            lambda m: m.fit(TEXTS),
            lambda m: m.encode(TEXTS),
            _save_load_embedder,
            lambda t: embedder_params,
        ),
        Spec(
            "koubei.analysis.profiles.value.BetaGeoModel",
            lambda t: BetaGeoModel(**value_params),
            lambda m: m.fit(BG_X, BG_TX, BG_T),
            lambda m: m.p_alive(BG_X, BG_TX, BG_T),
            None,  # a member of the profile model: its parameters are saved inside the profile artifact (above)
            lambda t: value_params,
        ),
        Spec(
            "koubei.analysis.profiles.value.GammaGammaModel",
            lambda t: GammaGammaModel(**value_params),
            lambda m: m.fit(GG_X, GG_M),
            lambda m: m.expected_value(GG_X, GG_M),
            None,  # a member of the profile model: its parameters are saved inside the profile artifact (above)
            lambda t: value_params,
        ),
        Spec(
            "koubei.analysis.profiles.rating.RatingModel",
            lambda t: RatingModel(config=rating_config),
            lambda m: m.fit(RATING_USERS, RATING_ITEMS, RATING_STARS),
            lambda m: m.predict_proba(RATING_USERS, RATING_ITEMS),
            lambda m, t: RatingModel.load(m.save(t / "rating")),
            lambda t: {"config": rating_config},
        ),
        Spec(
            "koubei.analysis.profiles.recommend.Recommender",
            lambda t: Recommender(config=recommender_config),
            lambda m: m.fit(_interactions()),
            _recommender_predict,
            lambda m, t: Recommender.load(m.save(t / "recommender")),
            lambda t: {"config": recommender_config},
        ),
    ]


SLOW = pytest.mark.slow  # trains a tiny LM first
SPEC_NAMES = [
    "koubei.analysis.sentiment.fast.FastSentimentModel",
    "koubei.analysis.sentiment.transfer.TransferSentimentModel",
    "koubei.analysis.sentiment.distilled.DistilledSentimentModel",
    "koubei.analysis.sentiment.nblr.NBLogisticRegression",
    "koubei.analysis.ngrams.CharNgramTfidf",
    "koubei.analysis.aspects.supervised.SupervisedAspectModel",
    "koubei.support.intent.IntentRouter",
    "koubei.social.learning.CascadeEM",
    "koubei.support.dense.LsaEmbedder",
    "koubei.generation.copy_model.CopyModel",
    "koubei.generation.ngram_lm.CharNgramLM",
    "koubei.analysis.profiles.features.ProfileModel",
    "koubei.analysis.profiles.embedding.TextEmbedder",
    "koubei.analysis.profiles.value.BetaGeoModel",
    "koubei.analysis.profiles.value.GammaGammaModel",
    "koubei.analysis.profiles.rating.RatingModel",
    "koubei.analysis.profiles.recommend.Recommender",
]


def _classes_with_fit() -> set[str]:
    found = set()
    for path in SRC.rglob("*.py"):
        module = ".".join(("koubei", *path.relative_to(SRC).with_suffix("").parts))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and any(
                isinstance(b, ast.FunctionDef) and b.name == "fit" for b in node.body
            ):
                found.add(f"{module}.{node.name}")
    return found


def test_every_estimator_has_a_spec() -> None:
    assert [s.name for s in _specs()] == SPEC_NAMES
    found = {name for name in _classes_with_fit() if not name.startswith(EXEMPT_PACKAGES)}
    assert found - set(EXEMPT) == set(SPEC_NAMES)


@pytest.fixture(scope="module")
def shared_tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("contract")


def _same(a: Any, b: Any) -> None:
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for key in a:
            _same(a[key], b[key])
    elif isinstance(a, np.ndarray) or (isinstance(a, list) and a and isinstance(a[0], float)):
        np.testing.assert_allclose(
            np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=1e-5, atol=1e-6
        )
    else:
        assert a == b


@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=SLOW) if "Sentiment" in n and "fast" not in n else n for n in SPEC_NAMES]
)
def test_estimator_contract(name: str, shared_tmp: Path, tmp_path: Path) -> None:
    import sklearn.exceptions

    from koubei.errors import NotFittedError

    spec = next(s for s in _specs() if s.name == name)
    params = spec.params(shared_tmp)
    model = spec.make(shared_tmp)
    cls = type(model)
    assert f"{cls.__module__}.{cls.__name__}" == name

    # __init__ stores its parameters, as given, and nothing else.
    init_params = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
    assert set(vars(model)) == set(init_params), f"__init__ of {name} stores {sorted(vars(model))}"
    for key, value in params.items():
        assert getattr(model, key) is value or getattr(model, key) == value

    # Used before fit: koubei's NotFittedError, which scikit-learn's handlers catch too.
    with pytest.raises(NotFittedError):
        spec.predict(model)
    with pytest.raises(sklearn.exceptions.NotFittedError):
        spec.predict(model)

    # fit returns self, leaves the parameters alone, and names what it learned with a trailing underscore.
    before = {key: getattr(model, key) for key in init_params}
    assert spec.fit(model) is model
    for key, value in before.items():
        assert getattr(model, key) is value, f"fit replaced the {key} parameter of {name}"
    learned = set(vars(model)) - set(init_params)
    assert learned and all(a.endswith("_") or a.startswith("_") for a in learned), sorted(learned)

    # save -> load -> the same predictions.
    if spec.save_load is not None:
        _same(spec.predict(spec.save_load(model, tmp_path)), spec.predict(model))


def test_cascade_em_learned_probabilities_round_trip(tmp_path: Path) -> None:
    """CascadeEM persists as the wom pipeline's learned-probabilities file: loading it gives what fit learned."""
    from koubei.social.learning import CascadeEM

    graph, cascades = _cascade_data()
    learned = CascadeEM().fit(graph, cascades).learned()
    loaded = _save_load_cascade_em(None, tmp_path).learned()
    assert loaded.keys() == learned.keys()
    for arc, p in learned.items():
        assert loaded[arc] == pytest.approx(p)
