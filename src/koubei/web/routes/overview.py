"""`/`: the overview (volume, net sentiment and WOM index over time; praised / criticised aspects; open alerts)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from koubei.api.deps import StoreDep
from koubei.pipelines.dashboard import overview
from koubei.web.i18n import translator
from koubei.web.render import language, render
from koubei.web.session import PagePrincipal

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
def overview_page(request: Request, store: StoreDep, _principal: PagePrincipal) -> Response:
    data = overview(store, background=True)
    t = translator(language(request))
    trend = {
        "kind": "trend",
        "x": data.weeks,
        "series": [
            {"name": t("chart.volume"), "type": "bar", "data": data.volume, "axis": 0},
            {"name": t("chart.net_sentiment"), "type": "line", "data": data.net_sentiment, "axis": 1},
        ],
    }
    wom = {
        "kind": "trend",
        "x": data.weeks,
        "series": [
            {"name": t("chart.wom_index"), "type": "line", "data": data.wom_index, "axis": 0, "area": True},
            {"name": t("chart.shares"), "type": "bar", "data": data.shares, "axis": 1},
        ],
    }
    return render(request, "overview.html", data=data, trend=trend, wom=wom, active="overview")
