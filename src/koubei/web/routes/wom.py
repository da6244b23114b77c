"""`/wom`: the cascade explorer (a drawn cascade tree) and the campaign planner (htmx form: k and model ->
expected spread of IMM's seeds against the degree and PageRank baselines, as a chart)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from koubei.api.deps import StoreDep
from koubei.errors import KoubeiError
from koubei.pipelines.dashboard_wom import MAX_K, CascadeExplorer, campaign_plan, cascade_explorer
from koubei.web.csrf import check_csrf
from koubei.web.i18n import translator
from koubei.web.render import is_htmx, language, render, render_error
from koubei.web.session import PagePrincipal

router = APIRouter()


@router.get("/wom", response_class=HTMLResponse)
def wom_page(
    request: Request,
    store: StoreDep,
    _principal: PagePrincipal,
    cascade: Annotated[str | None, Query(max_length=128)] = None,
) -> Response:
    explorer: CascadeExplorer | None = None
    problem: str | None = None
    try:
        explorer = cascade_explorer(store, cascade)
    except KoubeiError as error:
        problem = str(error)
    tree = {"kind": "tree", "root": explorer.tree} if explorer and explorer.tree else None
    return render(
        request, "wom.html", explorer=explorer, problem=problem, tree=tree, max_k=MAX_K, active="wom"
    )


@router.post("/wom/plan", response_class=HTMLResponse, dependencies=[Depends(check_csrf)])
def wom_plan(
    request: Request,
    store: StoreDep,
    _principal: PagePrincipal,
    k: Annotated[int, Form()] = 5,
    model: Annotated[str, Form(max_length=8)] = "ic",
) -> Response:
    try:
        plan = campaign_plan(store, k, model)
    except KoubeiError as error:
        return render_error(request, error.http_status, str(error), partial=is_htmx(request))
    t = translator(language(request))
    chart = {
        "kind": "bars",
        "y": [t("wom.method_" + row.method) for row in plan.rows],
        "series": [{"name": t("wom.spread"), "data": [row.expected_spread for row in plan.rows]}],
    }
    return render(request, "partials/wom_plan.html", plan=plan, chart=chart)
