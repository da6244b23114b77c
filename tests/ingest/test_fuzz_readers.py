"""Fuzzing the ingest readers with hostile rows and files (nesting, surrogates, NaN, long fields, NUL and other
control characters, odd types), on SQLite and PostgreSQL side by side.

For every generated file: the only exception is `BadInputError` (for the file as a whole); otherwise every row is
either stored or quarantined with a reason, the counts add up, the quarantine file is strict UTF-8 JSON, and both
stores end with the same summary, the same reasons and the same stored values. This is the test that would have
caught the class of bugs behind "one bad row still stops the batch". Bounded: a fixed number of examples, each
with a deadline.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from koubei.errors import BadInputError
from koubei.pipelines.ingest import ingest_file
from koubei.store import Store
from koubei.store.models import Review
from tests.conftest import _fresh_postgres_schema, _postgres_reachable

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

# Characters that broke ingest or the stores before, mixed with ordinary text.
HOSTILE = [
    "\x00",
    "\x01",
    "\x1f",
    "\x7f",
    "\x85",
    "\u2028",
    "\u2029",
    "\u202e",
    "\u2066",
    "\u200b",
    "\u200d",
    "\ufeff",
    "\ud800",
    "\udfff",
    "\udcff",
    "\r",
    "\n",
    "\t",
    '"',
    ",",
    "\\",
    "{",
    "[",
]
ORDINARY = list("好评质量不错物流快abcXYZ 0123456789😀👨")
chars = st.sampled_from(HOSTILE + ORDINARY * 2)
short_text = st.text(chars, max_size=12)
long_text = st.text(chars, min_size=60, max_size=200)
any_text = st.one_of(short_text, short_text, long_text)
numbers = st.one_of(
    st.integers(-(2**40), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e20, -1e20, 1e11, 1714600000, 0.5, 3]),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, any_text)


def _nest(depth: int) -> Any:
    value: Any = "x"
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


nested = st.one_of(
    st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(short_text, inner, max_size=3),
        max_leaves=8,
    ),
    st.integers(90, 1200).map(_nest),
)
cell = st.one_of(scalars, scalars, nested)
rows = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            "review_id": st.one_of(short_text, long_text, st.integers(0, 50)),
            "product_id": short_text,
            "text": any_text,
            "rating": st.one_of(scalars, st.sampled_from(["5", "4星", "seven", "nan"])),
            "label": st.one_of(scalars, st.sampled_from(["1", "0", "positive", "差评"])),
            "created_at": st.one_of(
                numbers, st.sampled_from(["2024-05-01", "not-a-date", "1e20", "2024-13-45"])
            ),
            "category": any_text,
            "source": any_text,
            "shop": cell,
            "tags": cell,
        },
    ),
    min_size=1,
    max_size=8,
)
formats = st.sampled_from(["jsonl", "json", "csv", "parquet"])


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _write(path: Path, fmt: str, data: list[dict[str, Any]]) -> None:
    """Write `data` as a file of `fmt`, keeping the hostile parts: NaN as JSON NaN, surrogates as \\u escapes in
    JSON and as the invalid bytes they stand for in CSV."""
    if fmt == "jsonl":
        path.write_text("\n".join(json.dumps(row) for row in data) + "\n", encoding="ascii")
    elif fmt == "json":
        path.write_text(json.dumps(data), encoding="ascii")
    elif fmt == "csv":
        header = sorted({key for row in data for key in row} | {"text"})
        out = io.StringIO(newline="")
        writer = csv.writer(out)
        writer.writerow(header)
        for row in data:
            writer.writerow(["" if row.get(k) is None else _text(row[k]) for k in header])
        path.write_bytes(out.getvalue().encode("utf-8", "surrogatepass"))
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        columns = sorted({key for row in data for key in row} | {"text"})
        table = {}
        for name in columns:
            values = [row.get(name) for row in data]
            if all(isinstance(v, float) for v in values if v is not None):
                table[name] = pa.array(values, pa.float64())
            else:  # strings (bytes where they cannot be UTF-8: Parquet has binary columns)
                texts = [None if v is None else _text(v) for v in values]
                if any(t is not None and not t.isascii() and not _utf8(t) for t in texts):
                    table[name] = pa.array(
                        [None if t is None else t.encode("utf-8", "surrogatepass") for t in texts],
                        pa.binary(),
                    )
                else:
                    table[name] = pa.array(texts, pa.string())
        pq.write_table(pa.table(table), path)


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _outcome(url: str, path: Path, quarantine: Path) -> dict[str, Any]:
    """What ingesting `path` into the store at `url` did: refused, or counts + reasons + stored values."""
    quarantine.unlink(missing_ok=True)
    with Store.open(url) as store:
        try:
            summary = ingest_file(store, path, "reviews", quarantine=quarantine)
        except BadInputError as error:
            message = str(error)
            assert "\n" not in message
            return {"refused": message.replace(str(path), "FILE")}
        rejects: list[dict[str, Any]] = []
        if quarantine.exists():
            text = quarantine.read_bytes().decode("utf-8")  # strict UTF-8 ...
            rejects = [
                json.loads(line, parse_constant=_no_constant) for line in text.splitlines()
            ]  # ... and JSON
        numbers = [r["row"] for r in rejects]
        assert len(numbers) == len(set(numbers)) == summary.rejected
        assert all(r["reasons"] for r in rejects)
        assert summary.read == summary.stored + summary.updated + summary.unchanged + summary.rejected
        with store.session() as session:
            stored = {
                r.review_id: (
                    r.text,
                    r.masked_text,
                    r.rating,
                    r.label,
                    r.created_at,
                    r.category,
                    r.source,
                    r.extra,
                    r.product_id,
                    r.lang,
                    r.pii_found,
                )
                for r in session.scalars(select(Review))
            }
    return {
        "counts": (summary.read, summary.stored, summary.updated, summary.unchanged, summary.rejected),
        "rejects": sorted((r["row"], tuple(r["reasons"])) for r in rejects),
        "stored": stored,
    }


def _no_constant(name: str) -> Any:
    raise AssertionError(f"quarantine file holds {name}: not strict JSON")


@pytest.fixture
def two_stores(tmp_path: Path) -> Iterator[tuple[str, str]]:
    problem = _postgres_reachable()
    if problem:
        pytest.skip(problem)
    postgres = _fresh_postgres_schema()
    url = next(postgres)
    try:
        yield f"sqlite:///{tmp_path / 'fuzz.db'}", url
    finally:
        postgres.close()


_counter = itertools.count()


# A fixed, repeatable run in the suite; KOUBEI_FUZZ_EXAMPLES=2000 explores further with fresh random cases.
_EXPLORE = int(os.environ.get("KOUBEI_FUZZ_EXAMPLES", "0"))


@settings(
    max_examples=_EXPLORE or 120,
    deadline=timedelta(seconds=10),
    database=None,
    derandomize=not _EXPLORE,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(data=rows, fmt=formats)
def test_every_row_is_stored_or_quarantined_alike_on_both_stores(
    two_stores: tuple[str, str], tmp_path: Path, data: list[dict[str, Any]], fmt: str
) -> None:
    sqlite_url, postgres_url = two_stores
    n = next(_counter)
    path = tmp_path / f"case{n}.{fmt}"
    _write(path, fmt, data)
    on_sqlite = _outcome(sqlite_url, path, tmp_path / f"q{n}-sqlite.jsonl")
    on_postgres = _outcome(postgres_url, path, tmp_path / f"q{n}-postgres.jsonl")
    if "refused" not in on_sqlite:
        assert on_sqlite["counts"][0] == len(data) or fmt == "csv"  # CSV skips rows that are blank lines
    assert on_sqlite == on_postgres, f"{fmt} file {data!r}"


def test_the_fuzz_strategies_produce_the_hostile_cases() -> None:
    """Guard against the strategies silently losing their teeth (e.g. a refactor dropping NaN or nesting)."""
    assert {"\x00", "\ud800", "\u202e", "\u2028"} <= set(HOSTILE)
    assert math.isnan(float("nan"))  # floats(allow_nan=True) is in `numbers`
    deep = _nest(1200)
    depth = 0
    while isinstance(deep, dict | list):
        deep = deep["k"] if isinstance(deep, dict) else deep[0]
        depth += 1
    assert depth == 1200
