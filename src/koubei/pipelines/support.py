"""Customer-service use cases: build/refresh the index from the store, answer a question in a conversation, evaluate.

The index lives in `Settings.indexes_dir / "service"` (plain files, see `koubei.support.index`), with the intent
router beside it in `router/`. Re-running the build is incremental: only new or changed evidence is analyzed and
encoded. Questions are PII-masked before they are searched, answered or stored.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from koubei.config import get_settings
from koubei.errors import BadInputError
from koubei.store import Store
from koubei.support.answer import AnswerConfig
from koubei.support.assistant import Assistant
from koubei.support.conversation import ConversationState
from koubei.support.documents import Doc, build_docs
from koubei.support.index import IndexConfig, ServiceIndex
from koubei.support.intent import IntentRouter

INDEX_NAME = "service"


def default_index_dir() -> Path:
    return get_settings().indexes_dir / INDEX_NAME


def collect_docs(store: Store, review_limit: int | None = None, progress: bool = False) -> list[Doc]:
    """Evidence documents from what the store holds: products, FAQ entries and review sentences (masked text)."""
    from koubei.store import support as queries

    products = queries.load_products(store)
    faq = queries.load_faq(store)
    reviews = queries.iter_reviews(store, limit=review_limit)
    if progress:
        from tqdm import tqdm

        total = queries.count_reviews(store)
        reviews = tqdm(reviews, total=min(total, review_limit or total), desc="reviews", unit="review")  # type: ignore[assignment]
    return build_docs(products=products, faq=faq, reviews=reviews)


@dataclass
class IndexBuild:
    path: str
    docs: int
    added: int
    updated: int
    unchanged: int
    removed: int
    dense: str | None
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def build_index(
    store: Store,
    directory: Path | None = None,
    config: IndexConfig | None = None,
    rebuild: bool = False,
    review_limit: int | None = None,
    progress: bool = False,
) -> tuple[ServiceIndex, IndexBuild]:
    """Create or incrementally refresh the service index from the store, save it, register it as an artifact."""
    from koubei.store.support import record_index_artifact

    started = time.perf_counter()
    path = directory or default_index_dir()
    existing = (path / "index.json").exists() and not rebuild
    index = ServiceIndex.load(path) if existing else ServiceIndex(config or IndexConfig())
    docs = collect_docs(store, review_limit=review_limit, progress=progress)
    if not docs:
        raise BadInputError(
            "the store holds no products, FAQ entries or reviews to answer from: "
            "run `koubei ingest products|faq|reviews FILE` first"
        )
    counts = index.sync(docs)
    index.build(show_progress=progress)
    index.save(path)
    IntentRouter.default().save(path / "router")
    result = IndexBuild(str(path), len(index), counts["added"], counts["updated"], counts["unchanged"],
                        counts["removed"], index.dense_spec_, round(time.perf_counter() - started, 2))
    record_index_artifact(store, f"index:{INDEX_NAME}", str(path), asdict(index.config),
                          {"docs": len(index), "dense": index.dense_spec_})
    return index, result


def open_assistant(
    directory: Path | None = None, answer_config: AnswerConfig | None = None, index: ServiceIndex | None = None
) -> Assistant:
    path = directory or default_index_dir()
    index = index or ServiceIndex.load(path)
    router = IntentRouter.load(path / "router") if (path / "router" / "router.json").exists() else None
    return Assistant(index, router=router, answer_config=answer_config)


def ask(
    store: Store,
    question: str,
    product_id: str | None = None,
    conversation_id: str | None = None,
    assistant: Assistant | None = None,
    answer_config: AnswerConfig | None = None,
    user_id: str | None = None,
) -> dict[str, Any]:
    """Answer one question (continuing `conversation_id` when given) and store both turns, masked."""
    from koubei.store.support import load_conversation, save_turn
    from koubei.text import mask_pii

    assistant = assistant or open_assistant(answer_config=answer_config)
    state = ConversationState()
    if conversation_id:
        saved = load_conversation(store, conversation_id)
        state = ConversationState.from_dict(saved) if saved else ConversationState(conversation_id=conversation_id)
    masked = mask_pii(question or "").text
    reply, next_state = assistant.ask(masked, state, product_id=product_id)
    out = reply.to_dict()
    details = {k: out[k] for k in ("intent", "citations", "refused", "mode", "escalation", "product_id")}
    save_turn(store, next_state.to_dict(), masked, reply.text, details, user_id=user_id)
    return out


def evaluate_file(
    qa_file: Path,
    directory: Path | None = None,
    self_index: bool = False,
    dense: str = "auto",
    answer_config: AnswerConfig | None = None,
) -> dict[str, Any]:
    """Metrics on a labelled Q&A file, against the saved index or (`self_index`) an index of the file's answers."""
    from koubei.support.documents import qa_docs
    from koubei.support.evaluate import escalation_metrics, read_qa_file, retrieval_metrics

    rows = read_qa_file(qa_file)
    if self_index:
        # Index the file's answers (questions held out), the setting of benchmarks/service_benchmark.py.
        docs = [
            d
            for n, r in enumerate(rows)
            if r.get("answer")
            for d in qa_docs({"qa_id": r.get("qa_id", f"row{n + 1}"), "product_id": r.get("product_id"),
                              "answer": r["answer"]}, include_question=False)
        ]
        if not docs:
            raise BadInputError(f"--self-index needs rows with an 'answer' in {qa_file.name!r}")
        index = ServiceIndex(IndexConfig(dense=dense))
        index.add(docs)
        index.build()
        assistant = Assistant(index, answer_config=answer_config)
    else:
        assistant = open_assistant(directory, answer_config=answer_config)
        index = assistant.index
    return {
        "file": str(qa_file),
        "rows": len(rows),
        "index": "self" if self_index else str(directory or default_index_dir()),
        "dense": index.dense_spec_,
        "retrieval": retrieval_metrics(index, rows),
        "escalation": escalation_metrics(assistant, rows),
    }
