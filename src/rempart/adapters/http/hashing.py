"""``POST /api/v1/hash``: media in, signals out; the bytes are dropped after hashing."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from rempart.adapters.http.deps import API_PREFIX, BackendDep, HashToken
from rempart.adapters.http.uploads import MEDIA_BODY, read_media
from rempart.core.media_signals import hash_bytes

router = APIRouter(prefix=API_PREFIX, tags=["hashing"])


@router.post("/hash", openapi_extra=MEDIA_BODY)
async def hash_media(request: Request, backend: BackendDep, _: HashToken) -> dict[str, Any]:
    """Every signal Rempart keeps of one image or video (the `rempart hash --jsonl` record)."""
    data, _form = await read_media(request, backend.settings.http.max_upload_bytes)
    try:
        hashes = await run_in_threadpool(hash_bytes, data, backend.settings.hashing)
    finally:
        del data
    return hashes.to_json()
