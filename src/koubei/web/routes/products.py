"""`/products/{id}`: aspect sentiment, trend, what buyers say, sample reviews with highlighted words, reply drafts."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from koubei.api.deps import StoreDep
from koubei.errors import KoubeiError
from koubei.pipelines.dashboard import product_page
from koubei.web.i18n import translator
from koubei.web.render import aspect_namer, language, render, render_error
from koubei.web.session import PagePrincipal

router = APIRouter()


@router.get("/products/{product_id}", response_class=HTMLResponse)
def product(request: Request, product_id: str, store: StoreDep, _principal: PagePrincipal) -> Response:
    try:
        page = product_page(store, product_id)
    except KoubeiError as error:
        return render_error(request, error.http_status, str(error))
    t = translator(language(request))
    sentiment = page.overview.sentiment
    trend = {
        "kind": "trend",
        "x": [w.week for w in sentiment.trend],
        "series": [
            {
                "name": t("chart.volume"),
                "type": "bar",
                "data": [w.reviews for w in sentiment.trend],
                "axis": 0,
            },
            {
                "name": t("chart.net_sentiment"),
                "type": "line",
                "data": [w.net_sentiment for w in sentiment.trend],
                "axis": 1,
            },
        ],
    }
    aspects = sentiment.aspects[:10]
    chart = {
        "kind": "bars",
        "stack": True,
        "colors": ["#1f8a4c", "#c8372d", "#9aa6b5"],
        "y": [aspect_namer(language(request))(a.aspect) for a in aspects],
        "series": [
            {"name": t("label.positive"), "data": [a.positive for a in aspects]},
            {"name": t("label.negative"), "data": [a.negative for a in aspects]},
            {"name": t("label.neutral"), "data": [a.neutral for a in aspects]},
        ],
    }
    return render(request, "product.html", page=page, trend=trend, aspects_chart=chart, active="reviews")
