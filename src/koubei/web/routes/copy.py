"""`/copy`: the copy studio. Generate from a product and a persona (htmx), see each claim with its source and the
guard's flags marked in the text, compare the candidates, approve or reject drafts, copy to the clipboard.

Generating stores a draft and deciding on one changes it, so both need an admin key (the API's rule for writes);
a read key sees the studio and the drafts.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from koubei.api.deps import StoreDep
from koubei.errors import KoubeiError
from koubei.pipelines.catalog import list_products
from koubei.pipelines.copy import generate_with_model, list_drafts, review_draft
from koubei.web.csrf import check_csrf
from koubei.web.i18n import translate
from koubei.web.render import language, render, render_error
from koubei.web.session import PagePrincipal

router = APIRouter()
PERSONAS = ("student", "parent", "office", "senior", "gamer")


@router.get("/copy", response_class=HTMLResponse)
def copy_page(request: Request, store: StoreDep, _principal: PagePrincipal) -> Response:
    products = list_products(store, limit=200).items
    drafts = list_drafts(store, kind="copy", limit=12).items
    return render(
        request, "copy.html", products=products, drafts=drafts, personas=PERSONAS, result=None, active="copy"
    )


@router.post("/copy/generate", response_class=HTMLResponse, dependencies=[Depends(check_csrf)])
def copy_generate(
    request: Request,
    store: StoreDep,
    principal: PagePrincipal,
    product_id: Annotated[str, Form(max_length=128)] = "",
    persona: Annotated[str, Form(max_length=200)] = "",
    n: Annotated[int, Form(ge=1, le=8)] = 4,
) -> Response:
    if not principal.is_admin:
        return render_error(request, 403, translate(language(request), "error.admin"), partial=True)
    if not product_id.strip():
        return render_error(request, 422, translate(language(request), "copy.pick_product"), partial=True)
    try:
        result = generate_with_model(
            product_id=product_id.strip(), store=store, persona=persona.strip() or None, n=n, save=True
        )
    except KoubeiError as error:
        return render_error(request, error.http_status, str(error), partial=True)
    return render(request, "partials/copy_result.html", result=result)


@router.post("/copy/{content_id}/review", response_class=HTMLResponse, dependencies=[Depends(check_csrf)])
def copy_review(
    request: Request,
    content_id: int,
    store: StoreDep,
    principal: PagePrincipal,
    status: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    if not principal.is_admin:
        return render_error(request, 403, translate(language(request), "error.admin"), partial=True)
    try:
        draft = review_draft(store, content_id, status, reviewer=principal.name)
    except KoubeiError as error:
        return render_error(request, error.http_status, str(error), partial=True)
    return render(request, "partials/draft_row.html", d=draft)
