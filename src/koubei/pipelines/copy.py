"""Marketing-content use cases (`koubei copy ...`): train, generate, evaluate, check, summarise, reply, review.

One function per flow, called by the CLI, the demo and (later) the API and jobs. Files are read through
`koubei.ingest.readers`, the store through `koubei.store.content`; `koubei.generation` computes.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from koubei.artifacts import default_model_dir
from koubei.errors import BadInputError, NotFoundError
from koubei.generation.copy_data import Attributes, CopyPair, parse_attributes, read_pairs
from koubei.progress import Progress, or_null
from koubei.results import Result

if TYPE_CHECKING:
    from koubei.generation.evaluate import SystemFigures
    from koubei.generation.generate import CopyOutput, CopyWriter
    from koubei.store.db import Store

DEFAULT_MODEL = "copy"
DEFAULT_TIME_BUDGET = 600.0


def model_dir_or_default(model: str | Path | None) -> Path:
    return Path(model) if model else default_model_dir(DEFAULT_MODEL)


@dataclass
class CopyTrainResult(Result):
    out: str
    pairs: int
    pairs_used: int
    rejected: int
    fragments: int
    seconds: float
    data: str
    data_sha1: str
    rejects: list[dict[str, Any]] = field(default_factory=list)
    lm: dict[str, Any] = field(
        default_factory=dict
    )  # the fluency / clause LM: kind, steps, seconds, bits/char


def _digest(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()


def train_copy_model(
    data: str | Path,
    out: str | Path | None = None,
    time_budget: float | None = DEFAULT_TIME_BUDGET,
    config: Any = None,
    progress: Progress | None = None,
    init_from: str | Path | None = None,
    lm: str | None = None,
) -> CopyTrainResult:
    """Train the copy model on a pair file and save it (`out`, default KOUBEI_HOME/models/copy).

    `init_from`: a folder `koubei lm train` wrote, fine-tuned on the copy texts and used in decoding; `lm`:
    "koubei" (a koubei LM trained on the copy) or "ngram" (the character 4-gram only); None keeps the config's."""
    from dataclasses import replace

    from koubei.generation.copy_model import CopyModel, CopyModelConfig

    started = time.monotonic()
    path = Path(data)
    if time_budget is not None and time_budget <= 0:
        raise BadInputError(f"--time-budget {time_budget} must be positive (seconds)")
    if lm is not None and lm not in ("koubei", "ngram"):
        raise BadInputError(f"--lm {lm!r} must be koubei or ngram")
    if init_from is not None:
        base = Path(init_from)
        if not (base / "config.json").is_file():
            raise NotFoundError(
                f"--init-from {str(base)!r} is not a model folder (no config.json); give one `koubei lm train` wrote"
            )
        if lm == "ngram":
            raise BadInputError("--init-from fine-tunes a koubei LM: it cannot be combined with --lm ngram")
    config = config or CopyModelConfig()
    if lm is not None:
        config = replace(config, lm=lm)
    if init_from is not None:
        config = replace(config, lm="koubei", init_from=str(init_from))
    found = read_pairs(path)
    if not found.pairs:
        reasons = "; ".join(f"line {r.line}: {r.reason}" for r in found.rejected[:3])
        raise BadInputError(
            f"{path.name}: no usable attribute -> copy pair ({reasons or 'the file is empty'})"
        )
    sha1 = _digest(path)
    record = {"file": path.name, "sha1": sha1, "digest": sha1[:12], "rejected": len(found.rejected)}
    model = CopyModel(config).fit(
        found.pairs, progress=or_null(progress), data_record=record, time_budget=time_budget
    )
    folder = model_dir_or_default(out)
    model.save(folder)
    return CopyTrainResult(
        str(folder),
        len(found.pairs),
        int(model.data_record_["pairs_used"]),
        len(found.rejected),
        len(model.fragments_),
        round(time.monotonic() - started, 2),
        path.name,
        sha1,
        [r.to_dict() for r in found.rejected[:20]],
        dict(model.data_record_.get("copy_lm", {})),
    )


def load_writer(model: str | Path | None = None, label_mode: str = "metadata") -> CopyWriter:
    from koubei.generation.generate import CopyWriter

    folder = model_dir_or_default(model)
    if not folder.exists():
        raise NotFoundError(
            f"no copy model at {str(folder)!r}: train one with `koubei copy train --data FILE --out DIR`"
        )
    return CopyWriter.load(folder, label_mode=label_mode)


# ------------------------------------------------------------------ evaluation
@dataclass
class CopyEvalResult(Result):
    model: str
    data: str
    pairs: int
    rejected: int
    systems: list[SystemFigures]
    decoding: dict[str, Any]
    seconds: float


