"""Reading CSV / TSV / JSON Lines / JSON / Parquet / plain edge-list files into raw rows.

A reader yields `RawRow(number, values, problem)`: `problem` is set when the row itself is broken (bad JSON, wrong
column count, invalid UTF-8 bytes) so the loader can quarantine it. Problems with the *file* (unknown format, wrong
encoding throughout, broken CSV quoting) raise `BadInputError`: nothing from such a file is stored.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from koubei.errors import BadInputError
from koubei.ingest.fields import MAX_JSON_DEPTH

FORMATS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".txt": "edges",
    ".edges": "edges",
    ".edgelist": "edges",
}
# A file in which more than this share of rows has undecodable bytes is in another encoding, not merely damaged.
_BAD_ENCODING_SHARE = 0.2
_SURROGATE = re.compile(r"[\udc80-\udcff]")
csv.field_size_limit(1 << 24)


@dataclass
class RawRow:
    number: int  # 1-based position among the file's data rows
    values: dict[str, Any]
    problem: str | None = None


@dataclass
class RawTable:
    columns: list[str]
    rows: list[RawRow] = field(default_factory=list)


def detect_format(path: Path, override: str | None = None) -> str:
    if override:
        if override not in set(FORMATS.values()):
            raise BadInputError(
                f"--format {override!r} is not supported; use one of {sorted(set(FORMATS.values()))}"
            )
        return override
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise BadInputError(
            f"cannot tell the format of {path.name!r} from its extension {suffix or '(none)'!r}; "
            f"use .csv, .tsv, .jsonl, .json, .parquet or .txt (edge list), or pass --format"
        )
    return FORMATS[suffix]


# Byte-order marks of the encodings a spreadsheet or Windows tool may save "Unicode text" in (UTF-32 first: its
# little-endian mark starts with UTF-16's).
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _decode(data: bytes, encoding: str, path: Path) -> str:
    if encoding.lower().replace("-", "").replace("_", "") in ("utf8", "utf8sig"):
        bom = next((name for mark, name in _BOMS if data.startswith(mark)), None)
        if bom:  # "Unicode text" from Excel / Notepad / PowerShell: read it as what its mark says
            try:
                return data.decode(bom)
            except UnicodeDecodeError as error:
                raise BadInputError(
                    f"{path.name}: starts with a {bom.upper()} byte-order mark but is not valid "
                    f"{bom.upper()} ({error.reason} at byte {error.start})"
                ) from None
        _refuse_wide_without_bom(data, path)
        return data.decode("utf-8-sig", errors="surrogateescape")
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as error:
        raise BadInputError(f"{path.name}: cannot decode the file as {encoding!r}: {error}") from None


def _refuse_wide_without_bom(data: bytes, path: Path) -> None:
    """UTF-16/32 text without a byte-order mark has a NUL byte beside nearly every ASCII character; UTF-8 has none."""
    sample = data[:4096]
    if len(sample) < 4 or sample.count(0) < len(sample) // 4:
        return
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    guess = "utf-16-be" if even > odd else "utf-16-le"
    raise BadInputError(
        f"{path.name} is not UTF-8 text: it looks like UTF-16 or UTF-32 without a byte-order mark; "
        f"pass --encoding {guess} (or the encoding it was saved in)"
    )


def _check_encoding(rows: list[RawRow], data: bytes, path: Path, encoding: str) -> None:
    bad = sum(1 for r in rows if r.problem and r.problem.startswith("invalid UTF-8"))
    if rows and bad / len(rows) > _BAD_ENCODING_SHARE:
        hint = ""
        try:
            data.decode("gb18030")
            hint = " It decodes as GB18030 (common for Chinese exports): pass --encoding gb18030."
        except UnicodeDecodeError:
            pass
        raise BadInputError(
            f"{path.name} is not UTF-8 text ({bad} of {len(rows)} rows have invalid bytes).{hint}"
        )


def _flag_bad_bytes(values: dict[str, Any]) -> str | None:
    for key, value in values.items():
        if isinstance(value, str) and _SURROGATE.search(value):
            return f"invalid UTF-8 bytes in column {key!r}"
    return None


def _raw_repr(values: dict[str, Any]) -> dict[str, Any]:
    """Undecodable bytes are kept in the quarantine file as \\xNN escapes, so nothing is lost."""
    return {_escape_bytes(k): _escape_bytes(v) for k, v in values.items()}


def _escape_bytes(value: Any) -> Any:
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    if isinstance(value, list):  # the cells beyond the header of a too-long CSV row
        return [_escape_bytes(v) for v in value]
    return value


_TOO_DEEP = f"more than {MAX_JSON_DEPTH} levels of nesting"


def _too_deep(values: dict[str, Any]) -> bool:
    """Whether any value of a row nests deeper than MAX_JSON_DEPTH (checked without recursion)."""
    stack: list[tuple[Any, int]] = [(v, 1) for v in values.values() if isinstance(v, dict | list)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return True
        children = value.values() if isinstance(value, dict) else value
        stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))
    return False


def _shallow(values: dict[str, Any]) -> dict[str, Any]:
    """A too-deep row for the quarantine file: its flat values as read, each too-deep value replaced by a note."""
    return {
        k: f"[{_TOO_DEEP}: not kept]" if isinstance(v, dict | list) and _too_deep({k: v}) else v
        for k, v in values.items()
    }


def _refuse_duplicate_columns(header: list[str], path: Path) -> None:
    """Two columns of one name: which one a field comes from would be a silent guess (the last one won)."""
    seen: dict[str, int] = {}
    for position, name in enumerate(header, start=1):
        if name in seen:
            shown = repr(_escape_bytes(name)) if name else "(an empty name)"
            raise BadInputError(
                f"{path.name}: the header names column {shown} twice (columns {seen[name]} and "
                f"{position}); rename one of them"
            )
        seen[name] = position


def _read_delimited(text: str, path: Path, delimiter: str) -> RawTable:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        first = next(reader, None)
        if first is None:
            return RawTable([])
        header = [h.strip() for h in first]
        _refuse_duplicate_columns(header, path)
        table = RawTable(header)
        for number, record in enumerate(reader, start=1):
            if not record or (len(record) == 1 and not record[0].strip()):
                continue  # blank line
            if len(record) != len(header):
                values: dict[str, Any] = dict(zip(header, record, strict=False))
                if len(record) > len(header):
                    values["_extra_cells"] = record[len(header) :]
                table.rows.append(
                    RawRow(number, _raw_repr(values), f"expected {len(header)} columns, found {len(record)}")
                )
                continue
            values = dict(zip(header, record, strict=True))
            problem = _flag_bad_bytes(values)
            table.rows.append(RawRow(number, _raw_repr(values) if problem else values, problem))
    except csv.Error as error:
        raise BadInputError(
            f"{path.name}: broken CSV near line {reader.line_num}: {error} (check for an unclosed quote)"
        ) from None
    return table


def _read_jsonl(text: str) -> RawTable:
    table = RawTable([])
    seen: dict[str, None] = {}
    number = 0
    # Lines end at \n (and \r\n) only: str.splitlines() would also cut at U+2028, U+2029, NEL and form feeds,
    # which JSON allows raw inside a string, splitting one valid row into two broken ones.
    for line in text.split("\n"):
        line = line.removesuffix("\r")
        if not line.strip():
            continue
        number += 1
        problem = None
        if _SURROGATE.search(line):
            table.rows.append(
                RawRow(number, {"_line": _raw_repr({"l": line})["l"]}, "invalid UTF-8 bytes in the line")
            )
            continue
        try:
            values = json.loads(line)
        except json.JSONDecodeError as error:
            table.rows.append(
                RawRow(number, {"_line": line}, f"not valid JSON: {error.msg} at column {error.colno}")
            )
            continue
        except RecursionError:
            table.rows.append(RawRow(number, {"_line": line}, f"the JSON object has {_TOO_DEEP}"))
            continue
        if not isinstance(values, dict):
            table.rows.append(RawRow(number, {"_line": line}, "expected a JSON object per line"))
            continue
        if _too_deep(values):
            table.rows.append(RawRow(number, {"_line": line}, f"the JSON object has {_TOO_DEEP}"))
            continue
        seen.update(dict.fromkeys(values))
        table.rows.append(RawRow(number, values, problem))
    table.columns = list(seen)
    return table


def _read_json(text: str, path: Path) -> RawTable:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise BadInputError(
            f"{path.name}: not valid JSON ({error.msg} at line {error.lineno}); for one object per "
            "line use the .jsonl extension"
        ) from None
    except RecursionError:
        raise BadInputError(
            f"{path.name}: the JSON document is nested too deeply to read (over "
            f"{MAX_JSON_DEPTH} levels is not a table of rows)"
        ) from None
    if isinstance(data, dict):
        data = next((v for v in data.values() if isinstance(v, list)), None)
    if not isinstance(data, list):
        raise BadInputError(f"{path.name}: expected a JSON array of objects")
    table = RawTable([])
    seen: dict[str, None] = {}
    for number, values in enumerate(data, start=1):
        if isinstance(values, dict):
            seen.update(dict.fromkeys(values))
            if _too_deep(values):
                table.rows.append(RawRow(number, _shallow(values), f"the JSON object has {_TOO_DEEP}"))
            else:
                table.rows.append(RawRow(number, values))
        else:
            table.rows.append(RawRow(number, _shallow({"_value": values}), "expected a JSON object"))
    table.columns = list(seen)
    return table


def _read_parquet(path: Path) -> RawTable:
    import pyarrow.parquet as pq

    try:
        data = pq.read_table(path)
    except Exception as error:  # pyarrow raises several unrelated types for a damaged file
        raise BadInputError(f"{path.name}: not a readable Parquet file ({error})") from None
    columns = data.column_names
    return RawTable(columns, [RawRow(i, row) for i, row in enumerate(data.to_pylist(), start=1)])


# Header names (lower-cased) an edge list may give its columns, and the canonical follows field each one means.
EDGE_COLUMN_NAMES: dict[str, str] = {
    **dict.fromkeys(
        ("src", "source", "from", "from_user", "u", "node1", "parent", "parent_uid", "id", "user"), "src"
    ),
    **dict.fromkeys(("dst", "target", "to", "to_user", "v", "node2", "child", "child_uid"), "dst"),
    **dict.fromkeys(("weight", "p", "prob", "probability", "w"), "weight"),
}
_EDGE_SPLIT = re.compile(r"[\s,;]+")


@dataclass
class EdgeTable(RawTable):
    header: list[str] | None = (
        None  # the file's own header line (lower-cased); None for a plain `u v [weight]` list
    )


def parse_edge_text(text: str) -> EdgeTable:
    """The one edge-list parser: `koubei ingest follows FILE` and `koubei wom ... --graph FILE` both read with it.

    One edge per line, `u v` or `u v weight`, fields separated by whitespace, commas or semicolons; blank lines and
    lines starting with `#` or `%` are skipped. The first line may be a header naming the columns (src/dst,
    source/target, from_user/to_user, u/v, parent/child, weight/p ...: see EDGE_COLUMN_NAMES); its names become the
    canonical src/dst/weight, and every later line must then have as many fields as the header. A line that breaks
    these rules is a bad row (quarantined by ingest), not the end of the file.
    """
    table = EdgeTable(["src", "dst", "weight"])
    number = 0
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", "%")):
            continue
        parts = [p for p in _EDGE_SPLIT.split(line) if p]
        if not parts:
            continue  # separators only
        if table.header is None and number == 0 and parts[0].lower() in EDGE_COLUMN_NAMES:
            table.header = [p.lower() for p in parts]
            names = [EDGE_COLUMN_NAMES.get(h, h) for h in table.header]
            if "dst" not in names and len(names) > 1 and names[1] not in ("src", "weight"):
                names[1] = "dst"  # `user friend`: an unnamed second column is the other end of the arc
            table.columns = names
            continue
        number += 1
        if table.header is not None and len(parts) != len(table.columns):
            table.rows.append(
                RawRow(
                    number,
                    {"_line": line},
                    f"expected {len(table.columns)} fields like the header "
                    f"({' '.join(table.header)}), found {len(parts)}",
                )
            )
            continue
        if table.header is None and len(parts) not in (2, 3):
            table.rows.append(
                RawRow(number, {"_line": line}, f"expected 2 or 3 fields (u v [weight]), found {len(parts)}")
            )
            continue
        values: dict[str, Any] = dict(zip(table.columns, parts, strict=False))
        problem = _flag_bad_bytes(values)
        table.rows.append(RawRow(number, _raw_repr(values) if problem else values, problem))
    return table


def read_table(path: Path, fmt: str | None = None, encoding: str = "utf-8") -> RawTable:
    """Read a whole file into raw rows (see module docstring for what raises and what is flagged per row)."""
    if not path.exists():
        raise BadInputError(f"file {str(path)!r} does not exist")
    if path.is_dir():
        raise BadInputError(f"{str(path)!r} is a folder; expected a file")
    if not path.is_file():  # reading a FIFO would wait forever for a writer; a device never ends
        raise BadInputError(
            f"{str(path)!r} is not a regular file (a named pipe, socket or device); save the data to "
            "a file and ingest that"
        )
    kind = detect_format(path, fmt)
    if kind == "parquet":
        return _read_parquet(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise BadInputError(f"cannot read {str(path)!r}: {error.strerror or error}") from None
    text = _decode(data, encoding, path)
    if kind == "csv" or kind == "tsv":
        table = _read_delimited(text, path, "\t" if kind == "tsv" else ",")
    elif kind == "jsonl":
        table = _read_jsonl(text)
        if table.rows and all(r.problem and r.problem.startswith("not valid JSON") for r in table.rows):
            raise BadInputError(f"{path.name}: no line is valid JSON; is this really a JSON Lines file?")
    elif kind == "json":
        table = _read_json(text, path)
    else:
        table = parse_edge_text(text)
    _check_encoding(table.rows, data, path, encoding)
    return table
