"""Schemathesis over the whole OpenAPI schema (/openapi.json) with an admin key: no operation answers 5xx.

Every operation the app documents gets bounded examples that fit the schema (positive) and that break it
(negative: wrong types, missing fields, out-of-range values), sent through the ASGI app with a real store of the
api_store data. Any 5xx is a failure, listed with the operation and the request that caused it. Keys are never
revoked here (that would turn the rest of the run into 401s); jobs are queued but not run (no worker).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import api_settings, bearer
from tests.api.service_index import built_index, install_index  # noqa: F401  (built_index: a fixture)

# Examples per operation and mode, bounded so the suite stays short; a path prefix to fuzz part of the API.
EXAMPLES = int(os.environ.get("KOUBEI_FUZZ_EXAMPLES", "10"))
ONLY = os.environ.get("KOUBEI_FUZZ_PATHS", "")
SKIPPED = {("DELETE", "/api/v1/keys/{key_id}")}  # would revoke the admin key the run authenticates with


@pytest.mark.slow
def test_no_operation_answers_5xx(
    api_store: Any,
    admin_key: str,
    isolated_home: Path,
    built_index: Path,  # noqa: F811
) -> None:
    import schemathesis
    from schemathesis import GenerationMode

    from koubei.api.app import create_app

    install_index(built_index, isolated_home)  # ask answers at once instead of building it first
    app = create_app(api_settings(job_workers=0), store=api_store)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers = bearer(admin_key)
    failures: list[str] = []
    calls = {"count": 0}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20  # the whole API, not a slice (health, keys, jobs, wom, ask, copy, ...)
    fuzzed = 0

    for operation in operations:
        if (operation.method.upper(), operation.path) in SKIPPED or not operation.path.startswith(ONLY):
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            fuzz(operation, mode, headers, failures, calls)
        fuzzed += 1
    assert fuzzed and calls["count"] > fuzzed
    assert not failures, "\n".join(failures[:20])


def fuzz(
    operation: Any, mode: Any, headers: dict[str, str], failures: list[str], calls: dict[str, int]
) -> None:
    """Send EXAMPLES generated requests of one operation; note every 5xx."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis.errors import Unsatisfiable
    from schemathesis import GenerationMode

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        response = case.call(headers=headers, timeout=600)  # the first score trains the default model
        calls["count"] += 1
        if response.status_code >= 500:
            failures.append(
                f"{operation.method.upper()} {operation.path} ({mode}): {response.status_code} for "
                f"path={case.path_parameters} query={case.query} body={str(case.body)[:300]!r}: "
                f"{response.text[:300]}"
            )

    try:
        run()
    except Unsatisfiable:
        if mode != GenerationMode.NEGATIVE:
            raise  # an operation with no parameters has no invalid request to send; a valid one always exists
