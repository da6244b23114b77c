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
_SPACES = re.compile(r"\s+")
# A few very common English words: Latin-script text with several words and none of these is another language.
_EN_WORDS = frozenset(
    ["the", "a", "an", "and", "or", "but", "is", "are", "was", "were", "be", "been", "it", "this", "that", "i", "you", "he", "she", "we", "they", "my", "your", "not", "no", "very", "to", "of", "in", "for", "on", "with", "at", "as", "so", "too", "good", "great", "bad", "love", "like", "nice", "poor", "works", "work", "product", "buy", "bought"]
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


def count_scripts(text: str) -> ScriptCounts:
    """Count characters by script; why by hand: no small library tells CJK, Latin, emoji and kana apart at once."""
    cjk = kana = latin = other = digits = symbols = 0
    for ch in text:
        code = ord(ch)
        if 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF or 0x20000 <= code <= 0x2FA1F:
            cjk += 1
        elif 0x3040 <= code <= 0x30FF or 0xAC00 <= code <= 0xD7AF or 0x1100 <= code <= 0x11FF:
            kana += 1
        else:
            cat = unicodedata.category(ch)
            if cat.startswith("L"):
                if ch.isascii() or "LATIN" in unicodedata.name(ch, ""):
                    latin += 1
                else:
                    other += 1
            elif cat == "Nd":
                digits += 1
            elif cat in ("So", "Sk", "Cs", "Mn", "Cf") or 0x1F000 <= code <= 0x1FAFF:
                symbols += 1  # emoji, their modifiers, joiners and variation selectors
    return ScriptCounts(cjk, kana, latin, other, digits, symbols)


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
        words = re.findall(r"[a-z']+", text.lower())
        if len(words) >= 4 and not any(w in _EN_WORDS for w in words):
            return "other"  # Latin script but not English (e.g. Spanish, German)
        return "en"
    return "other"


def strip_html(text: str) -> tuple[str, bool]:
    """Remove tags and decode entities; returns (text, whether anything was HTML)."""
    if not (_TAG.search(text) or _ENTITY.search(text)):
        return text, False
    text = _TAG.sub(" ", text)
    return html.unescape(text), True


def check_text(value: Any, max_chars: int, languages: tuple[str, ...] | None = None) -> TextCheck:
    """Check one input text for scoring. `languages`: those the model was trained on (None = any of zh/en)."""
    if value is None or (isinstance(value, float) and value != value):
        return TextCheck("", EMPTY, "other")
    text = value if isinstance(value, str) else str(value)
    flags: list[str] = []
    text, was_html = strip_html(text)
    if was_html:
        flags.append("html")
    text = _SPACES.sub(" ", _CONTROL.sub("", text)).strip()
    if not text:
        return TextCheck("", EMPTY, "other", tuple(flags))
    if len(text) > max_chars:
        return TextCheck("", TOO_LONG, "other", tuple(flags))
    counts = count_scripts(text)
    letters = counts.cjk + counts.kana_hangul + counts.latin + counts.other_letters
    if letters == 0:
        return TextCheck("", EMOJI_ONLY if counts.symbols else NO_WORDS, "other", tuple(flags))
    lang = guess_lang(text, counts)
    if counts.cjk >= 2 and counts.latin >= 2 and min(counts.cjk, counts.latin) >= 0.1 * letters:
        flags.append("mixed_script")
    allowed = languages if languages is not None else ("zh", "en")
    if lang not in allowed:
        return TextCheck("", UNSUPPORTED_LANGUAGE, lang, tuple(flags))
    return TextCheck(text, None, lang, tuple(flags))
