"""`/support`: the customer-service chat. Each question is answered from the catalog, FAQ and reviews with
numbered citations (`koubei.pipelines.support.answer`, the same call as `POST /api/v1/ask`); a hand-off to a
person shows as an escalation notice. The conversation id lives in the session, so a reload keeps the chat."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from koubei.api.deps import StoreDep
from koubei.errors import KoubeiError
from koubei.pipelines.support import AssistantCache, answer, conversation_history
from koubei.web.csrf import check_csrf
from koubei.web.render import render, render_error
from koubei.web.session import PagePrincipal

router = APIRouter()
SESSION_CONVERSATION = "conversation_id"


def _assistants(request: Request) -> AssistantCache:
    """The app's loaded assistants, shared with the API's /ask (made on the first question)."""
    state = request.app.state
    cache = getattr(state, "assistants", None)
    if cache is None:
        cache = state.assistants = AssistantCache()
    return cache


def _turns(request: Request, store: Any) -> list[dict[str, Any]]:
    cid = request.session.get(SESSION_CONVERSATION)
    if not isinstance(cid, str):
        return []
    try:
        return conversation_history(store, cid).turns
    except KoubeiError:
        request.session.pop(SESSION_CONVERSATION, None)
        return []


@router.get("/support", response_class=HTMLResponse)
def support_page(request: Request, store: StoreDep, _principal: PagePrincipal) -> Response:
    return render(request, "support.html", turns=_turns(request, store), active="support")


@router.post("/support/ask", response_class=HTMLResponse, dependencies=[Depends(check_csrf)])
def support_ask(
    request: Request,
    store: StoreDep,
    _principal: PagePrincipal,
    question: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    if not question.strip():
        return render_error(request, 422, "question: empty; type a question first", partial=True)
    cid = request.session.get(SESSION_CONVERSATION)
    try:
        result = answer(
            store,
            question,
            conversation_id=cid if isinstance(cid, str) else None,
            assistants=_assistants(request),
        )
    except KoubeiError as error:
        return render_error(request, error.http_status, str(error), partial=True)
    request.session[SESSION_CONVERSATION] = result.conversation_id
    turns = [
        {"role": "user", "text": result.question, "details": {}},
        {
            "role": "assistant",
            "text": result.answer,
            "details": {
                "citations": result.citations,
                "escalation": result.escalation,
                "refused": result.refused,
            },
        },
    ]
    return render(request, "partials/chat_turns.html", turns=turns)


@router.post("/support/new", dependencies=[Depends(check_csrf)])
def support_new(request: Request) -> Response:
    from fastapi.responses import RedirectResponse

    request.session.pop(SESSION_CONVERSATION, None)
    return RedirectResponse("/support", status_code=303)
