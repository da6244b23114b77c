"""One copy of each shared piece in the sentiment and aspects area, no private reach-ins, no import cycle, and
errors that name parameters (issue 13, architecture 8)."""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "koubei"
AREA = [
    *sorted((SRC / "analysis").rglob("*.py")),
    *(
        SRC / p
        for p in (
            "pipelines/sentiment.py",
            "pipelines/aspects.py",
            "pipelines/resumable.py",
            "cli/sentiment.py",
            "cli/aspects.py",
            "pipelines/demo_steps/sentiment.py",
        )
    ),
    *(
        ROOT / "benchmarks" / p
        for p in ("sentiment_benchmark.py", "sentiment_data.py", "aspect_benchmark.py")
    ),
]


def _imports(path: Path) -> list[ast.ImportFrom]:
    return [n for n in ast.walk(ast.parse(path.read_text(encoding="utf-8"))) if isinstance(n, ast.ImportFrom)]


def test_no_private_names_imported_across_modules() -> None:
    for path in AREA:
        for node in _imports(path):
            private = [a.name for a in node.names if a.name.startswith("_") and a.name != "__future__"]
            assert not private, f"{path.relative_to(ROOT)} imports {private} from {node.module}"
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            # obj._name(...) on anything but self/cls is a reach into another object's private part
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr.startswith("_")
            ):
                owner = node.func.value
                if not node.func.attr.startswith("__") and not (
                    isinstance(owner, ast.Name) and owner.id in ("self", "cls", "object")
                ):
                    pytest.fail(f"{path.relative_to(ROOT)}:{node.lineno} calls private {node.func.attr}")


def test_explanations_import_no_model() -> None:
    """explain.py knows no model, so fast/neural import it at the top and nothing imports back (no cycle)."""
    modules = {n.module for n in _imports(SRC / "analysis" / "sentiment" / "explain.py")}
    assert not {m for m in modules if m and m.startswith("koubei.analysis.sentiment")}
    fast_imports = {n.module for n in _imports(SRC / "analysis" / "sentiment" / "fast.py")}
    assert "koubei.analysis.sentiment.explain" in fast_imports


def test_explain_has_no_dead_top_k() -> None:
    from koubei.analysis.sentiment.fast import FastSentimentModel
    from koubei.analysis.sentiment.neural import NeuralSentimentModel
    from koubei.pipelines.sentiment import explain_texts

    for fn in (FastSentimentModel.explain, NeuralSentimentModel.explain, explain_texts):
        assert "top_k" not in inspect.signature(fn).parameters


def test_one_text_limit_and_one_quiet_transformers(monkeypatch: pytest.MonkeyPatch) -> None:
    from koubei.analysis import input_check
    from koubei.analysis.sentiment import fast, neural
    from koubei.config import get_settings

    monkeypatch.setenv("KOUBEI_MAX_TEXT_CHARS", "123")
    get_settings.cache_clear()
    assert input_check.text_limit() == 123 and input_check.text_limit(7) == 7
    for module in (fast, neural):
        assert not hasattr(module, "max_chars") and not hasattr(module, "_max_chars")
        assert not hasattr(module, "quiet_transformers")  # koubei.lm.model's is the one


def test_probabilities_are_scipys_sigmoid_and_softmax() -> None:
    """Exact values on tiny decisions: the aspect classifiers and the fast model's calibration."""
    from scipy import sparse

    from koubei.analysis.aspects.supervised import _Logistic
    from koubei.analysis.sentiment.fast import _Linear

    X = sparse.csr_matrix(np.array([[1.0, 0.0], [0.0, 2.0]]))
    binary = _Logistic(np.array([[np.log(3.0), 0.0]]), np.array([0.0]), ["no", "yes"])
    np.testing.assert_allclose(binary.proba(X), [[0.25, 0.75], [0.5, 0.5]])
    three = _Logistic(np.zeros((3, 2)), np.log(np.array([1.0, 2.0, 5.0])), ["a", "b", "c"])
    np.testing.assert_allclose(three.proba(X), [[0.125, 0.25, 0.625]] * 2)
    # p = 1 / (1 + exp(a * f + b)) with a = -1, b = 0 and decision f = log 3: 0.75.
    linear = _Linear(
        np.array([[np.log(3.0), 0.0]]), np.zeros(1), np.full(1, -1.0), np.zeros(1), ["negative", "positive"]
    )
    np.testing.assert_allclose(linear.proba(X), [[0.25, 0.75], [0.5, 0.5]])
    for path in (
        SRC / "analysis" / "aspects" / "supervised.py",
        SRC / "analysis" / "sentiment" / "fast.py",
        SRC / "analysis" / "sentiment" / "neural.py",
    ):
        assert "1.0 / (1.0 + np.exp" not in path.read_text(encoding="utf-8")


def test_not_fitted_is_sklearns_and_help_does_not_import_sklearn() -> None:
    import sklearn.exceptions

    from koubei.analysis.sentiment.fast import FastSentimentModel
    from koubei.errors import KoubeiError, NotFittedError

    assert issubclass(NotFittedError, sklearn.exceptions.NotFittedError) and issubclass(
        NotFittedError, KoubeiError
    )
    with pytest.raises(sklearn.exceptions.NotFittedError):
        FastSentimentModel().predict(["x"])
    assert NotFittedError("x").exit_code == 1 and NotFittedError.http_status == 409
    # scikit-learn is imported only when the error is first used, so `koubei --help` stays instant.
    code = (
        "import sys; from koubei.cli.main import app; import koubei.errors; print('sklearn' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "False"


def test_library_errors_name_the_parameter_not_a_flag(tmp_path: Path) -> None:
    from koubei.analysis.sentiment.kinds import new_model
    from koubei.errors import BadInputError
    from koubei.pipelines import sentiment
    from koubei.pipelines.resumable import check_batch_size

    with pytest.raises(BadInputError, match=r"^kind 'bert' is unknown"):
        new_model("bert")
    with pytest.raises(BadInputError, match=r"^batch_size must be >= 1"):
        check_batch_size(0)
    with pytest.raises(BadInputError, match=r"^holdout must be between 0 and 1"):
        sentiment.split_holdout([], 1.5, 0)
    for path in AREA:
        if "cli" in path.parts:
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if "Error(" in line:
                assert " --" not in line.split("Error(", 1)[1], f"{path.relative_to(ROOT)}: {line.strip()}"
