"""Rendering pages: one Jinja2 environment (autoescape on for every template), the context every page gets, and
the HTML error page a failed pipeline call turns into.

Autoescaping is on unconditionally (not by file extension) and no template uses `|safe`: review texts, product
titles and questions are user text and always reach the page escaped. Chart data goes into `data-*` attributes
through `tojson` (which escapes `<`, `>`, `&` and quotes), for `static/js/app.js` to draw.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from koubei.web.csrf import HEADER, csrf_token
from koubei.web.i18n import COOKIE, LANGUAGES, choose_language, translator

HERE = Path(__file__).parent
STATIC = HERE / "static"

ENVIRONMENT = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"),
    autoescape=True,
    # Stored results carry optional keys (a claim's aspect, a job's progress total): a missing one renders empty.
    trim_blocks=True,
    lstrip_blocks=True,
)
TEMPLATES = Jinja2Templates(env=ENVIRONMENT)


@lru_cache(maxsize=64)
def _fingerprint(path: str) -> str:
    file = STATIC / path
    return hashlib.sha256(file.read_bytes()).hexdigest()[:10] if file.is_file() else "0"


def static_url(path: str) -> str:
    """`/static/<path>?v=<content hash>`, so a new release's files are never served from a stale cache."""
    return f"/static/{path}?v={_fingerprint(path)}"


def _number(value: Any, digits: int = 0) -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and digits:
        return f"{value:,.{digits}f}"
    return f"{value:,.0f}" if isinstance(value, (int, float)) else str(value)


def _percent(value: Any, digits: int = 0) -> str:
    return "–" if value is None else f"{value * 100:.{digits}f}%"


def _signed(value: Any, digits: int = 2) -> str:
    return "–" if value is None else f"{value:+.{digits}f}"


def _flag_spans(flags: Any) -> list[list[Any]]:
    """Guard flags ({start, end, ...}) as the [start, end, "flag"] spans the `highlighted` macro marks."""
    spans = []
    for flag in flags or []:
        start, end = flag.get("start"), flag.get("end")
        if isinstance(start, int) and isinstance(end, int) and end > start:
            spans.append([start, end, "flag"])
    return sorted(spans)


ENVIRONMENT.filters.update(number=_number, percent=_percent, signed=_signed, flag_spans=_flag_spans)
ENVIRONMENT.globals.update(static=static_url, csrf_header=HEADER, languages=LANGUAGES)


@lru_cache(maxsize=1)
def _aspect_labels() -> dict[str, str]:
    from koubei.analysis.aspects.taxonomy import Taxonomy

    return dict(Taxonomy.load().labels)


def aspect_namer(lang: str) -> Callable[[str], str]:
    """An aspect's display name: the taxonomy's Chinese label in zh, its key in words in en (unknown: as is)."""

    def name(key: str) -> str:
        if lang == "zh":
            return _aspect_labels().get(key, key)
        return key.replace("_", " ")

    return name


def language(request: Request) -> str:
    return choose_language(request.cookies.get(COOKIE), request.headers.get("accept-language"))


def page_context(request: Request, **values: Any) -> dict[str, Any]:
    lang = language(request)
    principal = getattr(request.state, "principal", None)
    path = request.url.path
    if request.url.query:
        path += "?" + request.url.query
    return {
        "request": request,
        "lang": lang,
        "t": translator(lang),
        "csrf": csrf_token(request),
        "principal": principal,
        "here": path,
        "aspect_name": aspect_namer(lang),
        **values,
    }


def render(request: Request, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    response = TEMPLATES.TemplateResponse(
        request, template, page_context(request, **values), status_code=status_code
    )
    response.headers["Cache-Control"] = (
        "no-store"  # pages show personal data (masked, but still) and live figures
    )
    response.headers["Vary"] = "Cookie, Accept-Language"
    return response


def render_error(request: Request, status_code: int, message: str, *, partial: bool = False) -> HTMLResponse:
    """The error as a page (or, for an htmx request, as the fragment it swaps in), with the status kept."""
    return render(
        request, "partials/error.html" if partial else "error.html", status_code=status_code, message=message
    )


def warm() -> None:
    """Compile every template and read the aspect labels now (when the app is built), so the first visitor of
    each page does not pay for them (a few hundred ms on a busy machine)."""
    for name in ENVIRONMENT.list_templates(extensions=["html"]):
        ENVIRONMENT.get_template(name)
    _aspect_labels()
    for path in ("css/app.css", "js/app.js", "vendor/htmx/htmx.min.js", "vendor/echarts/echarts.min.js"):
        _fingerprint(path)


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"
