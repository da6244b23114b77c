"""Uploads (admin scope): `POST /api/v1/ingest/{kind}` with a multipart `file`; rejects come back in the answer."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, UploadFile

from koubei.api.deps import AdminPrincipal, StoreDep
from koubei.ingest.loader import KINDS
from koubei.pipelines.uploads import ingest_upload, parse_mapping

router = APIRouter(prefix="/api/v1/ingest", tags=["ingest"])


@router.post("/{kind}", summary="Ingest an uploaded file (same validation and quarantine as `koubei ingest`)")
def ingest(
    store: StoreDep,
    _principal: AdminPrincipal,
    kind: Annotated[str, Path(description=f"One of {', '.join(KINDS)}")],
    file: Annotated[UploadFile, File(description="CSV, TSV, JSONL, JSON, Parquet or an edge list (.txt)")],
    map: Annotated[
        list[str] | None, Form(description="FIELD=COLUMN, repeatable, as `koubei ingest --map`")
    ] = None,
) -> dict[str, Any]:
    return ingest_upload(store, kind, file.filename, file.file, parse_mapping(map)).to_dict()