def evaluate_pairs(
    writer: CopyWriter,
    pairs: list[CopyPair],
    train_pairs: list[CopyPair],
    n: int = 5,
    seed: int = 0,
    progress: Progress | None = None,
) -> tuple[list[SystemFigures], dict[str, Any]]:
    """Figures of the model (best candidate of `n`) and of the template and retrieval baselines on `pairs`."""
    from koubei.generation.baselines import RetrievalBaseline, template_copy
    from koubei.generation.evaluate import score_outputs
    from koubei.generation.generate import CopyRequest

    progress = or_null(progress)
    progress.start(len(pairs), "pairs", "copy eval")
    outputs = []
    for pair in pairs:
        outputs.append(writer.write(CopyRequest(pair.attributes, n=n, seed=seed)).text)
        progress.advance(1)
    progress.close()
    cfg = writer.model.config_
    decoding = {
        "n": n,
        "seed": seed,
        "pool": max(n * 2, cfg.pool),
        "top_k": cfg.top_k,
        "target_chars": writer.model.target_chars_,
        "mbr_weight": cfg.mbr_weight,
        "lm_weight": cfg.lm_weight,
        "fluency_lm": cfg.lm,
        "lm_fluency_weight": cfg.lm_fluency_weight if cfg.lm == "koubei" else 0.0,
        "lm_fill_draws": cfg.lm_fill_draws if cfg.lm == "koubei" else 0,
        "sampler_banned_terms": "ad-law literal terms + 最, blocked on decoded text"
        if cfg.lm == "koubei"
        else None,
        "rerank": "guard passed, flags, coverage, then fluency",
        "label_mode": writer.guard.config.label.mode,
    }
    index = writer.copy_index
    systems = [score_outputs("koubei copy", pairs, outputs, decoding, copy_index=index)]
    systems.append(
        score_outputs(
            "template baseline", pairs, [template_copy(p.attributes) for p in pairs], {}, copy_index=index
        )
    )
    if train_pairs:
        retrieval = RetrievalBaseline(train_pairs)
        systems.append(
            score_outputs(
                "retrieval baseline (Jaccard over attribute pairs)",
                pairs,
                [retrieval(p.attributes) for p in pairs],
                {},
                copy_index=index,
            )
        )
    return systems, decoding


def evaluate_copy(
    model: str | Path | None, data: str | Path, n: int = 5, seed: int = 0, progress: Progress | None = None
) -> CopyEvalResult:
    started = time.monotonic()
    writer = load_writer(model)
    found = read_pairs(Path(data))
    if not found.pairs:
        raise BadInputError(f"{Path(data).name}: no usable attribute -> copy pair to evaluate on")
    systems, decoding = evaluate_pairs(
        writer, found.pairs, writer.model.train_pairs_, n=n, seed=seed, progress=progress
    )
    return CopyEvalResult(
        str(model_dir_or_default(model)),
        Path(data).name,
        len(found.pairs),
        len(found.rejected),
        systems,
        decoding,
        round(time.monotonic() - started, 2),
    )


# ------------------------------------------------------------------ generation
@dataclass
class GenerateResult(Result):
    output: CopyOutput
    content_id: int | None
    product_id: str | None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = self.output.to_dict()
        data.update(
            {
                "content_id": self.content_id,
                "product_id": self.product_id,
                "status": "draft" if self.content_id else None,
            }
        )
        data["notes"] = [*data.get("notes", []), *self.notes]
        return data


def generate_copy(
    writer: CopyWriter,
    attributes: Any = None,
    *,
    product_id: str | None = None,
    store: Store | None = None,
    persona: str | None = None,
    tone: str = "plain",
    length: str = "medium",
    n: int = 5,
    seed: int = 0,
    save: bool = True,
) -> GenerateResult:
    """Copy for attributes and/or a stored product (title, attributes, praised aspects); stored as a draft."""
    from koubei.generation.generate import CopyRequest

    notes: list[str] = []
    attrs: list[tuple[str, str]] = list(parse_attributes(attributes)) if attributes not in (None, "") else []
    praise = []
    title = None
    if product_id is not None:
        if store is None:
            raise BadInputError("--product needs a store (--db)")
        from koubei.store.content import product_evidence

        evidence = product_evidence(store, product_id)
        title = evidence.title
        attrs = list(dict.fromkeys([*attrs, *evidence.attributes]))
        praise = evidence.praise
        if not praise:
            notes.append("no praise found: copy uses attributes only")
        if not attrs and title:
            attrs = [("类型", title[:40])]
    if not attrs:
        raise BadInputError("attributes: none given; pass --attributes 'key#value*key#value' or --product ID")
    request = CopyRequest(tuple(attrs), praise, title, persona, tone, length, n, seed)
    output = writer.write(request)
    content_id = None
    if save and store is not None:
        from koubei.store.content import save_content

        content_id = save_content(
            store,
            "copy",
            output.text,
            product_id=product_id,
            input_data={
                "attributes": [list(p) for p in attrs],
                "persona": persona,
                "tone": tone,
                "length": length,
                "n": n,
                "seed": seed,
            },
            provenance={
                "claims": output.claims,
                "candidates": [c.text for c in output.candidates],
                "label": output.label,
            },
            guard={"passed": output.passed, "flags": output.flags},
            model=writer.model_version,
        )
    return GenerateResult(output, content_id, product_id, notes)


