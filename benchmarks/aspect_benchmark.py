"""Aspect benchmark (issue 4): the supervised aspect model on absa_zh, absa_en and asap_sample.

Run (heavy; under the shared lock):
    flock /tmp/koubei-heavy.lock python benchmarks/aspect_benchmark.py [--out benchmarks/results]

Held-out parts: absa_zh / absa_en records whose `orig_split` is `test` (the source's own test files; `train` and
`train+test` records are training data), asap_sample rows from `test_sample` (train_sample + dev_sample train).
The files are read and split exactly as `koubei aspects train --data FILE` reads and splits them, so one data set's
row here is what the CLI reports, e.g. `koubei aspects train --data ../shared/data/absa_zh/absa_zh.jsonl --out DIR`.
Reported per data set:
- aspect detection precision / recall / F1 (micro over the aspect names of each text: normalized terms for
  absa, the 18 categories for ASAP) — "aspect-category F1";
- aspect-sentiment accuracy and macro-F1 on the gold aspects (given the gold term span or category);
- for absa, the rule-based taxonomy pipeline's sentiment accuracy on the same gold aspects (the clause holding
  the term scored by the lexicon), as a no-training reference.
The data sets are read from `../shared/data` relative to the repository, or --data DIR; results record paths
relative to the repository. Writes aspect_benchmark.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sentiment_data import DATA, relative, repo_path


def split(path: Path) -> tuple[list[dict], list[dict]]:
    """(train, test) of a shared aspect data set, read the way `koubei aspects train` reads it."""
    from koubei.analysis.aspects.data import is_test, read_aspect_file

    records = read_aspect_file(path).records
    return [r for r in records if not is_test(r)], [r for r in records if is_test(r)]


def rule_reference(test: list[dict]) -> float:
    """Sentiment accuracy of clause-of-term + lexicon (the taxonomy pipeline's polarity) on gold terms."""
    from koubei.analysis.aspects.clauses import LexiconScorer
    from koubei.analysis.aspects.supervised import clause_of

    scorer = LexiconScorer()
    gold, pred = [], []
    for r in test:
        for a in r["aspects"]:
            label, _ = scorer([clause_of(r["text"], a["from"], a["to"])])[0]
            gold.append(a["polarity"])
            pred.append(label)
    return round(sum(g == p for g, p in zip(gold, pred, strict=True)) / len(gold), 4)


def main() -> None:
    from koubei.analysis.aspects.supervised import AspectModelConfig, SupervisedAspectModel

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    parser.add_argument("--workdir", type=Path, default=Path("runs/sentiment/aspects"))
    parser.add_argument(
        "--data", type=Path, default=DATA, help="the shared data folder (relative paths: from the repository)"
    )
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    data = repo_path(args.data)
    files = {
        "absa_zh": data / "absa_zh" / "absa_zh.jsonl",
        "absa_en": data / "absa_en" / "absa_en.jsonl",
        "asap_sample": data / "asap_sample" / "asap_sample.csv",
    }
    for name, path in files.items():
        train, test = split(path)
        started = time.perf_counter()
        model = SupervisedAspectModel(AspectModelConfig()).fit(train)
        seconds = time.perf_counter() - started
        result = {
            "dataset": name,
            "n_train": len(train),
            **model.evaluate(test),
            "train_seconds": round(seconds, 1),
        }
        if name != "asap_sample":
            result["rules_lexicon_sentiment_accuracy"] = rule_reference(test)
        model.save(args.workdir / name, metrics=result)
        rows.append(result)
        print(json.dumps(result, ensure_ascii=False), flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    header = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "command": " ".join(relative(a) if a.startswith("/") else a for a in sys.argv),
        "data": relative(args.data),
    }
    (args.out / "aspect_benchmark.json").write_text(
        json.dumps({**header, "rows": rows}, indent=2) + "\n", encoding="utf-8"
    )
    lines = [
        "# Aspect benchmark (issue 4)",
        "",
        "| data set | train | test texts | test aspects | detection P | R | F1 | sentiment acc | sentiment macro-F1 | rules+lexicon acc |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        lines.append(
            f"| {r['dataset']} | {r['n_train']} | {r['texts']} | {r['aspects']} | {r['detection_precision']:.3f} | "
            f"{r['detection_recall']:.3f} | {r['detection_f1']:.3f} | {r['sentiment_accuracy']:.2%} | "
            f"{r['sentiment_macro_f1']:.3f} | {r.get('rules_lexicon_sentiment_accuracy', '-')} |"
        )
    (args.out / "aspect_benchmark.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
