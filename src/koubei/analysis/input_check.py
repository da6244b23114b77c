"""The defined answer for bad input, shared by every sentiment and aspect model.

Every text goes through `check_text` before a model sees it. The result is either a cleaned text to score (with
`flags` saying what was done or noticed) or a `reason` why it cannot be scored. Models turn a reason into the label
`unscorable`; they never raise on a bad text and never guess on one:

| input                         | answer                                                   |
| ----------------------------- | -------------------------------------------------------- |
| None, empty, whitespace       | unscorable, reason `empty`                               |
| only punctuation / digits     | unscorable, reason `no_words`                            |
| only emoji / symbols          | unscorable, reason `emoji_only`                          |
| longer than max_text_chars    | unscorable, reason `too_long` (same limit as ingest)     |
| a language the model lacks    | unscorable, reason `unsupported_language`                |
| HTML markup                   | tags removed, entities decoded, scored, flag `html`      |
| mixed scripts (中文 + English) | scored as is, flag `mixed_script`                        |
| emoji inside text             | scored as is (emoji are n-grams like any other)          |
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import numpy as np

# Reasons a text is unscorable (stable strings: scripts and the dashboard rely on them).
EMPTY = "empty"
NO_WORDS = "no_words"
EMOJI_ONLY = "emoji_only"
TOO_LONG = "too_long"
UNSUPPORTED_LANGUAGE = "unsupported_language"
REASONS = (EMPTY, NO_WORDS, EMOJI_ONLY, TOO_LONG, UNSUPPORTED_LANGUAGE)

_TAG = re.compile(r"<(script|style)\b.*?</\1\s*>|<!--.*?-->|</?[a-zA-Z][^<>]*>", re.IGNORECASE | re.DOTALL)
_ENTITY = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]{2,8});")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Function words of other Latin-script languages (Spanish, Portuguese, French, German, Italian, Dutch): Latin text
# with several of these and no English function word is not English. English is the default for Latin script, so
# short reviews without function words ("Five stars. fits perfect") stay English.
_EN_WORDS = frozenset(
    [
        "the",
        "a",
        "an",
        "and",
        "or",
        "but",
        "is",
        "are",
        "was",
        "were",
        "it",
        "this",
        "that",
        "i",
        "you",
        "my",
        "not",
        "very",
        "to",
        "of",
        "in",
        "for",
        "with",
    ]
)
_OTHER_LATIN_WORDS = frozenset(
    [
        "el",
        "la",
        "los",
        "las",
        "de",
        "del",
        "que",
        "y",
        "es",
        "muy",
        "por",
        "con",
        "para",
        "una",
        "un",
        "pero",
        "como",
        "más",
        "está",
        "son",
        "lo",
        "se",
        "não",
        "um",
        "uma",
        "com",
        "são",
        "mais",
        "le",
        "les",
        "des",
        "est",
        "et",
        "très",
        "pas",
        "une",
        "dans",
        "pour",
        "avec",
        "sur",
        "qui",
        "ce",
        "je",
        "der",
        "die",
        "das",
        "und",
        "ist",
        "nicht",
        "ein",
        "eine",
        "ich",
        "mit",
        "sehr",
        "auf",
        "für",
        "zu",
        "den",
        "il",
        "di",
        "che",
        "è",
        "non",
        "per",
        "gli",
        "della",
        "molto",
        "het",
        "een",
        "en",
        "niet",
        "van",
        "zijn",
        "voor",
        "op",
    ]
)


@dataclass(frozen=True)
class TextCheck:
    """Outcome of checking one text: `text` to score, or `reason` it is unscorable; `lang` is zh | en | other."""

    text: str
    reason: str | None
    lang: str
    flags: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.reason is None


@dataclass(frozen=True)
class ScriptCounts:
    cjk: int
    kana_hangul: int
    latin: int
    other_letters: int
    digits: int
    symbols: int


def _bmp_table(predicate: Any) -> np.ndarray:
    return np.fromiter((predicate(chr(i)) for i in range(0x10000)), dtype=bool, count=0x10000)


# Per-code-point lookup tables for the Basic Multilingual Plane, built once (~30 ms): the guard runs on every
# scored text, so scripts are counted for a whole batch at once with numpy instead of per character in Python.
_IS_LETTER = _bmp_table(str.isalpha)
_IS_DIGIT = _bmp_table(str.isdigit)
_IS_SYMBOL = _bmp_table(lambda ch: unicodedata.category(ch) in ("So", "Sk", "Cf", "Mn"))


def _in(codes: np.ndarray, *ranges: tuple[int, int]) -> np.ndarray:
    out = np.zeros(codes.shape, dtype=bool)
    for lo, hi in ranges:
        out |= (codes >= lo) & (codes <= hi)
    return out


def count_scripts_batch(texts: list[str]) -> list[ScriptCounts]:
    """Script counts of many texts in one vectorized pass (why by hand: no library tells CJK, Latin, emoji and
    kana apart, and a per-character Python loop would cap scoring speed)."""
    if not texts:
        return []
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    codes = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    bmp = np.minimum(codes, 0xFFFF)
    astral = codes > 0xFFFF
    cjk = _in(codes, (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2FA1F))
    kana = _in(codes, (0x3040, 0x30FF), (0xAC00, 0xD7AF), (0x1100, 0x11FF))
    latin = _in(
        codes, (0x41, 0x5A), (0x61, 0x7A), (0xC0, 0xD6), (0xD8, 0xF6), (0xF8, 0x24F), (0x1E00, 0x1EFF)
    )
    letter = (_IS_LETTER[bmp] & ~astral) | cjk
    digit = _IS_DIGIT[bmp] & ~astral
    symbol = (_IS_SYMBOL[bmp] & ~astral) | _in(codes, (0x1F000, 0x1FAFF))
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))

    def per_doc(mask: np.ndarray) -> list[int]:
        sums = (
            np.add.reduceat(mask.astype(np.int64), starts)
            if mask.size
            else np.zeros(len(texts), dtype=np.int64)
        )
        sums[lengths == 0] = 0  # reduceat gives the next element for empty segments
        return [int(x) for x in sums]

    c, k, la, le, d, sy = (per_doc(m) for m in (cjk, kana, latin, letter, digit, symbol))
    return [
        ScriptCounts(c[i], k[i], la[i], max(0, le[i] - c[i] - k[i] - la[i]), d[i], sy[i])
        for i in range(len(texts))
    ]


def count_scripts(text: str) -> ScriptCounts:
    return count_scripts_batch([text])[0]


def guess_lang(text: str, counts: ScriptCounts | None = None) -> str:
    """zh, en or other, from scripts (and English function words for Latin-script text)."""
    c = counts or count_scripts(text)
    letters = c.cjk + c.kana_hangul + c.latin + c.other_letters
    if letters == 0:
        return "other"
    if c.kana_hangul > 0 and c.kana_hangul >= 0.1 * letters:
        return "other"  # Japanese or Korean
    if c.cjk >= 0.2 * letters:
        return "zh"
    if c.latin >= 0.6 * letters:
        words = re.findall(r"[^\W\d_]+", text.lower())
        foreign = sum(w in _OTHER_LATIN_WORDS for w in words)
        english = sum(w in _EN_WORDS for w in words)
        if foreign >= 2 and foreign > english:
            return "other"  # Latin script but not English (e.g. Spanish, German)
        return "en"
    return "other"


def strip_html(text: str) -> tuple[str, bool]:
    """Remove tags and decode entities; returns (text, whether anything was HTML)."""
    if ("<" not in text and "&" not in text) or not (_TAG.search(text) or _ENTITY.search(text)):
        return text, False
    text = _TAG.sub(" ", text)
    return html.unescape(text), True


def text_limit(config_value: int | None = None) -> int:
    """The longest text a model scores: its config's `max_text_chars`, else the process setting (the same limit
    ingest applies, `KOUBEI_MAX_TEXT_CHARS`)."""
    if config_value is not None:
        return config_value
    from koubei.config import get_settings

    return get_settings().max_text_chars


def check_texts(
    values: list[Any], max_chars: int, languages: tuple[str, ...] | None = None
) -> list[TextCheck]:
    """Check many input texts for scoring (vectorized script counts). `languages`: those the model was trained
    on (None = zh and en)."""
    allowed = languages if languages is not None else ("zh", "en")
    out: list[TextCheck | None] = [None] * len(values)
    cleaned: list[tuple[int, str, list[str]]] = []
    for i, value in enumerate(values):
        if value is None or (isinstance(value, float) and value != value):
            out[i] = TextCheck("", EMPTY, "other")
            continue
        text = value if isinstance(value, str) else str(value)
        flags: list[str] = []
        text, was_html = strip_html(text)
        if was_html:
            flags.append("html")
        if _CONTROL.search(text):
            text = _CONTROL.sub("", text)
        text = " ".join(text.split())
        if not text:
            out[i] = TextCheck("", EMPTY, "other", tuple(flags))
        elif len(text) > max_chars:
            out[i] = TextCheck("", TOO_LONG, "other", tuple(flags))
        else:
            cleaned.append((i, text, flags))
    for (i, text, flags), counts in zip(
        cleaned, count_scripts_batch([t for _, t, _ in cleaned]), strict=True
    ):
        letters = counts.cjk + counts.kana_hangul + counts.latin + counts.other_letters
        if letters == 0:
            out[i] = TextCheck("", EMOJI_ONLY if counts.symbols else NO_WORDS, "other", tuple(flags))
            continue
        lang = guess_lang(text, counts)
        if counts.cjk >= 2 and counts.latin >= 2 and min(counts.cjk, counts.latin) >= 0.1 * letters:
            flags.append("mixed_script")
        if lang not in allowed:
            out[i] = TextCheck("", UNSUPPORTED_LANGUAGE, lang, tuple(flags))
        else:
            out[i] = TextCheck(text, None, lang, tuple(flags))
    return [c for c in out if c is not None]


def check_text(value: Any, max_chars: int, languages: tuple[str, ...] | None = None) -> TextCheck:
    """Check one input text for scoring (see `check_texts`)."""
    return check_texts([value], max_chars, languages)[0]
