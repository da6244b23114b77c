"""Customer service: answers to shoppers' questions grounded in the catalog, FAQ, past Q&A and reviews.

Pieces (each DB-free; `koubei.pipelines.support` joins them with the store):
- `documents`: evidence pieces (one attribute / FAQ entry / Q&A pair / review sentence each) with citations;
- `koubei.text.analyzer` (shared with generation): jieba + English tokens for BM25;  `dense`: offline sentence embedders (MiniLM, LSA, HF);
- `index.ServiceIndex`: BM25 (bm25s) + dense retrieval, fused (`fusion`), per product and global, incremental,
  persisted as plain files;
- `intent.IntentRouter`: product / order & logistics / returns & after-sales / complaint / chit-chat;
- `answer` / `generate`: extractive or checked generative answers with citations, or a refusal;
- `escalation`: hand-off to a human with a reason and a suggested reply;  `conversation`: multi-turn state;
- `assistant.Assistant`: one turn end to end;  `evaluate`: hit@k / MRR / escalation precision on a Q&A file.

Library use (what the web chat calls): `koubei.pipelines.support.ask(store, question, product_id=...,
conversation_id=...)` returns a JSON-able dict with the answer, citations, intent and escalation.
"""

from koubei.support.assistant import Assistant, Reply
from koubei.support.conversation import ConversationState
from koubei.support.documents import Doc, build_docs
from koubei.support.index import IndexConfig, ServiceIndex
from koubei.support.intent import IntentRouter

__all__ = [
    "Assistant",
    "ConversationState",
    "Doc",
    "IndexConfig",
    "IntentRouter",
    "Reply",
    "ServiceIndex",
    "build_docs",
]
