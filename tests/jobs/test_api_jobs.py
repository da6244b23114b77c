"""The /api/v1/jobs routes through TestClient, with the app's own in-process worker (its lifespan starts it) on
the SQLite queue, against SQLite and PostgreSQL stores: a real job end to end followed by server-sent events,
then scopes, bad input and pagination."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from koubei.pipelines.keys import create_api_key
from tests.api.conftest import bearer, make_client
from tests.jobs.conftest import CORPUS_PER_LABEL

TOTAL = 2 * CORPUS_PER_LABEL
UNKNOWN = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def keys(review_store: Any) -> dict[str, str]:
    return {
        "admin": create_api_key(review_store, "jobs-admin", "admin").key,
        "read": create_api_key(review_store, "jobs-read", "read").key,
    }


@pytest.fixture
def api(review_store: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    # The events stream polls the job row every 10 ms here (0.5 s in production), so that a scoring job that
    # takes well under a second on a quiet machine still shows several progress steps to the test.
    monkeypatch.setattr("koubei.api.routes.jobs.POLL_SECONDS", 0.01)
    with make_client(review_store) as client:
        client.app.state.job_queue.progress_every = 0.05  # many progress events for the test to see
        yield client


def _events(client: Any, job_id: str, key: str) -> list[tuple[str, dict[str, Any]]]:
    out: list[tuple[str, dict[str, Any]]] = []
    with client.stream("GET", f"/api/v1/jobs/{job_id}/events", headers=bearer(key)) as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        event = None
        for line in stream.iter_lines():
            if line.startswith("event: "):
                event = line[len("event: ") :]
            elif line.startswith("data: "):
                assert event is not None
                out.append((event, json.loads(line[len("data: ") :])))
    return out


def test_train_then_score_through_the_api_watching_progress_live(api: Any, keys: dict[str, str]) -> None:
    admin, read = keys["admin"], keys["read"]
    submitted = api.post(
        "/api/v1/jobs", json={"kind": "sentiment_train", "params": {"seed": 1}}, headers=bearer(admin)
    )
    assert submitted.status_code == 202, submitted.text
    job = submitted.json()
    assert job["status"] == "queued" and job["created_by"] == "jobs-admin"
    events = _events(api, job["id"], read)
    assert [e for e, _ in events][-1] == "done" and all(e == "progress" for e, _ in events[:-1])
    final = events[-1][1]
    assert final["status"] == "succeeded", final["error"]
    got = api.get(f"/api/v1/jobs/{job['id']}", headers=bearer(read)).json()
    assert got == final
    assert got["result"]["n_train"] + got["result"]["n_heldout"] == TOTAL
    assert got["result"]["metrics"]["accuracy"] >= 0.8

    scoring = api.post(
        "/api/v1/jobs", json={"kind": "sentiment_score", "params": {"batch_size": 1}}, headers=bearer(admin)
    ).json()
    events = _events(api, scoring["id"], read)
    done_counts = [body["progress"].get("done") for _, body in events if body["status"] == "running"]
    done_counts = [d for d in done_counts if d is not None]
    assert done_counts == sorted(done_counts) and len(set(done_counts)) >= 3  # it moved, forward only
    last = events[-1][1]
    assert last["status"] == "succeeded" and last["result"]["scored"] == TOTAL
    assert last["progress"]["done"] == last["progress"]["total"] == TOTAL


def test_scopes_and_bad_input(api: Any, keys: dict[str, str]) -> None:
    admin, read = keys["admin"], keys["read"]
    new = {"kind": "sentiment_score", "params": {}}
    none = api.post("/api/v1/jobs", json=new)
    assert none.status_code == 401 and none.headers["www-authenticate"] == "Bearer"
    assert api.post("/api/v1/jobs", json=new, headers=bearer(read)).status_code == 403
    bad = api.post(
        "/api/v1/jobs", json={"kind": "sentiment_score", "params": {"batch_size": -1}}, headers=bearer(admin)
    )
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
    assert bad.json()["errors"] == [
        {"field": "params.batch_size", "message": "Input should be greater than or equal to 1"}
    ]
    unknown_kind = api.post("/api/v1/jobs", json={"kind": "mine_bitcoin"}, headers=bearer(admin))
    assert unknown_kind.status_code == 422 and unknown_kind.json()["errors"][0]["field"] == "kind"
    not_object = api.post("/api/v1/jobs", json={"kind": "aspects", "params": [1, 2]}, headers=bearer(admin))
    assert not_object.status_code == 422 and not_object.json()["errors"][0]["field"] == "params"
    broken = api.post(
        "/api/v1/jobs", content=b'{"kind": ', headers={**bearer(admin), "content-type": "application/json"}
    )
    assert broken.status_code == 422
    assert api.get("/api/v1/jobs", headers=bearer(read)).json()["items"] == []  # nothing was queued
    assert api.get(f"/api/v1/jobs/{UNKNOWN}", headers=bearer(read)).status_code == 404
    assert api.get("/api/v1/jobs/..%2F..%2Fetc", headers=bearer(read)).status_code in (404, 422)
    assert api.get("/api/v1/jobs/not-a-uuid", headers=bearer(read)).status_code == 422
    assert api.get(f"/api/v1/jobs/{UNKNOWN}/events", headers=bearer(read)).status_code == 404
    assert api.post(f"/api/v1/jobs/{UNKNOWN}/cancel", headers=bearer(admin)).status_code == 404
    assert api.get("/api/v1/jobs?status=sleeping", headers=bearer(read)).status_code == 422
    bad_cursor = api.get("/api/v1/jobs?cursor=%21%21", headers=bearer(read))
    assert bad_cursor.status_code == 422 and "cursor" in bad_cursor.json()["detail"]


def test_kinds_lists_every_kind_with_its_params_schema(api: Any, keys: dict[str, str]) -> None:
    body = api.get("/api/v1/jobs/kinds", headers=bearer(keys["read"])).json()
    kinds = {k["kind"]: k for k in body["kinds"]}
    assert set(kinds) == {
        "aspects",
        "lm_train",
        "sentiment_score",
        "sentiment_train",
        "service_index",
        "wom_seeds",
        "wom_simulate",
    }
    assert kinds["sentiment_score"]["resumable"] is True and kinds["wom_simulate"]["resumable"] is False
    assert "batch_size" in kinds["sentiment_score"]["params"]["properties"]


def test_queued_jobs_cancel_and_list_in_pages(review_store: Any, keys: dict[str, str]) -> None:
    admin, read = keys["admin"], keys["read"]
    with make_client(review_store, job_workers=0) as api:  # no worker: jobs stay queued
        ids = [
            api.post("/api/v1/jobs", json={"kind": "aspects", "params": {}}, headers=bearer(admin)).json()[
                "id"
            ]
            for _ in range(5)
        ]
        seen: list[str] = []
        cursor = None
        while True:
            query = "/api/v1/jobs?limit=2" + (f"&cursor={cursor}" if cursor else "")
            page = api.get(query, headers=bearer(read)).json()
            seen += [j["id"] for j in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == ids[::-1]  # newest first, each once
        assert api.post(f"/api/v1/jobs/{ids[0]}/cancel", headers=bearer(read)).status_code == 403
        cancelled = api.post(f"/api/v1/jobs/{ids[0]}/cancel", headers=bearer(admin))
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
        again = api.post(f"/api/v1/jobs/{ids[0]}/cancel", headers=bearer(admin))
        assert again.status_code == 409 and "already cancelled" in again.json()["detail"]
        listed = api.get("/api/v1/jobs?status=cancelled", headers=bearer(read)).json()["items"]
        assert [j["id"] for j in listed] == [ids[0]]
        assert (
            len(api.get("/api/v1/jobs?kind=aspects&status=queued", headers=bearer(read)).json()["items"]) == 4
        )
