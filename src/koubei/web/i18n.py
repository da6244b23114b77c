"""The dashboard's two languages: a small message catalog (zh, en) and the choice of language per request.

The choice: the `koubei_lang` cookie the language switch sets, else the browser's Accept-Language (the first of
zh / en it prefers, by q-value), else Chinese. A key missing from the catalog is a bug, not a blank: `translate`
raises, and `tests/web/test_i18n.py` checks both languages carry the same keys.
"""

from __future__ import annotations

from collections.abc import Callable

from koubei.web.messages import MESSAGES

LANGUAGES = ("zh", "en")
DEFAULT = "zh"
COOKIE = "koubei_lang"


def parse_accept_language(header: str | None) -> str | None:
    """The supported language the browser prefers most (by q-value, then order), or None."""
    if not header:
        return None
    best: tuple[float, int, str] | None = None
    for position, part in enumerate(header.split(",")):
        pieces = part.strip().split(";")
        tag = pieces[0].strip().lower()
        q = 1.0
        for param in pieces[1:]:
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        base = tag.split("-")[0]
        if base in LANGUAGES and q > 0:
            candidate = (-q, position, base)
            if best is None or candidate < best:
                best = candidate
    return None if best is None else best[2]


def choose_language(cookie: str | None, accept_language: str | None) -> str:
    if cookie in LANGUAGES:
        return str(cookie)
    return parse_accept_language(accept_language) or DEFAULT


def translate(lang: str, key: str, /, **values: object) -> str:
    """The message `key` in `lang`, with `{name}` placeholders filled from `values`."""
    text = MESSAGES[lang if lang in MESSAGES else DEFAULT][key]
    return text.format(**values) if values else text


def translator(lang: str) -> Callable[..., str]:
    def t(key: str, /, **values: object) -> str:
        return translate(lang, key, **values)

    return t