def generate_with_model(
    attributes: Any = None, *, model: str | Path | None = None, **options: Any
) -> GenerateResult:
    """`generate_copy` with the copy model at `model` (default KOUBEI_HOME/models/copy), for the API: a request for
    fake reviews (in the persona) is refused before the model is looked for, so the refusal does not depend on a
    trained model being there."""
    from koubei.generation.fake_review import refuse

    if options.get("persona"):
        refuse(str(options["persona"]))
    return generate_copy(load_writer(model), attributes, **options)


@dataclass
class BatchResult(Result):
    output: str
    written: int
    rejected: int
    seconds: float


def _input_rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    from koubei.ingest.readers import read_table

    for row in read_table(path).rows:
        yield row.number, (row.values if not row.problem else None), row.problem


def generate_batch(
    writer: CopyWriter,
    input_path: str | Path,
    output_path: str | Path,
    store: Store | None = None,
    n: int = 5,
    tone: str = "plain",
    length: str = "medium",
    progress: Progress | None = None,
) -> BatchResult:
    """One JSON object per input row, in order: the output, or {"line", "error"} for a row that could not be used."""
    from koubei.artifacts import atomic_path
    from koubei.generation.fake_review import FakeReviewRequest

    started = time.monotonic()
    rows = list(_input_rows(Path(input_path)))
    progress = or_null(progress)
    progress.start(len(rows), "rows", "copy generate")
    written = rejected = 0
    with atomic_path(output_path) as tmp, open(tmp, "w", encoding="utf-8") as fh:
        for number, values, problem in rows:
            record: dict[str, Any]
            try:
                if values is None:
                    raise BadInputError(problem or "unreadable row")
                attributes = values.get("attributes", values.get("content"))
                product = values.get("product_id")
                result = generate_copy(
                    writer,
                    attributes,
                    product_id=str(product) if product is not None else None,
                    store=store,
                    persona=values.get("persona"),
                    tone=values.get("tone", tone),
                    length=values.get("length", length),
                    n=int(values.get("n", n)),
                )
                record = {"line": number, **result.to_dict()}
                written += 1
            except FakeReviewRequest as error:
                record = {"line": number, "error": str(error), "refused": "fake_review"}
                rejected += 1
            except (BadInputError, ValueError, TypeError) as error:
                record = {"line": number, "error": str(error)}
                rejected += 1
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            progress.advance(1)
    progress.close()
    return BatchResult(str(output_path), written, rejected, round(time.monotonic() - started, 2))


def attributes_from_option(value: str | None) -> Attributes | None:
    return parse_attributes(value) if value else None


# ------------------------------------------------------------------ guard, summaries, replies, review
_LOAD: Any = object()  # check_text's default: load the copy model's references itself


def check_text(
    text: str,
    attributes: Any = None,
    product_id: str | None = None,
    store: Store | None = None,
    model: str | Path | None = None,
    references: Any = _LOAD,
) -> dict[str, Any]:
    """`generation.guard.check` with the product's attributes / praise as evidence and, when a copy model is
    there, its training copy as the `copied` reference (`references`: already loaded by `copy_references`).
    Returns {"passed", "flags"}."""
    from koubei.generation.guard import check

    attrs: dict[str, list[str]] = {}
    for k, v in parse_attributes(attributes) if attributes not in (None, "") else ():
        attrs.setdefault(k, []).append(v)
    evidence = None
    if product_id is not None:
        if store is None:
            raise BadInputError("--product needs a store (--db)")
        from koubei.store.content import product_evidence

        ev = product_evidence(store, product_id)
        for k, v in ev.attributes:
            attrs.setdefault(k, []).append(v)
        evidence = [
            {"id": rid, "text": s}
            for p in ev.praise
            for rid, s in zip(p.review_ids, p.sentences, strict=False)
        ]
    references = copy_references(model) if references is _LOAD else references
    return check(text, attrs or None, evidence, references).to_dict()


