"""Every `koubei sentiment` command and `koubei aspects`, end to end through the real CLI."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.analysis.conftest import NEGATIVE_TEXTS, POSITIVE_TEXTS


def _write_csv(path: Path, rows: list[dict[str, object]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def labelled_file(tmp_path: Path) -> Path:
    rows = [{"id": f"p{i}", "review": t, "stars": 5} for i, t in enumerate(POSITIVE_TEXTS * 2)]
    rows += [{"id": f"n{i}", "review": t, "stars": 1} for i, t in enumerate(NEGATIVE_TEXTS * 2)]
    return _write_csv(tmp_path / "train.csv", rows)


@pytest.fixture
def score_file(tmp_path: Path) -> Path:
    rows = [
        {"id": "a", "review": "质量很好，非常满意"},
        {"id": "b", "review": ""},
        {"id": "c", "review": "物流太慢，差评"},
        {"id": "d", "review": "😀😀"},
        {"id": "a", "review": "质量很好，非常满意"},  # duplicate id: ingest rejects it, scoring still answers
    ]
    return _write_csv(tmp_path / "score.csv", rows)


def _train(cli, labelled_file: Path, out: Path) -> dict:
    result = cli(
        "sentiment",
        "train",
        "--data",
        labelled_file,
        "--map",
        "text=review",
        "--map",
        "review_id=id",
        "--map",
        "rating=stars",
        "--out",
        out,
        "--holdout",
        "0.25",
        "--json",
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_train_score_eval_explain_file(cli, labelled_file: Path, score_file: Path, tmp_path: Path) -> None:
    report = _train(cli, labelled_file, tmp_path / "model")
    assert report["kind"] == "fast" and report["n_heldout"] == 6 and 0 <= report["metrics"]["accuracy"] <= 1
    out = tmp_path / "scores.jsonl"
    result = cli(
        "sentiment",
        "score",
        "--model",
        tmp_path / "model",
        "--input",
        score_file,
        "--map",
        "text=review",
        "--map",
        "review_id=id",
        "--output",
        out,
        "--json",
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["review_id"] for r in lines] == ["a", "b", "c", "d", "a"]
    assert [r["label"] for r in lines] == ["positive", "unscorable", "negative", "unscorable", "positive"]
    assert lines[1]["reason"] == "empty" and lines[3]["reason"] == "emoji_only"
    assert "rating" in lines[0] and lines[0]["rating"] > lines[2]["rating"]

    result = cli(
        "sentiment",
        "eval",
        "--model",
        tmp_path / "model",
        "--data",
        labelled_file,
        "--map",
        "text=review",
        "--map",
        "review_id=id",
        "--map",
        "rating=stars",
        "--json",
    )
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout)
    assert metrics["n"] == 24 and metrics["accuracy"] >= 0.75 and "rating_mae" in metrics

    result = cli("sentiment", "explain", "质量很好，非常满意", "--model", tmp_path / "model", "--json")
    assert result.exit_code == 0, result.output
    explanation = json.loads(result.stdout)
    assert explanation["label"] == "positive" and explanation["spans"]
    human = cli("sentiment", "explain", "质量很好", "--model", tmp_path / "model")
    assert human.exit_code == 0 and "positive" in human.stdout


def test_train_writes_the_rows_it_skipped(cli, labelled_file: Path, tmp_path: Path) -> None:
    good = list(csv.DictReader(labelled_file.open(encoding="utf-8")))
    rows = [*good, {"id": "x1", "review": "", "stars": 5}, {"id": "x2", "review": "还行吧", "stars": ""}]
    data = _write_csv(tmp_path / "with_bad_rows.csv", rows)
    report = _train(cli, data, tmp_path / "model")
    assert report["n_train"] + report["n_heldout"] == len(good) and report["skipped"] == 2
    skipped = [json.loads(x) for x in Path(report["skipped_file"]).read_text(encoding="utf-8").splitlines()]
    assert [(s["row"], s["review_id"]) for s in skipped] == [(len(good) + 1, "x1"), (len(good) + 2, "x2")]
    assert skipped[0]["reason"] == "text: is missing" and skipped[1]["reason"].startswith("no label")
    human = cli(
        "sentiment",
        "train",
        "--data",
        data,
        "--map",
        "text=review",
        "--map",
        "review_id=id",
        "--map",
        "rating=stars",
        "--out",
        tmp_path / "model2",
    )
    assert human.exit_code == 0 and "2 rows skipped; the rows and reasons are in" in human.stdout


def test_train_with_categories_then_score_and_explain_per_category(cli, tmp_path: Path) -> None:
    from tests.analysis.test_fast import CATEGORY_ROWS

    rows = [
        {"id": f"r{i}", "review": t, "label": lab, "cat": c}
        for i, (t, lab, c) in enumerate(CATEGORY_ROWS * 8)
    ]
    # Copies of a row count as duplicates in ingest; vary them so every copy is a review.
    for i, row in enumerate(rows):
        row["review"] = f"{row['review']}{'!' * (i // len(CATEGORY_ROWS))}"
    data = _write_csv(tmp_path / "cats.csv", rows)
    result = cli(
        "sentiment",
        "train",
        "--data",
        data,
        "--map",
        "text=review",
        "--map",
        "review_id=id",
        "--map",
        "category=cat",
        "--out",
        tmp_path / "m",
        "--holdout",
        "0.25",
        "--json",
    )
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "m" / "meta.json").read_text(encoding="utf-8"))["categories"] == [
        "手机",
        "酒店",
    ]
    to_score = _write_csv(
        tmp_path / "s.csv",
        [{"id": "h", "review": "很小", "cat": "酒店"}, {"id": "p", "review": "很小", "cat": "手机"}],
    )
    out = tmp_path / "s.jsonl"
    scored = cli(
        "sentiment",
        "score",
        "--model",
        tmp_path / "m",
        "--input",
        to_score,
        "--map",
        "text=review",
        "--map",
        "review_id=id",
        "--map",
        "category=cat",
        "--output",
        out,
    )
    assert scored.exit_code == 0, scored.output
    assert [json.loads(x)["label"] for x in out.read_text(encoding="utf-8").splitlines()] == [
        "negative",
        "positive",
    ]
    for category, label in (("酒店", "negative"), ("手机", "positive")):
        explained = cli(
            "sentiment", "explain", "很小", "--model", tmp_path / "m", "--category", category, "--json"
        )
        assert explained.exit_code == 0 and json.loads(explained.stdout)["label"] == label


def test_score_file_resumes(cli, labelled_file: Path, score_file: Path, tmp_path: Path) -> None:
    _train(cli, labelled_file, tmp_path / "model")
    out = tmp_path / "scores.jsonl"
    args = (
        "sentiment",
        "score",
        "--model",
        tmp_path / "model",
        "--input",
        score_file,
        "--map",
        "text=review",
        "--map",
        "review_id=id",
        "--output",
        out,
        "--batch-size",
        "2",
        "--json",
    )
    assert cli(*args).exit_code == 0
    full = out.read_text(encoding="utf-8")
    # Simulate an interruption after two rows and half of the third.
    lines = full.splitlines(keepends=True)
    out.write_text("".join(lines[:2]) + lines[2][:10], encoding="utf-8")
    result = cli(*args)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["skipped_already_done"] == 2
    assert out.read_text(encoding="utf-8") == full


def test_score_store_and_aspects(cli, labelled_file: Path, tmp_path: Path) -> None:
    from koubei.store import Store
    from koubei.store.analysis import read_aggregates, read_aspect_mentions, read_sentiment_scores

    _train(cli, labelled_file, tmp_path / "model")
    reviews = _write_csv(
        tmp_path / "reviews.csv",
        [
            {
                "review_id": "r1",
                "product_id": "p1",
                "text": "质量很好，但是物流太慢了",
                "created_at": "2026-11-23",
            },
            {"review_id": "r2", "product_id": "p1", "text": "价格实惠，很满意", "created_at": "2026-11-24"},
            {"review_id": "r3", "product_id": "p2", "text": "包装破损，差评", "created_at": "2026-11-30"},
        ],
    )
    assert cli("ingest", "reviews", reviews).exit_code == 0
    first = cli("sentiment", "score", "--model", tmp_path / "model", "--json")
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["scored"] == 3
    again = cli("sentiment", "score", "--model", tmp_path / "model", "--json")
    assert json.loads(again.stdout)["scored"] == 0  # resumable: nothing left to do
    store = Store.open()
    scores = read_sentiment_scores(store)
    assert [s["review_id"] for s in scores] == ["r1", "r2", "r3"] and scores[1]["label"] == "positive"

    result = cli("aspects", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["reviews"] == 3 and summary["mentions"] >= 4
    mentions = read_aspect_mentions(store, review_ids=["r1"])
    assert [(m["aspect"], m["sentiment"]) for m in mentions] == [
        ("quality", "positive"),
        ("logistics", "negative"),
    ]
    p1 = read_aggregates(store, group_by="product", group_key="p1", period="all")[0]
    assert p1["count"] == 2 and p1["top_criticized"][0]["aspect"] == "logistics"
    human = cli("aspects")
    assert human.exit_code == 0 and "Most criticized" in human.stdout


def test_store_training_and_scoring_use_the_review_or_product_category(cli, tmp_path: Path) -> None:
    from koubei.store import Store
    from koubei.store.analysis import read_sentiment_scores
    from tests.analysis.test_fast import CATEGORY_ROWS

    rows = [
        {"review_id": f"r{i}", "text": f"{t}{'!' * (i // len(CATEGORY_ROWS))}", "label": lab, "category": c}
        for i, (t, lab, c) in enumerate(CATEGORY_ROWS * 8)
    ]
    assert cli("ingest", "reviews", _write_csv(tmp_path / "train.csv", rows)).exit_code == 0
    result = cli("sentiment", "train", "--out", tmp_path / "m", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "m" / "meta.json").read_text(encoding="utf-8"))["categories"] == [
        "手机",
        "酒店",
    ]
    # New reviews without a category of their own take their product's.
    products = [
        {"product_id": "hotel1", "title": "湖景房", "category": "酒店"},
        {"product_id": "phone1", "title": "X1", "category": "手机"},
    ]
    assert cli("ingest", "products", _write_csv(tmp_path / "products.csv", products)).exit_code == 0
    new = [
        {"review_id": "zh", "product_id": "hotel1", "text": "很小"},
        {"review_id": "zp", "product_id": "phone1", "text": "很小"},
    ]
    assert cli("ingest", "reviews", _write_csv(tmp_path / "new.csv", new)).exit_code == 0
    assert cli("sentiment", "score", "--model", tmp_path / "m").exit_code == 0
    scores = {s["review_id"]: s for s in read_sentiment_scores(Store.open())}

    def p_positive(review_id: str) -> float:
        s = scores[review_id]
        return float(s["score"]) if s["label"] == "positive" else 1.0 - float(s["score"])

    # The same words score as the hotel complaint and the phone praise they are in their categories.
    assert p_positive("zp") - p_positive("zh") > 0.1


def test_aspects_file(cli, score_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "aspects.jsonl"
    result = cli(
        "aspects", "--input", score_file, "--map", "text=review", "--map", "review_id=id", "--output", out
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["review_id"] for r in lines] == ["a", "b", "c", "d", "a"]
    assert lines[2]["summary"] == {"logistics": "negative"}
    assert lines[1]["label"] == "unscorable" and lines[1]["aspects"] == []


def test_cli_bad_input_exit_code_2(cli, tmp_path: Path, labelled_file: Path) -> None:
    assert cli("sentiment", "train", "--data", tmp_path / "missing.csv").exit_code == 2
    assert (
        cli("sentiment", "train", "--data", labelled_file, "--map", "text=review", "--kind", "bert").exit_code
        == 2
    )
    assert cli("sentiment", "score", "--model", tmp_path / "nope").exit_code == 2
    assert cli("sentiment", "score", "--input", labelled_file).exit_code == 2
    assert cli("sentiment", "explain", "x", "--model", tmp_path / "nope").exit_code == 2
    assert cli("aspects", "--taxonomy", tmp_path / "missing.json").exit_code == 2
    assert (
        cli(
            "sentiment",
            "train",
            "--kind",
            "transfer",
            "--data",
            labelled_file,
            "--map",
            "text=review",
            "--out",
            tmp_path / "t",
        ).exit_code
        == 2
    )  # no --base-model


def _term_record(text: str, term: str, polarity: str, split: str) -> dict:
    start = text.index(term)
    return {
        "text": text,
        "aspects": [{"term": term, "from": start, "to": start + len(term), "polarity": polarity}],
        "orig_split": split,
    }


def test_aspects_train_eval_and_use_supervised_model(cli, tmp_path: Path) -> None:
    records = []
    for i in range(12):
        split = "test" if i % 4 == 0 else "train"
        records.append(_term_record(f"电池很好{i}", "电池", "positive", split))
        records.append(_term_record(f"屏幕很差{i}", "屏幕", "negative", split))
    lines = [json.dumps(r, ensure_ascii=False) for r in records] + ['{"text": "x", "aspects": "none"}']
    data = tmp_path / "aspects.jsonl"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "am"
    result = cli("aspects", "train", "--data", data, "--out", out, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    # 3 of every 12 per term are marked test: the file's own split is used, not a random share.
    assert (report["n_train"], report["n_heldout"], report["mode"]) == (18, 6, "term")
    assert report["heldout_from"] == "the file's own test rows"
    assert report["metrics"]["texts"] == 6 and report["metrics"]["detection_f1"] == 1.0
    assert report["rejected"] == 1
    rejected = [json.loads(x) for x in (out / "rejected.jsonl").read_text(encoding="utf-8").splitlines()]
    assert rejected == [
        {"row": 25, "reason": "'aspects' must be a list (empty when the review mentions none)"}
    ]

    evaluated = cli("aspects", "eval", "--model", out, "--data", data, "--only-test", "--json")
    assert evaluated.exit_code == 0, evaluated.output
    assert json.loads(evaluated.stdout)["metrics"] == report["metrics"]
    human = cli("aspects", "eval", "--model", out, "--data", data)
    assert human.exit_code == 0 and "detection P" in human.stdout and "1 row skipped" in human.stdout

    reviews = tmp_path / "reviews.csv"
    _write_csv(reviews, [{"id": "r1", "review": "电池很好，屏幕很差"}])
    found = tmp_path / "found.jsonl"
    used = cli(
        "aspects",
        "--supervised",
        out,
        "--input",
        reviews,
        "--map",
        "text=review",
        "--map",
        "review_id=id",
        "--output",
        found,
    )
    assert used.exit_code == 0, used.output
    aspects = json.loads(found.read_text(encoding="utf-8"))["aspects"]
    assert [(a["aspect"], a["sentiment"]) for a in aspects] == [("电池", "positive"), ("屏幕", "negative")]


def test_aspects_train_random_holdout_and_errors(cli, tmp_path: Path) -> None:
    data = tmp_path / "asap.csv"
    rows = (
        ["reviewbody,taste,service"]
        + [f"菜好吃{i},1,-2" for i in range(6)]
        + [f"服务差{i},-2,-1" for i in range(6)]
    )
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = cli("aspects", "train", "--data", data, "--out", tmp_path / "cm", "--holdout", "0.25", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["mode"], report["n_train"], report["n_heldout"]) == ("category", 9, 3)
    assert report["heldout_from"] == "a random 25% (seed 0)" and report["rejected_file"] is None
    # A term model cannot be scored on category data, and a missing model folder is a plain error.
    terms = tmp_path / "terms.jsonl"
    terms.write_text(
        json.dumps(_term_record("电池很好", "电池", "positive", "train"), ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    assert cli("aspects", "train", "--data", terms, "--out", tmp_path / "tm", "--holdout", "0").exit_code == 0
    mismatch = cli("aspects", "eval", "--model", tmp_path / "tm", "--data", data)
    assert mismatch.exit_code == 2 and "learned term aspects" in mismatch.stderr
    assert cli("aspects", "eval", "--model", tmp_path / "nope", "--data", data).exit_code == 2
    assert cli("aspects", "train", "--data", data, "--out", tmp_path / "x", "--holdout", "1.5").exit_code == 2
    assert (
        cli("aspects", "train", "--data", tmp_path / "missing.jsonl", "--out", tmp_path / "x").exit_code == 2
    )


def test_resume_refuses_another_input_and_starts_over_when_asked(
    cli, labelled_file: Path, tmp_path: Path
) -> None:
    """Defect 6: scoring b.csv into the output of a.csv skipped b's first rows. Resume checks it is the same run."""
    _train(cli, labelled_file, tmp_path / "model")
    a = _write_csv(
        tmp_path / "a.csv", [{"review_id": f"a{i}", "text": t} for i, t in enumerate(POSITIVE_TEXTS[:3])]
    )
    b = _write_csv(
        tmp_path / "b.csv", [{"review_id": f"b{i}", "text": t} for i, t in enumerate(NEGATIVE_TEXTS[:4])]
    )
    out = tmp_path / "out.jsonl"

    def score(data: Path, *extra: str):
        return cli(
            "sentiment",
            "score",
            "--model",
            tmp_path / "model",
            "--input",
            data,
            "--output",
            out,
            "--json",
            *extra,
        )

    assert score(a).exit_code == 0
    sidecar = json.loads((tmp_path / "out.jsonl.resume.json").read_text(encoding="utf-8"))
    assert (sidecar["input"], sidecar["rows"], sidecar["mapping"]) == ("a.csv", 3, {})
    first = out.read_text(encoding="utf-8")
    refused = score(b)
    assert refused.exit_code == 2
    assert (
        "holds 3 results of another input (a.csv, not b.csv)" in refused.stderr
        and "--no-resume starts over" in refused.stderr
    )
    assert out.read_text(encoding="utf-8") == first  # nothing appended
    over = score(b, "--no-resume")
    assert over.exit_code == 0, over.output
    assert (json.loads(over.stdout)["skipped_already_done"], json.loads(over.stdout)["scored"]) == (0, 4)
    assert [json.loads(x)["review_id"] for x in out.read_text(encoding="utf-8").splitlines()] == [
        "b0",
        "b1",
        "b2",
        "b3",
    ]
    # The same run resumes (here: nothing left to do) ...
    again = score(b)
    assert again.exit_code == 0 and json.loads(again.stdout)["skipped_already_done"] == 4
    # ... but not once the file changed in place, nor with another mapping, nor with a retrained model.
    _write_csv(b, [{"review_id": f"b{i}", "text": t} for i, t in enumerate(NEGATIVE_TEXTS[1:5])])
    changed = score(b)
    assert changed.exit_code == 2 and "b.csv has changed since" in changed.stderr
    assert score(b, "--no-resume").exit_code == 0
    mapped = score(b, "--map", "review_id=text")
    assert mapped.exit_code == 2 and "another column mapping" in mapped.stderr
    assert (
        cli(
            "sentiment",
            "train",
            "--data",
            labelled_file,
            "--map",
            "text=review",
            "--map",
            "rating=stars",
            "--out",
            tmp_path / "model",
            "--seed",
            "3",
        ).exit_code
        == 0
    )
    retrained = score(b)
    assert retrained.exit_code == 2 and "another model" in retrained.stderr


