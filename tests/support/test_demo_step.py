"""The customer-service demo step on the bundled corpus, quick mode: answers with citations and one escalation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


@pytest.mark.slow
def test_demo_service_step_quick(tmp_path: Path) -> None:
    from koubei.pipelines.demo import run_demo
    from koubei.store import Store

    with Store.open() as store:
        summary = run_demo(store, tmp_path / "demo", quick=True, only=["corpus", "support"])
    assert summary.failed == []
    step = summary.to_dict()["steps"]["support"]
    json.dumps(step)  # JSON-able
    assert step["index"]["docs"] > 500 and step["index"]["dense"] == "lsa"
    answered = [a for a in step["answers"] if not a["refused"]]
    assert answered and all(a["citations"] and a["citations"][0]["kind"] == "review" for a in answered)
    assert step["escalation"]["reason"] == "complaint" and step["escalation"]["suggested_reply"]
    import io

    from rich.console import Console

    from koubei.cli.demo_views.support import render
    from koubei.pipelines.demo_steps.support import SupportStep

    result = summary.steps["support"]
    assert isinstance(result, SupportStep)
    out = io.StringIO()
    render(result, Console(file=out, width=200))
    shown = out.getvalue()
    assert (
        f"Index: {step['index']['docs']:,} evidence pieces" in shown
        and "escalated (complaint, priority high)" in shown
    )
    assert all(f"Q: {a['question']}" in shown for a in step["answers"])
