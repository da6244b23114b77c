"""Transfer (fine-tuned LM) and distilled models, with a tiny Llama + BPE tokenizer built in a temp dir."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from koubei.analysis.sentiment.distilled import DistilledConfig, DistilledSentimentModel
from koubei.analysis.sentiment.kinds import load_sentiment_model
from koubei.analysis.sentiment.transfer import TransferConfig, TransferSentimentModel
from koubei.errors import BadInputError, NotFittedError, NotFoundError
from tests.analysis.tiny_lm import make_tiny_lm

FAST = {"epochs": 15, "batch_size": 6, "learning_rate": 5e-3, "calibration_fraction": 0.0, "max_length": 32}


@pytest.fixture(scope="module", params=["koubei", "llama"])
def lm_dir(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The base LM: koubei's own architecture, and a foreign HF one (transfer learning takes any causal LM)."""
    from tests.analysis.conftest import NEGATIVE_TEXTS, POSITIVE_TEXTS

    texts = (POSITIVE_TEXTS + NEGATIVE_TEXTS) * 3
    return make_tiny_lm(tmp_path_factory.mktemp("lm") / "tiny", texts, arch=request.param)


def test_student_starts_from_evenly_spaced_teacher_layers(lm_dir: Path) -> None:
    import torch
    from transformers import AutoModelForSequenceClassification

    from koubei.analysis.sentiment.distilled import build_student

    teacher = AutoModelForSequenceClassification.from_pretrained(str(lm_dir), num_labels=2)
    student = build_student(teacher, layers=1, hidden=None, seed=0)
    teacher_state, student_state = teacher.state_dict(), student.state_dict()
    copied = [k for k in student_state if ".0." in k]
    assert copied  # the one student block ...
    for key in copied:  # ... is the teacher's last block (index 1 of 2), the one that feeds the head
        torch.testing.assert_close(student_state[key], teacher_state[key.replace(".0.", ".1.", 1)])


def test_transfer_and_distilled_overfit_save_load(
    lm_dir: Path, tiny_reviews: tuple[list[str], list[str]], tmp_path: Path
) -> None:
    from koubei.progress import RecordingProgress

    texts, labels = tiny_reviews
    progress = RecordingProgress()
    teacher = TransferSentimentModel(TransferConfig(base_model=str(lm_dir), **FAST)).fit(
        texts, labels, progress=progress
    )
    assert list(teacher.predict(texts)) == labels
    # 12 reviews in batches of 6 for 15 epochs: 30 optimizer steps, each reported with its loss.
    assert (progress.state.desc, progress.state.total, progress.state.done) == ("training transfer", 30, 30)
    assert progress.notes[-1].startswith("loss ")
    teacher.save(tmp_path / "teacher")
    loaded = load_sentiment_model(tmp_path / "teacher")
    assert isinstance(loaded, TransferSentimentModel)
    np.testing.assert_allclose(loaded.predict_proba(texts), teacher.predict_proba(texts), atol=1e-5)
    meta = json.loads((tmp_path / "teacher" / "meta.json").read_text())
    assert (
        meta["format_version"] == 1
        and meta["kind"] == "transfer"
        and (tmp_path / "teacher" / "model.safetensors").exists()
    )

    student = DistilledSentimentModel(
        DistilledConfig(teacher=str(tmp_path / "teacher"), student_layers=1, **FAST)
    ).fit(texts, labels)
    assert list(student.predict(texts)) == labels
    assert student.model_.config.num_hidden_layers == 1
    student.save(tmp_path / "student")
    reloaded = load_sentiment_model(tmp_path / "student")
    assert isinstance(reloaded, DistilledSentimentModel)
    np.testing.assert_allclose(reloaded.predict_proba(texts), student.predict_proba(texts), atol=1e-5)

    preds = reloaded.score_texts(["", "质量很好，非常满意", "😀"])
    assert [p.label for p in preds] == ["unscorable", "positive", "unscorable"]
    explanation = loaded.explain("质量很好，非常满意")
    assert explanation.method == "gradient_x_input" and explanation.spans
    assert all("质量很好，非常满意"[s.start : s.end] == s.text for s in explanation.spans)


def test_narrow_student_from_scratch(
    lm_dir: Path, tiny_reviews: tuple[list[str], list[str]], tmp_path: Path
) -> None:
    texts, labels = tiny_reviews
    TransferSentimentModel(TransferConfig(base_model=str(lm_dir), **{**FAST, "epochs": 2})).fit(
        texts, labels
    ).save(tmp_path / "t")
    student = DistilledSentimentModel(
        DistilledConfig(teacher=str(tmp_path / "t"), student_hidden=16, **{**FAST, "epochs": 2})
    ).fit(texts, labels)
    assert student.model_.config.hidden_size == 16


