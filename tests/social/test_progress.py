"""Word-of-mouth work reports to the Progress protocol handed down from the edge (no more `progress: bool`)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from koubei.progress import RecordingProgress
from koubei.social.baselines import celf_seeds
from koubei.social.diffusion import spread_samples
from koubei.social.graph import SocialGraph
from koubei.social.imm import IMMConfig, imm
from koubei.social.probabilities import ic_probabilities


class Phases(RecordingProgress):
    def __init__(self) -> None:
        super().__init__()
        self.phases: list[tuple[str, int | None, str]] = []
        self.done: list[int] = []

    def start(self, total: int | None, unit: str = "items", desc: str = "") -> None:
        if self.phases:
            self.done.append(self.state.done)
        super().start(total, unit, desc)
        self.phases.append((desc, total, unit))

    def close(self) -> None:
        self.done.append(self.state.done)
        super().close()


def test_simulations_rr_sets_and_celf_report(tiny_graph: SocialGraph) -> None:
    probs = ic_probabilities(tiny_graph, "wc")
    progress = Phases()
    spread_samples(tiny_graph, [0], probs, runs=2_500, progress=progress)
    progress.close()
    assert progress.phases == [("IC simulations", 2_500, "runs")] and progress.done == [2_500]

    progress = Phases()
    chosen = imm(tiny_graph, probs, IMMConfig(k=1, seed=0), progress=progress)
    progress.close()
    assert progress.phases == [("IMM: drawing RR sets", None, "sets")]  # one line, not one per sampling round
    assert progress.done == [
        chosen.details["sampling_rr_sets"] + chosen.details["rr_sets"]
    ]  # both phases' sets

    progress = Phases()
    celf_seeds(tiny_graph, probs, 2, trials=20, progress=progress)
    progress.close()
    assert [p[0] for p in progress.phases] == ["CELF first pass", "CELF picks"]
    assert progress.done == [tiny_graph.n, 2]


def test_cli_draws_progress_on_stderr_and_keeps_json_clean(tmp_path: Path) -> None:
    import json

    from koubei.cli.main import app

    graph = tmp_path / "g.txt"
    graph.write_text("1 2\n2 3\n3 4\n")
    human = CliRunner().invoke(
        app, ["wom", "simulate", "--graph", str(graph), "--seeds", "1", "--runs", "300"]
    )
    assert human.exit_code == 0 and "IC simulations: 300/300 runs" in human.output
    machine = CliRunner().invoke(
        app, ["wom", "simulate", "--graph", str(graph), "--seeds", "1", "--runs", "300", "--json"]
    )
    assert json.loads(machine.output)["runs"] == 300
