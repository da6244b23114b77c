"""`POST /api/v1/sentiment/score`, `/sentiment/explain`, `/aspects`, and the default model behind them (trained
once on the bundled corpus on first use, under a lock; saved, loaded back, same predictions)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from koubei.pipelines import scoring
from tests.api.conftest import bearer, make_client


@pytest.fixture
def small_corpus(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The default model trained on the first 60 reviews of each label (seconds, not half a minute); returns a
    list that counts the trainings."""
    import koubei.ingest.bundled as bundled
    import koubei.pipelines.sentiment as module

    real_load, real_train = bundled.load_corpus, module.train_rows
    trainings: list[int] = []
    monkeypatch.setattr(bundled, "load_corpus", lambda progress=None: real_load(60, progress))

    def counting_train(*args, **kwargs):
        trainings.append(1)
        return real_train(*args, **kwargs)

    monkeypatch.setattr(module, "train_rows", counting_train)
    scoring._loaded.clear()
    return trainings


def test_score_texts_in_order_with_the_stores_model(analysed_store, read_key, analysis) -> None:
    texts = ["质量很好，物流很快，非常满意", "太差了，用了三天就坏了", "", "质量很好，物流很快，非常满意"]
    with make_client(analysed_store) as client:
        response = client.post("/api/v1/sentiment/score", json={"texts": texts}, headers=bearer(read_key))
    assert response.status_code == 200
    body = response.json()
    assert body["model"] == analysis["sentiment_model"]
    results = body["results"]
    assert len(results) == 4
    assert results[0]["label"] == "positive" and results[1]["label"] == "negative"
    assert results[2]["label"] == "unscorable" and results[2]["reason"]
    assert results[0] == results[3]  # same text, same answer, in its place
    assert 0.0 <= results[0]["score"] <= 1.0


def test_explain_and_aspects(analysed_store, read_key) -> None:
    with make_client(analysed_store) as client:
        explained = client.post(
            "/api/v1/sentiment/explain",
            json={"texts": ["太差了，坏了，打13812345678"]},
            headers=bearer(read_key),
        ).json()
        aspects = client.post(
            "/api/v1/aspects",
            json={"texts": ["物流很快，但是质量太差", "电话13812345678"]},
            headers=bearer(read_key),
        ).json()
    explanation = explained["explanations"][0]
    assert explanation["label"] == "negative" and explanation["spans"]
    assert "13812345678" not in str(explained)  # masked before the model sees it, as ingest would
    assert all(explanation["text"][s["start"] : s["end"]] == s["text"] for s in explanation["spans"])
    first = aspects["results"][0]
    assert first["summary"] == {"logistics": "positive", "quality": "negative"}
    assert [(m["aspect"], m["term"], m["start"], m["end"]) for m in first["aspects"]] == [
        ("logistics", "物流", 0, 2),
        ("quality", "质量", 7, 9),
    ]
    assert aspects["results"][1] == {
        "aspects": [],
        "summary": {},
    }  # masked before analysis: no phone number left


def test_bad_bodies_are_422_naming_the_field(client, read_key) -> None:
    key = bearer(read_key)
    cases = [
        ({"texts": []}, "texts"),
        ({"texts": "one text"}, "texts"),
        ({"texts": ["ok", 3]}, "texts[1]"),
        ({"text": ["ok"]}, "texts"),
        ({"texts": ["ok"], "extra": 1}, "extra"),
        ({"texts": ["x"] * 1001}, "texts"),
        ({"texts": ["a", "b"], "categories": ["手机"]}, "categories"),
    ]
    for body, field in cases:
        response = client.post("/api/v1/sentiment/score", json=body, headers=key)
        assert response.status_code == 422, body
        assert field in response.json()["detail"], (body, response.json())
    malformed = client.post(
        "/api/v1/sentiment/score", content=b'{"texts": [', headers={**key, "Content-Type": "application/json"}
    )
    assert malformed.status_code == 422 and "JSON" in malformed.json()["detail"]
    assert client.post("/api/v1/sentiment/score", json={"texts": ["x"]}).status_code == 401
    assert client.post("/api/v1/aspects", json={"texts": []}, headers=key).status_code == 422


def test_default_model_is_trained_once_on_first_use_and_reloads_the_same(
    client, read_key, small_corpus, isolated_home: Path
) -> None:
    folder = scoring.bundled_model_dir()
    assert not folder.exists()  # nothing trained at start-up
    assert client.get("/health").status_code == 200 and not folder.exists()
    answers: list[object] = []

    def first_request() -> None:
        answers.append(
            client.post(
                "/api/v1/sentiment/score", json={"texts": ["很好用，推荐"]}, headers=bearer(read_key)
            ).json()
        )

    threads = [threading.Thread(target=first_request) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(small_corpus) == 1  # three concurrent first requests, one training
    assert (folder / "meta.json").is_file() and folder.is_relative_to(isolated_home)
    assert answers[0] == answers[1] == answers[2]
    assert answers[0]["model"] == "fast:sentiment-bundled"  # type: ignore[index]
    texts = ["质量很好", "太差了，退货", "物流慢，客服差", "一般"]
    before = scoring.score_texts(texts).to_dict()
    scoring._loaded.clear()  # load from disk again
    assert scoring.score_texts(texts).to_dict() == before
    assert len(before["results"]) == 4 and all(
        r["label"] in ("positive", "negative") for r in before["results"]
    )


def test_a_trained_model_in_the_store_wins_over_the_default(analysed_store, read_key, small_corpus) -> None:
    with make_client(analysed_store) as client:
        body = client.post("/api/v1/sentiment/score", json={"texts": ["好"]}, headers=bearer(read_key)).json()
    assert body["model"] == "fast:sentiment-fast" and small_corpus == []
