"""Customer-service use cases: build/refresh the index from the store, answer a question in a conversation, evaluate.

The index lives in `KOUBEI_HOME/indexes/service` by default (`koubei.artifacts.default_index_dir`; plain files, see
`koubei.support.index`), with the intent router beside it in `router/`. Re-running the build is incremental: only
new or changed evidence is analyzed and encoded. `answer` builds the index first when there is none yet (the
decision `koubei ask` relies on). Questions are PII-masked before they are searched, answered or stored.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from koubei.artifacts import default_index_dir
from koubei.errors import BadInputError
from koubei.progress import Progress, or_null
from koubei.results import Result
from koubei.store import Store
from koubei.support.answer import AnswerConfig
from koubei.support.assistant import Assistant
from koubei.support.conversation import ConversationState
from koubei.support.documents import Doc, build_docs
from koubei.support.index import META_FILE, IndexConfig, ServiceIndex
from koubei.support.intent import IntentRouter

INDEX_NAME = "service"


def index_path(directory: Path | None = None) -> Path:
    """The index folder: `directory`, else the default one. A path that is a file is refused at once (before any
    work), as is a folder that holds something else than a service index."""
    path = Path(directory) if directory is not None else default_index_dir(INDEX_NAME)
    if path.exists() and not path.is_dir():
        raise BadInputError(
            f"index path {str(path)!r} is a file; expected a service index folder (or a new path to build one in)"
        )
    if path.is_dir() and not (path / META_FILE).exists():
        foreign = sorted(p.name for p in path.iterdir() if not _index_file(p.name))
        if foreign:
            raise BadInputError(
                f"index path {str(path)!r} is a folder with other files ({', '.join(foreign[:3])}) and no service "
                "index; choose an empty or new folder"
            )
    return path


def _index_file(name: str) -> bool:
    """A file a service index (or a save of one cut short) leaves in its folder."""
    return (
        name in (META_FILE, "docs.jsonl", "router", "lsa.npz", "lsa_vocab.json")
        or (name.startswith("embeddings_") and name.endswith(".npy"))
        or (name.startswith(".") and name.endswith(".tmp"))
    )


def _counted(rows: Iterable[dict[str, Any]], progress: Progress) -> Iterator[dict[str, Any]]:
    for row in rows:
        yield row
        progress.advance(1)


def collect_docs(
    store: Store, review_limit: int | None = None, progress: Progress | None = None
) -> list[Doc]:
    """Evidence documents from what the store holds: products, FAQ entries and review sentences (masked text)."""
    from koubei.store import support as queries

    progress = or_null(progress)
    products = queries.load_products(store)
    faq = queries.load_faq(store)
    total = queries.count_reviews(store)
    progress.start(min(total, review_limit or total), "reviews", "reading reviews")
    reviews = _counted(queries.iter_reviews(store, limit=review_limit), progress)
    return build_docs(products=products, faq=faq, reviews=reviews)


@dataclass
class IndexBuild(Result):
    path: str
    docs: int
    added: int
    updated: int
    unchanged: int
    removed: int
    dense: str | None
    seconds: float


def build_index(
    store: Store,
    directory: Path | None = None,
    config: IndexConfig | None = None,
    rebuild: bool = False,
    review_limit: int | None = None,
    progress: Progress | None = None,
) -> tuple[ServiceIndex, IndexBuild]:
    """Create or incrementally refresh the service index from the store, save it, register it as an artifact."""
    from koubei.store.support import record_index_artifact

    started = time.perf_counter()
    path = index_path(directory)
    existing = (path / META_FILE).exists() and not rebuild
    index = ServiceIndex.load(path) if existing else ServiceIndex(config or IndexConfig())
    docs = collect_docs(store, review_limit=review_limit, progress=progress)
    if not docs:
        raise BadInputError(
            "the store holds no products, FAQ entries or reviews to answer from: "
            "run `koubei ingest products|faq|reviews FILE` first"
        )
    counts = index.sync(docs)
    index.build(progress=progress)
    index.save(path)
    IntentRouter.default().save(path / "router")
    result = IndexBuild(
        str(path),
        len(index),
        counts["added"],
        counts["updated"],
        counts["unchanged"],
        counts["removed"],
        index.dense_spec_,
        round(time.perf_counter() - started, 2),
    )
    record_index_artifact(
        store,
        f"index:{INDEX_NAME}",
        str(path),
        asdict(index.config),
        {"docs": len(index), "dense": index.dense_spec_},
    )
    return index, result


def ensure_index(store: Store, directory: Path | None = None, progress: Progress | None = None) -> Path:
    """The index folder, built from the store first when it holds no index yet."""
    path = index_path(directory)
    if not (path / META_FILE).exists():
        build_index(store, directory=path, progress=progress)
    return path


def open_assistant(
    directory: Path | None = None,
    answer_config: AnswerConfig | None = None,
    index: ServiceIndex | None = None,
) -> Assistant:
    path = index_path(directory)
    index = index or ServiceIndex.load(path)
    router = IntentRouter.load(path / "router") if (path / "router" / "router.json").exists() else None
    return Assistant(index, router=router, answer_config=answer_config)


@dataclass
class AskResult(Result):
    """One answered turn: `Reply.to_dict()`'s fields (the `koubei ask --json` keys)."""

    conversation_id: str
    question: str
    query: str
    product_id: str | None
    follow_up: bool
    intent: dict[str, Any]
    answer: str
    citations: list[dict[str, Any]]
    evidence: list[dict[str, Any]]
    refused: bool
    mode: str
    escalation: dict[str, Any] | None
    latency_ms: float


