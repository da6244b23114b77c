"""The faithfulness checker on honest copy: how many human-written AdvertiseGen references it flags.

Protocol: the shared file is split as in copy_benchmark.py (80/20 by attribute set, seed 20261214 -> dev-train /
dev-test; dev-train 80/20 again with seed 7 -> inner-train / inner-validation). The checker's value lexicon is
learned from inner-train attributes only, and its rules (values.json) were tuned by reading flags on inner-train
references; the figures below are on the dev-test references, which were not read while tuning. Every flag on a
human reference counts here as a false alarm (the issue's convention: the crude checker flags 10.7% of human
references as contradicting their attributes), although many of them are real: AdvertiseGen copy often names
details its attributes lack (a season, a 开叉 hem). `--sample N` prints N flagged reference spans, drawn with a
fixed seed, for judging by hand which are misreadings and which are details the attributes do not hold.

The recall side: benchmarks/data/handcheck_outputs.jsonl holds the hand-checked generated outputs (hand label
per output, see benchmarks/results/copy_handcheck.md); the checker's recall on the unfaithful ones and its
false alarms on the faithful ones are reported per hand-check batch.

    python benchmarks/grounding_benchmark.py               # figures -> benchmarks/results/grounding_benchmark.*
    python benchmarks/grounding_benchmark.py --sample 40   # also print 40 flagged reference spans
    python benchmarks/grounding_benchmark.py --write-lexicon   # learn the shipped lexicon from the whole file
"""

from __future__ import annotations

import argparse
import json
import os
import random
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from koubei.generation.copy_data import CopyPair, read_pairs, split_by_attributes
from koubei.generation.grounding import Grounder
from koubei.generation.values import ValueVocabulary, learn_lexicon

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DATA = (
    Path("..") / "shared" / "data" / "advertisegen" / "advertisegen_dev.jsonl"
)  # relative to the repository
HANDCHECK = HERE / "data" / "handcheck_outputs.jsonl"
LEXICON = REPO / "src" / "koubei" / "generation" / "data" / "value_lexicon.json"
RESULTS = HERE / "results"


def attribute_dict(pair: CopyPair) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pair.attributes:
        out.setdefault(k, []).append(v)
    return out


def splits() -> dict[str, list[CopyPair]]:
    pairs = read_pairs(DATA).pairs
    train, test = split_by_attributes(pairs, 0.2, 20261214)
    inner, val = split_by_attributes(train, 0.2, 7)
    return {"all": list(pairs), "dev_test": test, "inner_train": inner, "inner_val": val}


def grounder_from(pairs: Sequence[CopyPair]) -> Grounder:
    base = ValueVocabulary.load()
    return Grounder(vocabulary=base.with_lexicon(learn_lexicon([attribute_dict(p) for p in pairs], base)))


def reference_figures(grounder: Grounder, pairs: Sequence[CopyPair]) -> tuple[dict[str, Any], list[Any]]:
    kinds: Counter[str] = Counter()
    spans: Counter[str] = Counter()
    flagged = 0
    found = []
    for pair in pairs:
        flags = grounder.ground(pair.text, attribute_dict(pair)).flags
        flagged += bool(flags)
        for kind in {f.kind for f in flags}:
            kinds[kind] += 1
        for f in flags:
            spans[f"{f.kind}:{f.span}"] += 1
            found.append((pair, f))
    n = max(1, len(pairs))
    figures = {
        "references": len(pairs),
        "flagged_any_pct": round(100.0 * flagged / n, 1),
        "flagged_contradiction_pct": round(100.0 * kinds["contradiction"] / n, 1),
        "flagged_unsupported_pct": round(100.0 * kinds["unsupported"] / n, 1),
        "most_flagged_spans": spans.most_common(15),
    }
    return figures, found


def handcheck_figures(grounder_for: dict[str, Grounder]) -> dict[str, Any]:
    if not HANDCHECK.exists():
        return {}
    out: dict[str, Any] = {}
    for line in HANDCHECK.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        batch = out.setdefault(
            row["batch"], {"outputs": 0, "unfaithful": 0, "caught": 0, "faithful_flagged": 0, "agree": 0}
        )
        flags = grounder_for[row.get("lexicon", "inner_train")].ground(row["output"], row["attributes"]).flags
        flagged = any(f.kind in ("contradiction", "unsupported") for f in flags)
        faithful = row["hand"] == "faithful"
        batch["outputs"] += 1
        batch["unfaithful"] += not faithful
        batch["caught"] += flagged and not faithful
        batch["faithful_flagged"] += flagged and faithful
        batch["agree"] += flagged != faithful
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sample", type=int, default=0, help="print this many flagged dev-test spans")
    parser.add_argument("--write-lexicon", action="store_true", help="write the shipped lexicon (whole file)")
    args = parser.parse_args()
    os.chdir(REPO)
    parts = splits()
    if args.write_lexicon:
        base = ValueVocabulary.load()
        lexicon = {
            "format_version": 1,
            "about": (
                "Attribute values per canonical key, and the pairs of values one product held under one key, "
                "learned from the attributes (never the copy) of the shared AdvertiseGen file by "
                "benchmarks/grounding_benchmark.py --write-lexicon. Read by generation.grounding (see values.py)."
            ),
            "source": f"{DATA.as_posix()} ({len(parts['all'])} pairs)",
            **learn_lexicon([attribute_dict(p) for p in parts["all"]], base),
        }
        LEXICON.write_text(json.dumps(lexicon, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {LEXICON.relative_to(REPO)}: {sum(len(v) for v in lexicon['values'].values())} values")
        return
    tuned = grounder_from(parts["inner_train"])
    report: dict[str, Any] = {
        "data": DATA.as_posix(),
        "lexicon": "learned from inner-train attributes only",
        "tuning_set_inner_train": reference_figures(tuned, parts["inner_train"])[0],
    }
    test_figures, found = reference_figures(tuned, parts["dev_test"])
    report["dev_test"] = test_figures
    report["handcheck"] = handcheck_figures({"inner_train": tuned})
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "grounding_benchmark.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    print(json.dumps(report, ensure_ascii=False, indent=2))
    rng = random.Random(20261202)
    for pair, flag in rng.sample(found, min(args.sample, len(found))):
        context = pair.text[max(0, flag.start - 12) : flag.end + 12]
        print(f"{flag.kind}\t{flag.span}\t…{context}…\t{'*'.join(f'{k}#{v}' for k, v in pair.attributes)}")


if __name__ == "__main__":
    main()
