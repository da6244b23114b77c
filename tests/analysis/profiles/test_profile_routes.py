"""The profile routes through TestClient: build, segments, pseudonymous export, one profile, erasure; scopes and
bad input as problem bodies."""

from __future__ import annotations

from pathlib import Path

from tests.analysis.profiles.conftest import ingest_all
from tests.api.conftest import bearer, make_client


def test_profile_routes(store_files: dict[str, Path], tmp_path: Path) -> None:
    from koubei.pipelines.keys import create_api_key
    from koubei.store import Store

    store = Store.open(f"sqlite:///{tmp_path / 'api.db'}")
    ingest_all(store, store_files)
    admin = bearer(create_api_key(store, "a", "admin").key)
    read = bearer(create_api_key(store, "r", "read").key)
    with make_client(store) as client:
        assert client.post("/api/v1/profiles/build", headers=read).status_code == 403
        built = client.post("/api/v1/profiles/build", headers=admin, json={"refit": False})
        assert built.status_code == 200 and built.json()["recomputed"] == 12
        assert client.get("/api/v1/profiles/segments", headers=read).json() == {
            "segmentation": None,
            "segments": [],
        }
        bad = client.post("/api/v1/profiles/segments", headers=admin, json={"k_min": 5, "k_max": 3})
        assert bad.status_code == 422 and "k_max" in bad.json()["detail"]
        made = client.post("/api/v1/profiles/segments", headers=admin, json={"k_max": 4})
        assert made.status_code == 200
        listed = client.get("/api/v1/profiles/segments", headers=read).json()
        assert [s["name_en"] for s in listed["segments"]] == [s["name_en"] for s in made.json()["segments"]]
        assert sum(s["size"] for s in listed["segments"]) == 12 and "fairness" in listed["segments"][0]
        page = client.get("/api/v1/profiles/export?limit=5", headers=read).json()
        assert page["total"] == 12 and len(page["items"]) == 5 and page["pseudonymous"]
        assert all(i["user_id"].startswith("u_") for i in page["items"])
        assert client.get("/api/v1/profiles/u0", headers=read).status_code == 403  # real ids: admin only
        one = client.get("/api/v1/profiles/u0", headers=admin)
        assert one.status_code == 200 and one.json()["features"]["orders"] == 4
        assert client.get("/api/v1/profiles/nobody", headers=admin).status_code == 404
        assert client.delete("/api/v1/users/u0", headers=read).status_code == 403
        gone = client.delete("/api/v1/users/u0", headers=admin)
        assert gone.status_code == 200 and gone.json()["store_rows"]["reviews"] == 1
        again = client.delete("/api/v1/users/u0", headers=admin)
        assert again.status_code == 404 and "nothing to forget" in again.json()["detail"]
        assert client.get("/api/v1/profiles/segments").status_code == 401
    store.close()