def check_conversation_id(conversation_id: str) -> str:
    """A conversation id the store can keep: 1-64 printable characters (an id an earlier ask printed)."""
    from koubei.store.support import CONVERSATION_ID_MAX

    cid = conversation_id.strip()
    if not cid:
        raise BadInputError("conversation_id is empty; pass the id an earlier ask printed")
    if len(cid) > CONVERSATION_ID_MAX:
        raise BadInputError(
            f"conversation_id {cid[:16]!r}... is {len(cid)} characters long; the limit is {CONVERSATION_ID_MAX} "
            "(use the id an earlier ask printed)"
        )
    if not cid.isprintable():
        raise BadInputError(f"conversation_id {cid!r} contains control characters; expected a printed id")
    return cid


def ask(
    store: Store,
    question: str,
    product_id: str | None = None,
    conversation_id: str | None = None,
    assistant: Assistant | None = None,
    answer_config: AnswerConfig | None = None,
    user_id: str | None = None,
) -> AskResult:
    """Answer one question (continuing `conversation_id` when given) and store both turns, masked."""
    from koubei.store.support import load_conversation, save_turn
    from koubei.text import mask_pii

    cid = None if conversation_id is None else check_conversation_id(conversation_id)
    assistant = assistant or open_assistant(answer_config=answer_config)
    state = ConversationState()
    if cid:
        saved = load_conversation(store, cid)
        state = ConversationState.from_dict(saved) if saved else ConversationState(conversation_id=cid)
    masked = mask_pii(question or "").text
    reply, next_state = assistant.ask(masked, state, product_id=product_id)
    out = AskResult(**reply.to_dict())
    details = {
        "intent": out.intent,
        "citations": out.citations,
        "refused": out.refused,
        "mode": out.mode,
        "escalation": out.escalation,
        "product_id": out.product_id,
    }
    save_turn(store, next_state.to_dict(), masked, reply.text, details, user_id=user_id)
    return out


