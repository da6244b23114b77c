"""A supervised aspect-sentiment model, trained on labelled aspect data (absa_zh / absa_en / asap style).

Two kinds of training data, one model:
- term data (`{"term", "from", "to", "polarity"}` per aspect, SemEval/PyABSA style): aspects are detected with a
  learned term lexicon (terms seen as aspects often enough, and in a large enough share of the sentences that
  contain them), and the sentiment toward each is classified from its clause and a character window around it;
- category data (`{"category", "polarity"}` per aspect, ASAP style): a one-vs-rest classifier per category says
  whether the review talks about it, and a per-category classifier (shared one for rare categories) its sentiment.
All classifiers are logistic regressions over the vectorized char n-gram TF-IDF of `ngrams.py`, stored as arrays
(`model.npz`) with the resolved config (`aspect_config.json`; models saved before it was named so have
`sentiment_config.json`, still read) and a format version (`meta.json`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from scipy.special import expit, softmax

from koubei.analysis.array_models import load_array_model, save_array_model
from koubei.analysis.aspects.clauses import split_clauses
from koubei.analysis.aspects.rules import AspectMention
from koubei.analysis.aspects.taxonomy import TermMatcher
from koubei.analysis.input_check import check_text
from koubei.analysis.ngrams import CharNgramTfidf
from koubei.errors import BadInputError, NotFittedError

FORMAT = "koubei.aspects.supervised"
FORMAT_VERSION = 1
CONFIG_FILE = "aspect_config.json"
OLD_CONFIG_FILE = "sentiment_config.json"  # what models saved before the rename carry


@dataclass(frozen=True)
class AspectModelConfig:
    ngram_range: tuple[int, int] = (1, 3)
    min_df: int = 1
    # Inverse regularization of every logistic regression.
    C: float = 4.0
    # Characters on each side of an aspect term that form its local context.
    window: int = 8
    # Term lexicon: a term must be labelled this many times, and in this share of the sentences containing it.
    min_term_count: int = 1
    min_term_precision: float = 0.4  # chosen on a validation split of absa_zh/absa_en training data
    # Categories with fewer mentions than this share one sentiment classifier.
    min_category_examples: int = 15
    max_text_chars: int = 5000
    seed: int = 0

    def __post_init__(self) -> None:
        # A config read back from JSON has lists where tuples were saved.
        object.__setattr__(self, "ngram_range", tuple(self.ngram_range))
        lo, hi = self.ngram_range
        if not 1 <= lo <= hi <= 8:
            raise BadInputError(f"ngram_range must satisfy 1 <= min <= max <= 8, got {self.ngram_range!r}")
        if not self.C > 0:
            raise BadInputError(f"C must be > 0, got {self.C!r}")
        for name in ("min_df", "min_term_count", "min_category_examples", "max_text_chars"):
            if getattr(self, name) < 1:
                raise BadInputError(f"{name} must be >= 1, got {getattr(self, name)!r}")
        if self.window < 0:
            raise BadInputError(f"window must be >= 0, got {self.window!r}")
        if not 0 <= self.min_term_precision <= 1:
            raise BadInputError(f"min_term_precision must be in [0, 1], got {self.min_term_precision!r}")


class _Logistic:
    """A fitted logistic regression kept as arrays: proba = sigmoid (binary) or softmax (multiclass)."""

    def __init__(self, coef: np.ndarray, intercept: np.ndarray, classes: list[str]) -> None:
        self.coef, self.intercept, self.classes = coef, intercept, classes

    @classmethod
    def fit(cls, X: Any, y: list[str], C: float, seed: int) -> _Logistic:
        from sklearn.linear_model import LogisticRegression

        labels = sorted(set(y))
        if len(labels) == 1:  # a constant answer: zero weights, intercept fixed
            return cls(np.zeros((1, X.shape[1])), np.array([0.0]), labels)
        lr = LogisticRegression(C=C, max_iter=2000, random_state=seed).fit(X, y)
        return cls(np.asarray(lr.coef_), np.asarray(lr.intercept_), [str(c) for c in lr.classes_])

    def proba(self, X: Any) -> np.ndarray:
        if len(self.classes) == 1:
            return np.ones((X.shape[0], 1))
        d = np.asarray(X @ self.coef.T) + self.intercept
        if len(self.classes) == 2:
            p = expit(d[:, 0])
            return np.column_stack([1 - p, p])
        return np.asarray(softmax(d, axis=1))


def clause_of(text: str, start: int, end: int) -> str:
    """The clause of `text` that holds the span start..end (the whole text when none does)."""
    for clause in split_clauses(text):
        if clause.start <= start < clause.end or (start <= clause.start < end):
            return clause.text
    return text


class SupervisedAspectModel:
    """`fit(records)`, `predict(texts)`, `extract_many(texts)`, `evaluate(records)`, `save`/`load`."""

    def __init__(self, config: AspectModelConfig | None = None) -> None:
        self.config = config

    def _cfg(self) -> AspectModelConfig:
        return self.config or AspectModelConfig()

    # ---- features ---------------------------------------------------------------------------------------------

    def _term_features(self, items: list[tuple[str, int, int]]) -> Any:
        """Features of (text, start, end) aspect occurrences: clause n-grams + window n-grams (separate spaces)."""
        w = self._cfg().window
        clauses = [clause_of(t, a, b) for t, a, b in items]
        windows = [t[max(0, a - w) : a] + "|" + t[b : b + w] for t, a, b in items]
        return sparse.hstack([self.vec_.transform(clauses), self.win_vec_.transform(windows)]).tocsr()

    # ---- training ---------------------------------------------------------------------------------------------

    def fit(self, records: list[dict[str, Any]]) -> SupervisedAspectModel:
        cfg = self._cfg()
        usable = [r for r in records if isinstance(r.get("text"), str) and r["text"].strip()]
        if not usable:
            raise BadInputError("aspect training needs records with a text and an 'aspects' list")
        aspects = [a for r in usable for a in r.get("aspects", [])]
        if not aspects:
            raise BadInputError("no aspects in the training records")
        self.mode_ = "category" if all("category" in a for a in aspects) else "term"
        if self.mode_ == "term" and not all({"from", "to", "polarity"} <= set(a) for a in aspects):
            raise BadInputError(
                "term aspects need 'from', 'to' and 'polarity' (or give every aspect a 'category')"
            )
        texts = [r["text"] for r in usable]
        self.vec_ = CharNgramTfidf(cfg.ngram_range, cfg.min_df).fit(texts)
        if self.mode_ == "term":
            self._fit_terms(usable)
        else:
            self._fit_categories(usable)
        return self

    def _fit_terms(self, records: list[dict[str, Any]]) -> None:
        cfg = self._cfg()
        labelled: Counter[str] = Counter()
        for r in records:
            labelled.update({a["term"].strip().lower() for a in r["aspects"] if a["term"].strip()})
        candidates = TermMatcher({"t": list(labelled)})
        containing: Counter[str] = Counter()
        for r in records:
            containing.update({term for _, _, term, _ in candidates.find(r["text"])})
        self.terms_ = sorted(
            t
            for t, n in labelled.items()
            if n >= cfg.min_term_count and n / max(containing[t], n) >= cfg.min_term_precision
        )
        items = [(r["text"], a["from"], a["to"]) for r in records for a in r["aspects"]]
        windows = [t[max(0, a - cfg.window) : a] + "|" + t[b : b + cfg.window] for t, a, b in items]
        self.win_vec_ = CharNgramTfidf(cfg.ngram_range, cfg.min_df).fit(windows)
        y = [a["polarity"] for r in records for a in r["aspects"]]
        self.polarity_ = {"*": _Logistic.fit(self._term_features(items), y, cfg.C, cfg.seed)}

    def _fit_categories(self, records: list[dict[str, Any]]) -> None:
        cfg = self._cfg()
        X = self.vec_.transform([r["text"] for r in records])
        self.categories_ = sorted({a["category"] for r in records for a in r["aspects"]})
        self.detect_ = {}
        self.polarity_ = {}
        shared_rows, shared_y = [], []
        for cat in self.categories_:
            mentioned = [any(a["category"] == cat for a in r["aspects"]) for r in records]
            self.detect_[cat] = _Logistic.fit(X, ["yes" if m else "no" for m in mentioned], cfg.C, cfg.seed)
            rows = [i for i, r in enumerate(records) for a in r["aspects"] if a["category"] == cat]
            ys = [a["polarity"] for r in records for a in r["aspects"] if a["category"] == cat]
            shared_rows += rows
            shared_y += ys
            if len(rows) >= cfg.min_category_examples:
                self.polarity_[cat] = _Logistic.fit(X[rows], ys, cfg.C, cfg.seed)
        self.polarity_["*"] = _Logistic.fit(X[shared_rows], shared_y, cfg.C, cfg.seed)

    # ---- prediction -------------------------------------------------------------------------------------------

    def _check_fitted(self) -> None:
        if not hasattr(self, "mode_"):
            raise NotFittedError("SupervisedAspectModel is not fitted yet; call fit() or load()")

    def polarity_of(self, text: str, aspects: list[dict[str, Any]]) -> list[tuple[str, float]]:
        """Sentiment toward given aspects of one text (gold spans/categories): used for evaluation and prediction."""
        self._check_fitted()
        if not aspects:
            return []
        if self.mode_ == "term":
            X = self._term_features([(text, a["from"], a["to"]) for a in aspects])
            p = self.polarity_["*"].proba(X)
            return [
                (self.polarity_["*"].classes[int(i)], float(row.max()))
                for i, row in zip(p.argmax(1), p, strict=True)
            ]
        X = self.vec_.transform([text])
        out = []
        for a in aspects:
            clf = self.polarity_.get(a["category"], self.polarity_["*"])
            p = clf.proba(X)[0]
            out.append((clf.classes[int(p.argmax())], float(p.max())))
        return out

    def detect(self, text: str) -> list[dict[str, Any]]:
        """Aspects found in one text: {"term"/"category", "from", "to"} (spans only for term models)."""
        self._check_fitted()
        if self.mode_ == "term":
            return [{"term": t, "from": s, "to": e} for s, e, t, _ in self._matcher().find(text)]
        X = self.vec_.transform([text])
        return [
            {"category": c, "from": None, "to": None}
            for c in self.categories_
            if self.detect_[c].proba(X)[0, -1] >= 0.5 and self.detect_[c].classes[-1] == "yes"
        ]

    def _matcher(self) -> TermMatcher:
        if not hasattr(self, "_matcher_cache"):
            self._matcher_cache = TermMatcher({"t": self.terms_})
        return self._matcher_cache

    def predict(self, texts: list[Any]) -> list[list[dict[str, Any]]]:
        out: list[list[dict[str, Any]]] = []
        for value in texts:
            check = check_text(value, self._cfg().max_text_chars)
            if not check.ok:
                out.append([])
                continue
            found = self.detect(check.text)
            for a, (label, score) in zip(found, self.polarity_of(check.text, found), strict=True):
                a["polarity"], a["score"] = label, score
            out.append(found)
        return out

    def extract_many(self, texts: list[Any]) -> list[list[AspectMention]]:
        """Same interface as the rule-based AspectExtractor (for `koubei aspects --supervised`)."""
        result = []
        for value, found in zip(texts, self.predict(texts), strict=True):
            text = check_text(value, self._cfg().max_text_chars).text
            mentions = []
            for a in found:
                name = a.get("category") or a["term"]
                start, end = (a["from"], a["to"]) if a["from"] is not None else (0, 0)
                clause = clause_of(text, start, end) if a["from"] is not None else text
                mentions.append(
                    AspectMention(name, a["polarity"], a["score"], start, end, a.get("term") or name, clause)
                )
            result.append(mentions)
        return result

    # ---- evaluation -------------------------------------------------------------------------------------------

    def evaluate(self, records: list[dict[str, Any]]) -> dict[str, Any]:
        """Aspect detection P/R/F1 (micro, over aspect names per text) and sentiment accuracy / macro-F1 on gold aspects."""
        from sklearn.metrics import f1_score

        self._check_fitted()
        tp = fp = fn = 0
        gold_pol, pred_pol = [], []
        for r in records:
            key = "category" if self.mode_ == "category" else "term"
            gold = {str(a[key]).strip().lower() for a in r["aspects"]}
            found = {str(a[key]).strip().lower() for a in self.detect(r["text"])}
            tp += len(gold & found)
            fp += len(found - gold)
            fn += len(gold - found)
            for a, (label, _) in zip(r["aspects"], self.polarity_of(r["text"], r["aspects"]), strict=True):
                gold_pol.append(a["polarity"])
                pred_pol.append(label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        acc = (
            sum(g == p for g, p in zip(gold_pol, pred_pol, strict=True)) / len(gold_pol) if gold_pol else 0.0
        )
        return {
            "texts": len(records),
            "aspects": len(gold_pol),
            "detection_precision": round(precision, 4),
            "detection_recall": round(recall, 4),
            "detection_f1": round(f1, 4),
            "sentiment_accuracy": round(acc, 4),
            "sentiment_macro_f1": round(float(f1_score(gold_pol, pred_pol, average="macro")), 4)
            if gold_pol
            else 0.0,
        }

    # ---- persistence ------------------------------------------------------------------------------------------

    def save(self, out_dir: str | Path, metrics: dict[str, Any] | None = None) -> Path:
        self._check_fitted()
        arrays: dict[str, np.ndarray] = {f"vec.{k}": v for k, v in self.vec_.state().items()}
        if self.mode_ == "term":
            arrays.update({f"win.{k}": v for k, v in self.win_vec_.state().items()})
        classifiers: dict[str, list[str]] = {}
        named = {f"pol.{k}": v for k, v in self.polarity_.items()}
        if self.mode_ == "category":
            named.update({f"det.{k}": v for k, v in self.detect_.items()})
        for i, (name, clf) in enumerate(sorted(named.items())):
            arrays[f"clf{i}.coef"], arrays[f"clf{i}.intercept"] = clf.coef, clf.intercept
            classifiers[name] = [str(i), *clf.classes]
        return save_array_model(
            out_dir,
            arrays,
            self._cfg(),
            CONFIG_FILE,
            kind="aspects",
            format=FORMAT,
            format_version=FORMAT_VERSION,
            mode=self.mode_,
            terms=getattr(self, "terms_", []),
            categories=getattr(self, "categories_", []),
            classifiers=classifiers,
            metrics=metrics or {},
        )

    @classmethod
    def load(cls, model_dir: str | Path) -> SupervisedAspectModel:
        saved = load_array_model(
            model_dir,
            "supervised aspect model",
            format=FORMAT,
            format_version=FORMAT_VERSION,
            config_cls=AspectModelConfig,
            config_files=(CONFIG_FILE, OLD_CONFIG_FILE),
        )
        meta, cfg, arrays = saved.meta, saved.config, saved.arrays
        model = cls(cfg)
        model.mode_ = meta["mode"]
        model.vec_ = CharNgramTfidf(cfg.ngram_range, cfg.min_df).set_state(
            {k[4:]: v for k, v in arrays.items() if k.startswith("vec.")}
        )
        if model.mode_ == "term":
            model.win_vec_ = CharNgramTfidf(cfg.ngram_range, cfg.min_df).set_state(
                {k[4:]: v for k, v in arrays.items() if k.startswith("win.")}
            )
            model.terms_ = list(meta["terms"])
        else:
            model.categories_ = list(meta["categories"])
            model.detect_ = {}
        model.polarity_ = {}
        for name, (index, *classes) in meta["classifiers"].items():
            clf = _Logistic(arrays[f"clf{index}.coef"], arrays[f"clf{index}.intercept"], classes)
            group, key = name.split(".", 1)
            (model.polarity_ if group == "pol" else model.detect_)[key] = clf
        return model
