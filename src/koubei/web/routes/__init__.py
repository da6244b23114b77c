"""The dashboard's pages, one module per page; `router` is what `koubei.api.app.create_app` mounts.

Page routes stay out of the OpenAPI schema (they are HTML for people, not API for scripts) and every POST among
them checks the session's CSRF token (`koubei.web.csrf.check_csrf`).
"""

from __future__ import annotations

from fastapi import APIRouter

from koubei.web.render import warm
from koubei.web.routes import auth, copy, jobs, overview, products, reviews, support, wom

router = APIRouter(include_in_schema=False)
for _module in (auth, overview, products, reviews, wom, copy, support, jobs):
    router.include_router(_module.router)
warm()