class AssistantCache:
    """Assistants kept loaded between questions, for a server: loading an index re-analyzes every document (about
    0.2 s for 200 documents, seconds for a large store), which a one-shot `koubei ask` pays once and a server must
    not pay per question. An entry is reused while the index's record file is the same file (a rebuild writes a
    new one), so a refreshed index is picked up by the next question. Thread-safe: routes run in a thread pool."""

    def __init__(self) -> None:
        import threading

        self._lock = threading.Lock()
        self._loaded: dict[tuple[str, str | None], tuple[tuple[int, int, int], Assistant]] = {}

    def get(
        self,
        store: Store,
        directory: Path | None,
        answer_config: AnswerConfig,
        progress: Progress | None = None,
    ) -> Assistant:
        """The assistant of the index at `directory` (built from the store first when missing, as `answer` does)."""
        with self._lock:  # one build or load at a time: concurrent first questions share it
            path = ensure_index(store, directory, progress=progress)
            stat = (path / META_FILE).stat()
            stamp = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
            key = (str(path), answer_config.generator_dir)
            entry = self._loaded.get(key)
            if entry is None or entry[0] != stamp:
                assistant = open_assistant(path, answer_config=answer_config)
                assistant.index.product_ids()  # builds what a load leaves to first use, here under the lock
                entry = (stamp, assistant)
                self._loaded[key] = entry
            return entry[1]


def answer(
    store: Store,
    question: str,
    *,
    product_id: str | None = None,
    conversation_id: str | None = None,
    directory: Path | None = None,
    generator: Path | None = None,
    progress: Progress | None = None,
    assistants: AssistantCache | None = None,
) -> AskResult:
    """`koubei ask`: answer from the index at `directory` (built from the store first when missing), extractively
    or with the local causal LM at `generator`; a server passes its `assistants` cache to keep the index loaded."""
    if conversation_id is not None:
        check_conversation_id(conversation_id)  # before a first-use build, not after
    if generator is not None and not Path(generator).is_dir():
        raise BadInputError(
            f"generator {str(generator)!r} is not a folder; expected a local Hugging Face model folder"
        )
    config = AnswerConfig(generator_dir=str(generator) if generator else None)
    if assistants is not None:
        assistant = assistants.get(store, directory, config, progress)
    else:
        path = ensure_index(store, directory, progress=progress)
        assistant = open_assistant(path, answer_config=config)
    return ask(store, question, product_id=product_id, conversation_id=conversation_id, assistant=assistant)


@dataclass
class EvalReport(Result):
    file: str
    rows: int
    index: str
    dense: str | None
    retrieval: dict[str, Any]
    escalation: dict[str, Any] | None


def evaluate_file(
    qa_file: Path,
    directory: Path | None = None,
    self_index: bool = False,
    dense: str = "auto",
    answer_config: AnswerConfig | None = None,
) -> EvalReport:
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
            for d in qa_docs(
                {
                    "qa_id": r.get("qa_id", f"row{n + 1}"),
                    "product_id": r.get("product_id"),
                    "answer": r["answer"],
                },
                include_question=False,
            )
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
    return EvalReport(
        file=str(qa_file),
        rows=len(rows),
        index="self" if self_index else str(index_path(directory)),
        dense=index.dense_spec_,
        retrieval=retrieval_metrics(index, rows),
        escalation=escalation_metrics(assistant, rows),
    )


@dataclass
class ConversationHistory(Result):
    """A stored conversation: its turns in order (masked text, with each answer's intent and citations)."""

    conversation_id: str
    product_id: str | None
    turns: list[dict[str, Any]]


def conversation_history(store: Store, conversation_id: str) -> ConversationHistory:
    """The turns of a conversation an earlier `ask` started (NotFoundError when there is none)."""
    from koubei.errors import NotFoundError
    from koubei.store.support import conversation_turns, load_conversation

    cid = check_conversation_id(conversation_id)
    saved = load_conversation(store, cid)
    if saved is None:
        raise NotFoundError(f"conversation {cid!r} does not exist; start one with POST /api/v1/ask")
    return ConversationHistory(cid, saved.get("product_id"), conversation_turns(store, cid))
