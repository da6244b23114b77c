"""The dashboard: server-rendered pages (Jinja2 + htmx, charts by vendored ECharts) served by the API app.

`koubei.web.routes.router` holds the pages; `koubei.api.app.create_app` mounts it and `static/` at `/static`.
Pages are thin like the API routes: they parse, call `koubei.pipelines`, and render. Every template is rendered
with autoescaping on (user text is never marked safe), no page carries inline script (the CSP is
`default-src 'self'`), and every form post carries a session-bound CSRF token.
"""
