"""Customer-service chat (`koubei ask` over HTTP): an answer with citations, or a hand-off to a person.

`POST /api/v1/ask` answers one question, continuing `conversation_id` when given (conversations and their masked
turns are kept in the store; `GET /api/v1/ask/conversations/{id}` reads one back). With `Accept:
text/event-stream` or `"stream": true` the answer comes as server-sent events:

    event: meta       {"conversation_id", "product_id", "intent", "mode", "follow_up"}
    event: token      {"text"}            one per sentence; the texts concatenate to the whole answer
    event: citations  [{"n", "kind", "id", ...}]
    event: escalation {"reason", "detail", "suggested_reply"}   only when the question goes to a person
    event: done       the whole result, as the JSON answer would carry it

The answer is composed (extractively, from the evidence it cites) before the first event, so a bad request is
still a plain problem response; the stream then gives a chat window the sentences one by one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from koubei.api.deps import ReadPrincipal, StoreDep

router = APIRouter(prefix="/api/v1/ask", tags=["customer service"])

MAX_QUESTION_CHARS = 2000  # a shopper's question; longer text is a pasted document, not a question
EVENT_STREAM = "text/event-stream"


class AskBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS, description="Chinese or English.")
    product_id: str | None = Field(
        default=None, min_length=1, max_length=200, description="Product in focus."
    )
    conversation_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="Continue this conversation (an earlier answer's id).",
    )
    stream: bool = Field(
        default=False, description="Answer as server-sent events (as Accept: text/event-stream)."
    )


_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The answer (JSON), or with Accept: text/event-stream / stream=true a server-sent-event "
        "stream: meta, token (one per sentence), citations, escalation (when handed off), done.",
        "content": {EVENT_STREAM: {"schema": {"type": "string"}}},
    }
}


@router.post(
    "", summary="Answer a customer's question with cited evidence, or escalate", responses=_RESPONSES
)
def ask(body: AskBody, request: Request, _principal: ReadPrincipal, store: StoreDep) -> Any:
    from koubei.pipelines.support import answer

    result = answer(
        store,
        body.question,
        product_id=body.product_id,
        conversation_id=body.conversation_id,
        assistants=_assistants(request),
    )
    data = result.to_dict()
    if body.stream or EVENT_STREAM in request.headers.get("accept", ""):
        return StreamingResponse(
            _events(data),
            media_type=EVENT_STREAM,
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
    return JSONResponse(data)


@router.get("/conversations/{conversation_id}", summary="A stored conversation's turns (masked text)")
def conversation(
    conversation_id: Annotated[str, Path(min_length=1, max_length=64)],
    _principal: ReadPrincipal,
    store: StoreDep,
) -> dict[str, Any]:
    from koubei.pipelines.support import conversation_history

    return conversation_history(store, conversation_id).to_dict()


def _assistants(request: Request) -> Any:
    """The app's loaded assistants (one per index), made on the first question."""
    from koubei.pipelines.support import AssistantCache

    state = request.app.state
    cache = getattr(state, "assistants", None)
    if cache is None:
        cache = state.assistants = AssistantCache()
    return cache


def sentence_chunks(text: str) -> list[str]:
    """The answer cut after each sentence; the pieces concatenate to `text` exactly (nothing dropped)."""
    from koubei.generation.sentences import split_sentences

    chunks, start = [], 0
    for span in split_sentences(text, max_chars=0):
        if span.end > start:
            chunks.append(text[start : span.end])
            start = span.end
    if start < len(text):
        if chunks:
            chunks[-1] += text[start:]
        else:
            chunks.append(text[start:])
    return chunks


def _event(name: str, data: Any) -> str:
    # One `data:` line: json.dumps escapes newlines, so a payload never ends an event early.
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _events(data: dict[str, Any]) -> Iterator[str]:
    meta = {k: data.get(k) for k in ("conversation_id", "product_id", "intent", "mode", "follow_up")}
    yield _event("meta", meta)
    for chunk in sentence_chunks(data.get("answer") or ""):
        yield _event("token", {"text": chunk})
    yield _event("citations", data.get("citations") or [])
    if data.get("escalation"):
        yield _event("escalation", data["escalation"])
    yield _event("done", data)
