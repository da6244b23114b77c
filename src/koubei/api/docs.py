"""The API's documentation page (/docs): Swagger UI served from the installed `swagger-ui-py` package.

FastAPI's own /docs page loads Swagger UI from a CDN and starts it with an inline script; koubei runs offline and
its Content-Security-Policy refuses inline scripts, so the page here loads the same files from /docs/static and
starts them from /docs/init.js.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>koubei API</title>
<link rel="stylesheet" href="/docs/static/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/static/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
"""
INIT = """window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis],
});
"""

router = APIRouter(include_in_schema=False)


@router.get("/docs", response_class=HTMLResponse)
def docs_page() -> HTMLResponse:
    return HTMLResponse(PAGE)


@router.get("/docs/init.js")
def docs_init() -> Response:
    return Response(INIT, media_type="text/javascript")


def install_docs(app: FastAPI) -> None:
    import swagger_ui  # swagger-ui-py: Swagger UI 5 (reads OpenAPI 3.1, which FastAPI writes)

    app.include_router(router)
    static = Path(str(swagger_ui.__file__)).parent / "static"
    app.mount("/docs/static", StaticFiles(directory=static), name="docs-static")
