"""The one progress protocol: the null, recording and console implementations."""

from __future__ import annotations

import io

from koubei.progress import NULL_PROGRESS, ConsoleProgress, Progress, RecordingProgress, or_null


def test_every_implementation_satisfies_the_protocol() -> None:
    for impl in (NULL_PROGRESS, RecordingProgress(), ConsoleProgress(stream=io.StringIO())):
        assert isinstance(impl, Progress)
    assert or_null(None) is NULL_PROGRESS
    recorder = RecordingProgress()
    assert or_null(recorder) is recorder


def test_recording_progress_keeps_phases_counts_and_notes() -> None:
    progress = RecordingProgress(keep_notes=2)
    progress.start(10, unit="reviews", desc="score")
    progress.advance(3)
    progress.advance(4)
    assert progress.snapshot()["done"] == 7 and progress.snapshot()["fraction"] == 0.7
    progress.start(None, unit="steps", desc="train")  # next phase starts from zero
    progress.advance()
    for text in ("a", "b", "c"):
        progress.note(text)
    snap = progress.snapshot()
    assert (snap["desc"], snap["done"], snap["total"], snap["fraction"], snap["phases"]) == (
        "train",
        1,
        None,
        None,
        2,
    )
    assert progress.notes == ["b", "c"] and snap["note"] == "c"


def test_console_progress_off_a_terminal_writes_a_line_every_few_seconds_not_bar_frames() -> None:
    stream = io.StringIO()  # not a terminal
    progress = ConsoleProgress(stream=stream, every=3600)
    progress.start(1000, unit="rows", desc="ingest")
    for _ in range(1000):
        progress.advance()
    progress.close()  # the phase's end always gets one line
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("ingest: 1,000/1,000 rows (100%)")
    assert "\r" not in stream.getvalue()


def test_console_progress_writes_again_once_the_interval_passed() -> None:
    stream = io.StringIO()
    progress = ConsoleProgress(stream=stream, every=0.0)
    progress.start(None, unit="steps")
    progress.advance(2)
    progress.note("loss 3.1")
    assert stream.getvalue().splitlines() == ["2 steps in 0s", "2 steps in 0s  loss 3.1"]
    progress.close()  # nothing new since the last line: the phase end does not repeat it
    assert len(stream.getvalue().splitlines()) == 2


def test_disabled_console_progress_writes_nothing() -> None:
    stream = io.StringIO()
    progress = ConsoleProgress(stream=stream, every=0.0, enabled=False)
    progress.start(5)
    progress.advance(5)
    progress.note("x")
    progress.close()
    assert stream.getvalue() == ""


def test_the_cli_progress_writes_its_last_line_when_the_command_ends() -> None:
    import typer
    from typer.testing import CliRunner

    from koubei.cli.common import console_progress

    app = typer.Typer()

    @app.command()
    def work(fail: bool = False) -> None:
        progress = console_progress()
        progress.start(3, unit="rows", desc="load")
        progress.advance(3)  # well inside the reporting interval: no line yet
        if fail:
            raise RuntimeError("boom")

    for args in ([], ["--fail"]):
        result = CliRunner().invoke(app, args)
        assert "load: 3/3 rows (100%)" in result.stderr
