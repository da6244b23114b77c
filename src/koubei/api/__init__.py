"""The HTTP API of koubei (`koubei serve`): FastAPI, versioned under /api/v1, OpenAPI at /openapi.json.

`create_app` in `koubei.api.app` builds it; routes live one resource per module under `koubei.api.routes` and
only parse, call `koubei.pipelines` and format. Errors become RFC 9457 problem bodies in `koubei.api.errors`.
"""