def test_resume_refuses_an_output_without_its_record(
    cli, labelled_file: Path, score_file: Path, tmp_path: Path
) -> None:
    _train(cli, labelled_file, tmp_path / "model")
    out = tmp_path / "old.jsonl"
    out.write_text('{"review_id": "x"}\n', encoding="utf-8")  # e.g. written by an older koubei
    result = cli(
        "sentiment",
        "score",
        "--model",
        tmp_path / "model",
        "--input",
        score_file,
        "--map",
        "text=review",
        "--output",
        out,
    )
    assert result.exit_code == 2 and "no record of the input they came from" in result.stderr


def test_aspects_resume_refuses_another_input(cli, tmp_path: Path) -> None:
    a = _write_csv(
        tmp_path / "a.csv", [{"review_id": "a1", "text": "质量很好"}, {"review_id": "a2", "text": "物流太慢"}]
    )
    b = _write_csv(
        tmp_path / "b.csv",
        [
            {"review_id": "b1", "text": "价格实惠"},
            {"review_id": "b2", "text": "包装破损"},
            {"review_id": "b3", "text": "服务很好"},
        ],
    )
    out = tmp_path / "aspects.jsonl"
    assert cli("aspects", "--input", a, "--output", out).exit_code == 0
    refused = cli("aspects", "--input", b, "--output", out)
    assert refused.exit_code == 2 and "another input (a.csv, not b.csv)" in refused.stderr
    over = cli("aspects", "--input", b, "--output", out, "--no-resume", "--json")
    assert over.exit_code == 0 and json.loads(over.stdout)["rows"] == 3
    assert [json.loads(x)["review_id"] for x in out.read_text(encoding="utf-8").splitlines()] == [
        "b1",
        "b2",
        "b3",
    ]
    other_extractor = cli("aspects", "--input", b, "--output", out, "--taxonomy", _taxonomy(tmp_path))
    assert other_extractor.exit_code == 2 and "another model" in other_extractor.stderr


def _taxonomy(tmp_path: Path) -> Path:
    from importlib import resources

    path = tmp_path / "my_aspects.json"
    path.write_text(
        resources.files("koubei.analysis").joinpath("data", "aspects.json").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    return path
