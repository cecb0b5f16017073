"""``POST /api/v1/hash``: media in, signals out; the bytes are dropped after hashing."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from rempart.adapters.http.deps import API_PREFIX, BackendDep, HashToken
from rempart.adapters.http.errors import TOKEN_ERRORS, responses
from rempart.adapters.http.schemas import HashOut
from rempart.adapters.http.uploads import UPLOAD_BODY, read_media
from rempart.core.media_signals import hash_bytes

router = APIRouter(prefix=API_PREFIX, tags=["hashing"], responses=TOKEN_ERRORS)


@router.post("/hash", response_model=HashOut, openapi_extra=UPLOAD_BODY,
             responses=responses(400, 413))
async def hash_media(request: Request, backend: BackendDep, _: HashToken) -> dict[str, Any]:
    """Every signal Rempart keeps of one image or video (the `rempart hash --jsonl` record).

    Media that cannot be hashed (not an image or video, corrupt, over a limit) is answered 200
    with its ``error``, as `rempart hash` reports it."""
    data, _form = await read_media(request, backend.settings.http.max_upload_bytes)
    try:
        hashes = await run_in_threadpool(hash_bytes, data, backend.settings.hashing)
    finally:
        del data
    return hashes.to_json()