def copy_references(model: str | Path | None = None) -> Any:
    """The training copy's index of a copy model (the `copied` check's reference), None when there is no model
    at the default place; a model folder that was named and is missing is an error."""
    folder = model_dir_or_default(model)
    if (folder / "copy_index").exists():
        from koubei.generation.copying import CopyIndex

        return CopyIndex.load(folder / "copy_index")
    if model is not None:
        raise NotFoundError(f"no copy model at {str(folder)!r} (needed for the copied check)")
    return None


def check_batch(
    input_path: str | Path, output_path: str | Path, model: str | Path | None = None
) -> BatchResult:
    """One {"line", "passed", "flags"} (or {"line", "error"}) per input row with a `text` field, in order."""
    from koubei.artifacts import atomic_path

    started = time.monotonic()
    written = rejected = 0
    references = copy_references(model)  # once for the whole batch, not once per row
    with atomic_path(output_path) as tmp, open(tmp, "w", encoding="utf-8") as fh:
        for number, values, problem in _input_rows(Path(input_path)):
            try:
                if values is None:
                    raise BadInputError(problem or "unreadable row")
                text = values.get("text")
                if not isinstance(text, str) or not text.strip():
                    raise BadInputError("text: missing, empty or not a string")
                record = {
                    "line": number,
                    **check_text(text, values.get("attributes"), references=references),
                }
                written += 1
            except BadInputError as error:
                record = {"line": number, "error": str(error)}
                rejected += 1
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    return BatchResult(str(output_path), written, rejected, round(time.monotonic() - started, 2))


def summarize_product(store: Store, product_id: str) -> Any:
    """Extractive summary of a product's masked reviews (`generation.summarize`)."""
    from koubei.generation.summarize import summarize_reviews
    from koubei.store.content import product_review_records

    records = product_review_records(store, product_id)
    if not records:
        raise NotFoundError(f"product {product_id!r} has no reviews to summarise")
    return summarize_reviews(records)


@dataclass
class ReplyResult(Result):
    draft: Any
    content_id: int | None
    review_id: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.draft.to_dict(),
            "content_id": self.content_id,
            "review_id": self.review_id,
            "status": "draft" if self.content_id else None,
        }


def reply_to_review(
    text: str | None = None,
    review_id: str | None = None,
    store: Store | None = None,
    policy: dict[str, Any] | None = None,
    seed: int = 0,
    save: bool = True,
    rating: int | None = None,
) -> ReplyResult:
    """A reply draft to a stored review (its masked text and star rating) or to a given text (and `rating`)."""
    from koubei.generation.reply import ReplyPolicy, draft_reply

    if (text is None) == (review_id is None):
        raise BadInputError("give exactly one of --review ID or --text TEXT")
    product_id = None
    if review_id is not None:
        if store is None:
            raise BadInputError("--review needs a store (--db)")
        from koubei.store.content import review_rating, review_text

        text, product_id = review_text(store, review_id)
        rating = review_rating(store, review_id) if rating is None else rating
    assert text is not None
    draft = draft_reply(text, review_id, ReplyPolicy.from_dict(policy or {}), seed=seed, rating=rating)
    content_id = None
    if save and store is not None:
        from koubei.store.content import save_content

        content_id = save_content(
            store,
            "reply",
            draft.text,
            product_id=product_id,
            input_data={"review_id": review_id, "policy": policy or {}, "seed": seed, "rating": rating},
            provenance={
                "complaints": draft.complaints,
                "praised": draft.praised,
                "remedy": draft.remedy,
                "label": draft.label,
            },
            guard={"passed": draft.passed, "flags": draft.flags},
            model="reply-templates@1",
        )
    return ReplyResult(draft, content_id, review_id)


def read_policy(path: str | Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    from koubei.artifacts import read_json

    data = read_json(Path(path), what="reply policy")
    if not isinstance(data, dict):
        raise BadInputError(f"reply policy {str(path)!r} must be a JSON object")
    return data


# ------------------------------------------------------------------ drafts awaiting human review
@dataclass
class ContentList(Result):
    """Generated texts (`koubei copy list --json`'s `items`), newest first."""

    items: list[dict[str, Any]]


def list_drafts(
    store: Store, status: str | None = None, kind: str | None = None, limit: int = 50
) -> ContentList:
    """`koubei copy list`: stored copy, replies and summaries, filtered by status and kind."""
    from koubei.store.content import list_content

    return ContentList(list_content(store, status, kind, limit))


def get_draft(store: Store, content_id: int) -> dict[str, Any]:
    """One stored text by id (NotFoundError when there is none)."""
    from koubei.store.content import get_content

    return get_content(store, content_id)


def review_draft(store: Store, content_id: int, status: str, reviewer: str | None = None) -> dict[str, Any]:
    """`koubei copy approve|reject`: record a person's decision on a stored text (status, time, reviewer)."""
    from koubei.store.content import set_status

    return set_status(store, content_id, status, reviewer)
