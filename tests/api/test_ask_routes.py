"""POST /api/v1/ask: answers with citations, conversations kept (masked), server-sent events parsed, bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import bearer
from tests.api.service_index import built_index, install_index  # noqa: F401  (built_index: a fixture)

QUESTION = "电池耐用吗"  # r01 and r04 speak of p-phone's battery: the answer cites them


@pytest.fixture
def ask_client(client, built_index: Path, isolated_home: Path) -> Any:  # noqa: F811
    install_index(built_index, isolated_home)
    return client


def _ask(client, key, **body):
    return client.post("/api/v1/ask", headers=bearer(key), json=body)


def parse_events(text: str) -> list[tuple[str, Any]]:
    """A server-sent-event stream as (event, data) pairs, by the spec's line rules."""
    events, name, data = [], "message", []
    for line in text.split("\n"):
        if line == "":
            if data:
                events.append((name, json.loads("\n".join(data))))
            name, data = "message", []
        elif line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].lstrip(" "))
    return events


def test_answer_cites_its_evidence_and_keeps_the_conversation(ask_client, read_key) -> None:
    first = _ask(ask_client, read_key, question=f"我电话13812345678，{QUESTION}", product_id="p-phone")
    assert first.status_code == 200, first.text
    data = first.json()
    assert data["product_id"] == "p-phone" and not data["refused"]
    cited = {c["id"].split("#")[0].removeprefix("review:") for c in data["citations"]}
    assert cited and cited <= {"r01", "r04"}  # the two reviews of p-phone that speak of its battery (电池)
    assert "13812345678" not in data["question"]  # masked before it is searched, answered or stored
    cid = data["conversation_id"]
    second = _ask(ask_client, read_key, question="屏幕清晰吗", conversation_id=cid)
    assert second.status_code == 200 and second.json()["conversation_id"] == cid
    history = ask_client.get(f"/api/v1/ask/conversations/{cid}", headers=bearer(read_key))
    assert history.status_code == 200, history.text
    turns = history.json()["turns"]
    assert [t["role"] for t in turns] == ["user", "assistant", "user", "assistant"]
    assert "13812345678" not in json.dumps(history.json(), ensure_ascii=False)
    assert turns[1]["text"] == data["answer"]
    assert history.json()["product_id"] == "p-phone"


@pytest.mark.parametrize("how", ["accept", "body"])
def test_the_answer_streams_as_server_sent_events(ask_client, read_key, how) -> None:
    plain = _ask(ask_client, read_key, question=QUESTION, product_id="p-phone").json()
    headers = {**bearer(read_key), **({"Accept": "text/event-stream"} if how == "accept" else {})}
    body = {"question": QUESTION, "product_id": "p-phone", **({"stream": True} if how == "body" else {})}
    with ask_client.stream("POST", "/api/v1/ask", headers=headers, json=body) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        text = "".join(response.iter_text())
    events = parse_events(text)
    names = [name for name, _ in events]
    assert names[0] == "meta" and names[-1] == "done" and "citations" in names
    tokens = [data["text"] for name, data in events if name == "token"]
    done = events[-1][1]
    assert len(tokens) >= 1 and "".join(tokens) == done["answer"]
    assert done["answer"] == plain["answer"]  # the same answer as the JSON route (same question, same index)
    assert dict(events)["citations"] == done["citations"]
    assert events[0][1]["conversation_id"] == done["conversation_id"]


def test_an_unanswerable_question_streams_its_escalation(ask_client, read_key) -> None:
    headers = {**bearer(read_key), "Accept": "text/event-stream"}
    response = ask_client.post(
        "/api/v1/ask", headers=headers, json={"question": "我的快递到哪里了，订单号123456"}
    )
    events = dict(parse_events(response.text))
    assert events["done"]["escalation"] is not None
    assert events["escalation"] == events["done"]["escalation"]


def test_sentence_chunks_concatenate_to_the_text() -> None:
    from koubei.api.routes.ask import sentence_chunks

    assert sentence_chunks("第一句。第二句！最后") == ["第一句。", "第二句！", "最后"]
    spaced = "  One. Two!  ...  "
    assert "".join(sentence_chunks(spaced)) == spaced and len(sentence_chunks(spaced)) == 2
    assert sentence_chunks("no end") == ["no end"]
    assert sentence_chunks("") == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "question"),
        ({"question": ""}, "question"),
        ({"question": "x" * 2001}, "question"),
        ({"question": 42}, "question"),
        ({"question": "hi", "conversation_id": "c" * 65}, "conversation_id"),
        ({"question": "hi", "stream": "sometimes"}, "stream"),
        ({"question": "hi", "unknown": 1}, "unknown"),
    ],
)
def test_bad_questions_name_the_field(client, read_key, body, field) -> None:
    response = client.post("/api/v1/ask", headers=bearer(read_key), json=body)
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]


def test_malformed_json_unknown_conversations_and_keys(client, read_key) -> None:
    broken = client.post(
        "/api/v1/ask",
        headers={**bearer(read_key), "Content-Type": "application/json"},
        content=b'{"question": ',
    )
    assert broken.status_code == 422 and "JSON" in broken.json()["detail"]
    missing = client.get("/api/v1/ask/conversations/nope", headers=bearer(read_key))
    assert missing.status_code == 404 and "nope" in missing.json()["detail"]
    assert client.post("/api/v1/ask", json={"question": "hi"}).status_code == 401
