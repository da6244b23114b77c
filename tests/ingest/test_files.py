"""Files that are odd as a whole: refused in one line (exit 2, store unchanged) or read the way their author meant."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

from koubei.text import normalize_text


def _seed(ingest, db_url: str, tmp_path: Path) -> None:
    good = tmp_path / "seed.jsonl"
    good.write_text('{"review_id":"seed","text":"先放一条好评"}\n', encoding="utf-8")
    assert ingest("reviews", good, db_url).exit_code == 0


def _refused(out, message: str) -> None:
    assert out.exit_code == 2, out.stdout + out.stderr
    assert message in out.stderr, out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr
    assert set(out.stored) == {"seed"}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_fifo_is_refused_at_once_instead_of_hanging(ingest, db_url: str, tmp_path: Path) -> None:
    _seed(ingest, db_url, tmp_path)
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    outcome: list = []
    worker = threading.Thread(target=lambda: outcome.append(ingest("reviews", fifo, db_url)), daemon=True)
    worker.start()
    worker.join(timeout=30)
    if worker.is_alive():  # unblock the reader so the test run can end, then fail
        with open(fifo, "w") as writer:
            writer.write("text\nx\n")
        pytest.fail("ingest of a FIFO hangs")
    _refused(outcome[0], "is not a regular file")


def test_quarantine_option_naming_a_folder_writes_a_file_inside_it(cli, db_url: str, tmp_path: Path) -> None:
    source = tmp_path / "r.csv"
    source.write_text("review_id,text,rating\nr1,好,5\nr2,差,seven\n", encoding="utf-8")
    folder = tmp_path / "rejects"
    folder.mkdir()
    outs = [
        cli("ingest", "reviews", source, "--db", db_url, "--quarantine", folder, "--json") for _ in range(2)
    ]
    assert [o.exit_code for o in outs] == [0, 0], outs[0].output
    files = sorted(folder.iterdir())
    assert len(files) == 2  # two runs in the same second: two files, neither overwrites the other
    assert sorted(json.loads(o.stdout)["quarantine_file"] for o in outs) == [str(f) for f in files]
    assert all(json.loads(f.read_text(encoding="utf-8"))["row"] == 2 for f in files)


def test_quarantine_file_that_cannot_be_written_stores_nothing(
    ingest, cli, db_url: str, tmp_path: Path
) -> None:
    _seed(ingest, db_url, tmp_path)
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    source = tmp_path / "r.csv"
    source.write_text("review_id,text,rating\nr1,好,5\nr2,差,seven\n", encoding="utf-8")
    out = cli("ingest", "reviews", source, "--db", db_url, "--quarantine", blocker / "q.jsonl")
    assert out.exit_code == 2 and "cannot write the quarantine file" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    assert set(ingest("reviews", tmp_path / "seed.jsonl", db_url).stored) == {"seed"}


def test_quarantine_file_may_not_be_the_input(cli, tmp_path: Path) -> None:
    source = tmp_path / "r.csv"
    source.write_text("review_id,text,rating\nr1,好,5\nr2,差,seven\n", encoding="utf-8")
    out = cli("ingest", "reviews", source, "--quarantine", source)
    assert out.exit_code == 2 and "is the file being ingested" in out.stderr
    assert "seven" in source.read_text(encoding="utf-8")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_jsonl_with_a_utf16_or_utf32_byte_order_mark_is_decoded(
    ingest, db_url: str, tmp_path: Path, encoding: str
) -> None:
    import codecs

    lines = [
        json.dumps({"review_id": f"r{i}", "text": f"第{i}条，很好"}, ensure_ascii=False) for i in range(51)
    ]
    source = tmp_path / "r.jsonl"
    bom = codecs.BOM_UTF16_BE if encoding == "utf-16-be" else b""
    source.write_bytes(bom + "\n".join(lines).encode(encoding))
    out = ingest("reviews", source, db_url)
    assert out.exit_code == 0, out.stderr
    assert (out.summary["stored"], out.summary["rejected"]) == (51, 0)
    assert out.stored["r7"].text == "第7条，很好"


def test_utf16_without_byte_order_mark_is_refused_naming_the_encoding(
    ingest, db_url: str, tmp_path: Path
) -> None:
    _seed(ingest, db_url, tmp_path)
    source = tmp_path / "r.jsonl"
    source.write_bytes(
        '{"review_id":"r1","text":"good"}\n{"review_id":"r2","text":"fine"}\n'.encode("utf-16-le")
    )
    _refused(ingest("reviews", source, db_url), "pass --encoding utf-16-le")


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85", "\x0c", "\x1c"])
def test_a_raw_line_separator_inside_a_json_string_does_not_split_the_row(
    ingest, db_url: str, tmp_path: Path, separator: str
) -> None:
    source = tmp_path / "r.jsonl"
    source.write_text(
        f'{{"review_id":"r1","text":"第一行{separator}第二行"}}\r\n{{"review_id":"r2","text":"ok"}}\n',
        encoding="utf-8",
    )
    out = ingest("reviews", source, db_url)
    assert out.exit_code == 0, out.stderr
    # A raw control character (form feed, U+001C) is not allowed in a JSON string: that row is one reject.
    allowed = separator in "\u2028\u2029\x85"
    assert (out.summary["read"], out.summary["stored"]) == (2, 2 if allowed else 1)


@pytest.mark.parametrize(
    ("header", "name"),
    [("text,text", "'text'"), ("review_id,text,review_id", "'review_id'"), ("text,,", "(an empty name)")],
)
def test_duplicate_csv_headers_are_refused_naming_the_column(
    ingest, db_url: str, tmp_path: Path, header: str, name: str
) -> None:
    _seed(ingest, db_url, tmp_path)
    source = tmp_path / "r.csv"
    cells = ",".join(["x"] * len(header.split(",")))
    source.write_text(f"{header}\n{cells}\n", encoding="utf-8")
    _refused(ingest("reviews", source, db_url), f"names column {name} twice")


def test_zero_width_joiner_kept_inside_emoji_and_other_zero_width_junk_dropped() -> None:
    family, rainbow, fire, coder = "👨\u200d👩\u200d👧\u200d👦", "🏳️\u200d🌈", "❤️\u200d🔥", "👩🏽\u200d💻"
    assert normalize_text(f"一家人{family}都喜欢") == f"一家人{family}都喜欢"
    for emoji in (rainbow, fire, coder):
        assert normalize_text(emoji) == emoji
    assert normalize_text("很\u200d好\u200b用\u200c，\ufeff推\u200e荐\u200f") == "很好用，推荐"
    assert normalize_text("👨\u200d很好") == "👨很好" and normalize_text("好\u200d👩") == "好👩"


def test_emoji_families_survive_ingest(ingest, db_url: str, tmp_path: Path) -> None:
    source = tmp_path / "r.jsonl"
    source.write_text(
        '{"review_id":"r1","text":"全家👨\\u200d👩\\u200d👧\\u200d👦都爱用"}\n', encoding="utf-8"
    )
    out = ingest("reviews", source, db_url)
    assert out.stored["r1"].text == "全家👨\u200d👩\u200d👧\u200d👦都爱用"


SECRET = "张三的手机13812345678住在幸福路8号"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("broken.csv", f'text\n"{SECRET}\n', "broken CSV"),
        ("bad.json", f'[{{"text": "{SECRET}"}}, oops]', "not valid JSON"),
        ("bad.jsonl", f"{SECRET}\n{SECRET} again\n", "no line is valid JSON"),
        (
            "deep.json",
            '[{"text": "' + SECRET + '", "a": ' + "[" * 5000 + "]" * 5000 + "}]",
            "nested too deeply",
        ),
        ("twice.csv", f"text,text\n{SECRET},{SECRET}\n", "names column 'text' twice"),
        ("nocol.csv", f"review\n{SECRET}\n", "no column for required field"),
    ],
)
def test_refusals_never_echo_the_rows_text(
    cli, tmp_path: Path, name: str, content: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    out = cli("ingest", "reviews", path)
    assert out.exit_code == 2 and message in out.stderr
    assert "张三" not in out.output and "13812345678" not in out.output


def test_a_file_name_with_markup_characters_is_shown_as_is(cli, tmp_path: Path) -> None:
    path = tmp_path / "reviews[bold]x.csv"
    path.write_text("text,rating\n很好,5\n差,seven\n", encoding="utf-8")
    out = cli("ingest", "reviews", path, "--quarantine", tmp_path / "q[red].jsonl")
    assert out.exit_code == 0, out.output
    assert "reviews[bold]x.csv" in out.stdout and "q[red].jsonl" in out.stdout
