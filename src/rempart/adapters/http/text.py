"""``POST /api/v1/text/classify``: solicitation labels, scores and explaining spans."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from rempart.adapters.http.deps import API_PREFIX, BackendDep, MatchToken
from rempart.adapters.http.errors import BODY_ERRORS, TOKEN_ERRORS
from rempart.adapters.http.schemas import TextIn, TextOut
from rempart.core.text import classify, classify_batch
from rempart.services.errors import InvalidArgument

router = APIRouter(prefix=API_PREFIX, tags=["text"], responses=TOKEN_ERRORS)


@router.post("/text/classify", response_model=TextOut, response_model_exclude_none=True,
             responses=BODY_ERRORS)
async def classify_text(body: TextIn, backend: BackendDep, _: MatchToken) -> TextOut:
    """Classify one message (``{"text": ...}``) or a batch (``{"texts": [...]}``)."""
    if body.text is not None:
        verdict = await run_in_threadpool(classify, body.text)
        return TextOut(verdict=verdict.to_json())
    texts = body.texts or []
    limit = backend.settings.http.max_text_batch
    if len(texts) > limit:
        raise InvalidArgument(f"at most {limit} texts per request")
    verdicts = await run_in_threadpool(classify_batch, texts)
    return TextOut(verdicts=[v.to_json() for v in verdicts])