def test_neural_errors(lm_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(NotFittedError):
        TransferSentimentModel(TransferConfig(base_model=str(lm_dir))).predict(["x"])
    with pytest.raises(BadInputError, match="base_model"):
        TransferSentimentModel(TransferConfig()).fit(["a", "b"], ["positive", "negative"])
    with pytest.raises(NotFoundError):
        TransferSentimentModel(TransferConfig(base_model=str(tmp_path))).fit(
            ["a", "b"], ["positive", "negative"]
        )
    with pytest.raises(BadInputError, match="teacher"):
        DistilledSentimentModel(DistilledConfig()).fit(["a", "b"], ["positive", "negative"])
    with pytest.raises(BadInputError, match="precision"):
        TransferConfig(base_model=str(lm_dir), precision="fp16")


def test_cli_transfer_then_distilled(cli, lm_dir: Path, tmp_path: Path) -> None:
    from tests.analysis.conftest import NEGATIVE_TEXTS, POSITIVE_TEXTS

    data = tmp_path / "train.jsonl"
    rows = [{"text": t, "label": 1} for t in POSITIVE_TEXTS] + [
        {"text": t, "label": 0} for t in NEGATIVE_TEXTS
    ]
    data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    result = cli(
        "sentiment",
        "train",
        "--data",
        data,
        "--kind",
        "transfer",
        "--base-model",
        lm_dir,
        "--epochs",
        "2",
        "--holdout",
        "0.25",
        "--out",
        tmp_path / "t",
        "--json",
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["kind"] == "transfer"
    result = cli(
        "sentiment",
        "train",
        "--data",
        data,
        "--kind",
        "distilled",
        "--teacher",
        tmp_path / "t",
        "--epochs",
        "2",
        "--holdout",
        "0.25",
        "--out",
        tmp_path / "s",
        "--json",
    )
    assert result.exit_code == 0, result.output
    narrow = cli(
        "sentiment",
        "train",
        "--data",
        data,
        "--kind",
        "distilled",
        "--teacher",
        tmp_path / "t",
        "--epochs",
        "1",
        "--student-hidden",
        "16",
        "--holdout",
        "0.25",
        "--out",
        tmp_path / "s16",
        "--json",
    )
    assert narrow.exit_code == 0, narrow.output
    student_config = json.loads((tmp_path / "s16" / "config.json").read_text())
    assert (
        student_config.get("hidden_size", student_config.get("n_embd")) == 16
    )  # Llama-style / GPT-2-style key
    out = tmp_path / "scores.jsonl"
    result = cli("sentiment", "score", "--model", tmp_path / "s", "--input", data, "--output", out)
    assert result.exit_code == 0, result.output
    assert len(out.read_text(encoding="utf-8").splitlines()) == len(rows)
    explained = cli("sentiment", "explain", "质量很好", "--model", tmp_path / "t", "--json")
    assert explained.exit_code == 0 and json.loads(explained.stdout)["method"] == "gradient_x_input"


def test_student_width_must_be_positive(tmp_path: Path) -> None:
    import pytest

    from koubei.analysis.sentiment.distilled import DistilledConfig
    from koubei.errors import BadInputError

    with pytest.raises(BadInputError, match="student_hidden"):
        DistilledConfig(teacher=str(tmp_path), student_hidden=0)
    assert DistilledConfig(teacher=str(tmp_path)).student_hidden is None  # unset: half the teacher's width


def test_balanced_class_weights_are_sklearns_formula() -> None:
    import torch

    model = TransferSentimentModel(TransferConfig(class_weight="balanced"))
    model.config_, model.classes_ = model.config, ["negative", "positive"]
    weights = model._class_weights(torch.tensor([1, 1, 1, 0]))
    assert torch.allclose(weights, torch.tensor([4 / (2 * 1), 4 / (2 * 3)]))
    plain = TransferSentimentModel(TransferConfig(class_weight=None))
    plain.config_, plain.classes_ = plain.config, ["negative", "positive"]
    assert plain._class_weights(torch.tensor([1, 1, 1, 0])) is None


def test_configs_validate_when_made_and_name_the_field(tmp_path: Path) -> None:
    """One way: values are checked in __post_init__ (the shared fields once, for both kinds), folders by fit."""
    for config in (TransferConfig, DistilledConfig):
        with pytest.raises(BadInputError, match="class_weight"):
            config(class_weight="inverse")
        for field, value in (
            ("epochs", 0),
            ("batch_size", 0),
            ("max_length", 0),
            ("learning_rate", 0.0),
            ("calibration_fraction", 0.5),
            ("precision", "fp16"),
            ("max_train_examples", 0),
        ):
            with pytest.raises(BadInputError, match=field):
                config(**{field: value})
    with pytest.raises(BadInputError, match="kd_temperature"):
        DistilledConfig(kd_temperature=0.0)
    with pytest.raises(BadInputError, match="alpha"):
        DistilledConfig(alpha=1.5)
    # A saved model's config names a base LM that may have moved since: making the config does not look for it.
    assert TransferConfig(base_model=str(tmp_path / "gone")).base_model.endswith("gone")
    # The fields both kinds fine-tune with are declared once, in FineTuneConfig.
    from dataclasses import fields

    from koubei.analysis.sentiment.neural import FineTuneConfig

    shared = {f.name for f in fields(FineTuneConfig)}
    assert {f.name for f in fields(TransferConfig)} - shared == {"base_model"}
    assert {f.name for f in fields(DistilledConfig)} - shared == {
        "teacher",
        "student_layers",
        "student_hidden",
        "kd_temperature",
        "alpha",
    }
    assert DistilledConfig().learning_rate == 5e-4 and TransferConfig().learning_rate == 3e-4


def test_fit_keeps_the_config_it_was_given(lm_dir: Path, tiny_reviews: tuple[list[str], list[str]]) -> None:
    texts, labels = tiny_reviews
    model = TransferSentimentModel()
    model.config = None
    with pytest.raises(BadInputError, match="base_model is required"):
        model.fit(texts, labels)
    assert model.config is None  # fit resolved its defaults into config_, not into the hyperparameter
    given = TransferConfig(base_model=str(lm_dir), **{**FAST, "epochs": 1})
    fitted = TransferSentimentModel(given).fit(texts, labels)
    assert fitted.config is given and fitted.config_ is given


def test_distillation_loss_exact() -> None:
    """The student's loss is the LM's kd_loss (one knowledge-distillation loss in koubei) plus the gold labels'
    cross-entropy, both (class-)weighted means over the batch."""
    import math

    import torch

    from koubei.analysis.sentiment.distilled import student_loss
    from koubei.lm.config import DistillConfig

    student = torch.tensor([[0.0, 0.0], [math.log(3.0), 0.0]])  # probabilities (1/2, 1/2) and (3/4, 1/4)
    teacher = torch.tensor([[math.log(3.0), 0.0], [math.log(3.0), 0.0]])  # (3/4, 1/4) for both
    gold = torch.tensor([0, 1])
    kl_first = 0.75 * math.log(0.75 / 0.5) + 0.25 * math.log(0.25 / 0.5)
    ce = [math.log(2.0), -math.log(0.25)]
    # T = 1, unweighted: alpha * mean KL + (1 - alpha) * mean CE; the second review's KL is 0.
    got = float(student_loss(student, teacher, gold, None, DistillConfig(temperature=1.0, alpha=0.5)))
    assert got == pytest.approx(0.5 * kl_first / 2 + 0.5 * sum(ce) / 2, rel=1e-6)
    # Class weights 1 and 3: weighted means.
    got = float(
        student_loss(
            student, teacher, gold, torch.tensor([1.0, 3.0]), DistillConfig(temperature=1.0, alpha=0.5)
        )
    )
    assert got == pytest.approx(0.5 * kl_first / 4 + 0.5 * (ce[0] + 3 * ce[1]) / 4, rel=1e-6)
    # T = 2 scales the soft term by T^2 and softens both distributions.
    soft = float(student_loss(student, teacher, gold, None, DistillConfig(temperature=2.0, alpha=1.0)))
    p, q = torch.softmax(teacher[0] / 2, -1), torch.softmax(student[0] / 2, -1)
    assert soft == pytest.approx(4 * float((p * (p / q).log()).sum()) / 2, rel=1e-5)


def test_one_knowledge_distillation_loss() -> None:
    from koubei.analysis.sentiment import distilled

    source = Path(distilled.__file__).read_text(encoding="utf-8")
    assert (
        not hasattr(distilled, "distillation_loss")
        and "kl_div" not in source
        and "from koubei.lm.losses import kd_loss" in source
    )
