"""A Chinese + English sentence splitter with character offsets, written by hand.

Why by hand: the usual splitters (nltk punkt, pysbd, spaCy's sentencizer) are built for Western punctuation and
return a single "sentence" for unpunctuated Chinese review text ("质量很好但是物流太慢而且客服态度也不好"), while
the guard, the grounding check and the summariser need claim-sized pieces with exact offsets into the text.

Rules, in order:
- hard ends: 。！？!?；; (runs of them count once), an ellipsis (……, …, ...) when what follows starts a new
  sentence (a capital, a digit, a Chinese character, nothing), a line break; closing quotes and brackets after an end belong to the sentence they close;
- '.' ends a sentence only before whitespace / CJK / end, not inside a number (3.5寸, v2.0), not after an
  abbreviation (Mr. Dr. e.g. i.e. vs. etc. + lowercase) and not in "No. 5" / "Fig. 2" before a number;
- a piece longer than `max_chars` is cut further: first at commas (，,、) and at spaces between Chinese characters,
  then before cue words (但是, 不过, 而且, 然后, but, however...), each time as late as the length allows.
"""

from __future__ import annotations

import re
from typing import NamedTuple


class Span(NamedTuple):
    """One sentence (or clause): offsets into the original text, `text == original[start:end]`."""

    start: int
    end: int
    text: str


_ENDS = set("。！？!?；;")
_CLOSERS = set("\"'”’）)】」』》]〕〉")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Abbreviations after which '.' never ends a sentence (lowercase, without the final dot).
_ABBREV = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "prof",
    "sr",
    "jr",
    "st",
    "vs",
    "e.g",
    "i.e",
    "cf",
    "approx",
    "dept",
    "est",
    "inc",
    "ltd",
    "co",
    "corp",
    "mt",
    "ft",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
}
# Abbreviations that do not end a sentence when a number follows ("No. 5", "Fig. 2", "p. 12").
_BEFORE_NUMBER = {"no", "nos", "fig", "figs", "p", "pp", "vol", "art", "sec", "ch", "tel", "op"}
# Abbreviations that end a sentence unless a lowercase word follows ("... etc. and more" vs "... etc. Then").
_SOFT_ABBREV = {"etc", "al"}
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")
_SOFT_CUT = re.compile(r"[，,、]+|(?<=[\u4e00-\u9fff])[ \u3000]+(?=[\u4e00-\u9fff])")
_CUE = re.compile(
    r"但是|不过|可是|然而|而且|并且|然后|所以|因为|另外|同时|此外|总之|总的来说|总体来说|"
    r"(?<=\s)(?:but|however|although|though|because|and then|so that|besides)\b",
    re.IGNORECASE,
)
DEFAULT_MAX_CHARS = 60


def _period_ends(text: str, i: int) -> bool:
    """Does the '.' at `i` end a sentence?"""
    n = len(text)
    nxt = text[i + 1] if i + 1 < n else ""
    if nxt and not (nxt.isspace() or _CJK.match(nxt) or nxt in _CLOSERS):
        return False  # a letter or digit right after: 3.5寸, v2.0, file.txt, "e.g" inside
    word = _WORD_BEFORE.search(text[max(0, i - 12) : i])
    rest = text[i + 1 :].lstrip()
    following = rest[:1]
    if word:
        token = word.group(1).lower()
        if token in _ABBREV:
            return False
        if token in _BEFORE_NUMBER and following.isdigit():
            return False
        if token in _SOFT_ABBREV and following.islower():
            return False
        if len(token) == 1 and token.isalpha() and following[:1].isupper() and word.group(1).isupper():
            return False  # an initial: "J. Smith"
    return True


def _ellipsis_end(text: str, i: int) -> int:
    """If an ellipsis starts at `i`, return where it ends, else -1."""
    if text.startswith("...", i):
        j = i
        while j < len(text) and text[j] == ".":
            j += 1
        return j
    if text[i] == "…":
        j = i
        while j < len(text) and text[j] == "…":
            j += 1
        return j
    return -1


def _hard_pieces(text: str) -> list[tuple[int, int]]:
    """Cut at hard sentence ends; each piece keeps its end punctuation and any closing quote after it."""
    pieces: list[tuple[int, int]] = []
    n = len(text)
    start = 0
    i = 0
    while i < n:
        ch = text[i]
        cut = -1
        if ch == "\n" or ch == "\r":
            pieces.append((start, i))
            start = i + 1
            i += 1
            continue
        ell = _ellipsis_end(text, i)
        if ell > 0:
            nxt = text[ell:].lstrip()[:1]
            # An ellipsis ends a sentence when a new one (capital, digit, Chinese) or nothing follows.
            if not nxt or nxt.isupper() or nxt.isdigit() or _CJK.match(nxt) or nxt in _ENDS:
                cut = ell
            else:
                i = ell
                continue
        elif ch in _ENDS or (ch == "." and _period_ends(text, i)):
            cut = i + 1
        if cut < 0:
            i += 1
            continue
        while cut < n and (text[cut] in _ENDS or text[cut] in _CLOSERS or text[cut] == "…"):
            cut += 1
        pieces.append((start, cut))
        start = i = cut
    pieces.append((start, n))
    return pieces


def _greedy(start: int, end: int, cuts: list[int], max_chars: int) -> list[tuple[int, int]]:
    """Cut [start, end) at the latest allowed cut that keeps each part within `max_chars` (else the next one)."""
    out = []
    pos = start
    inner = [c for c in cuts if start < c < end]
    while end - pos > max_chars:
        within = [c for c in inner if pos < c <= pos + max_chars]
        beyond = [c for c in inner if c > pos + max_chars]
        cut = within[-1] if within else beyond[0] if beyond else -1
        if cut < 0:
            break
        out.append((pos, cut))
        pos = cut
    out.append((pos, end))
    return out


def _split_long(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    piece = text[start:end]
    soft = [start + m.end() for m in _SOFT_CUT.finditer(piece)]
    out: list[tuple[int, int]] = []
    for a, b in _greedy(start, end, soft, max_chars):
        if b - a > max_chars:
            cues = [a + m.start() for m in _CUE.finditer(text[a:b])]
            out.extend(_greedy(a, b, cues, max_chars))
        else:
            out.append((a, b))
    return out


def _strip(text: str, a: int, b: int) -> Span | None:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return Span(a, b, text[a:b]) if b > a else None


def split_sentences(text: str, max_chars: int = DEFAULT_MAX_CHARS) -> list[Span]:
    """Sentences of `text` with offsets; pieces over `max_chars` are cut at commas, then before cue words.

    `max_chars=0` turns the length rule off. Whitespace-only pieces are dropped; punctuation-only pieces too.
    """
    out: list[Span] = []
    for a, b in _hard_pieces(text):
        parts = _split_long(text, a, b, max_chars) if max_chars and b - a > max_chars else [(a, b)]
        for pa, pb in parts:
            span = _strip(text, pa, pb)
            if span is not None and any(ch.isalnum() for ch in span.text):
                out.append(span)
    return out


_CLAUSE_CUT = re.compile(r"[，,]+")


def split_claims(text: str, max_chars: int = DEFAULT_MAX_CHARS) -> list[Span]:
    """Claim-sized pieces: sentences, then each sentence cut at every comma (one claim per clause).

    The grounding check works on these: copy packs several claims into one sentence ("白色衣身，刺绣装饰").
    Trailing commas stay with the clause before them; pieces without a letter or digit are dropped.
    """
    out: list[Span] = []
    for sentence in split_sentences(text, max_chars):
        pos = sentence.start
        for m in _CLAUSE_CUT.finditer(sentence.text):
            span = _strip(text, pos, sentence.start + m.end())
            if span is not None and any(ch.isalnum() for ch in span.text):
                out.append(span)
            pos = sentence.start + m.end()
        span = _strip(text, pos, sentence.end)
        if span is not None and any(ch.isalnum() for ch in span.text):
            out.append(span)
    return out
