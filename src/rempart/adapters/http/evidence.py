"""Evidence packages over HTTP (scope ``findings``): the ZIP of chosen findings (PDF, JSON,
SHA-256 manifest, README), written to the audit log with the token's name. No media, ever.

Example::

    POST /api/v1/evidence  {"finding_ids": [12, 15], "language": "en"}   → application/zip
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from rempart.adapters.evidence import evidence_zip
from rempart.adapters.http.deps import API_PREFIX, Evidence, FindingsToken
from rempart.adapters.http.errors import BODY_ERRORS, TOKEN_ERRORS
from rempart.adapters.http.schemas import Int64
from rempart.services.evidence import MAX_FINDINGS

router = APIRouter(prefix=API_PREFIX, tags=["findings"])


class EvidenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    finding_ids: list[Int64] = Field(min_length=1, max_length=MAX_FINDINGS)
    language: Literal["fr", "en"] = "fr"


@router.post("/evidence", summary="Evidence package (ZIP) of chosen findings",
             response_class=Response,
             responses={200: {"content": {"application/zip": {
                 "schema": {"type": "string", "format": "binary"}}}},
                 **TOKEN_ERRORS, **BODY_ERRORS})
async def evidence(body: EvidenceIn, service: Evidence, token: FindingsToken) -> Response:
    """PDF + JSON + manifest of the findings ``finding_ids``; 422 when an id is unknown."""

    def build() -> tuple[str, bytes]:
        package = service.for_findings(body.finding_ids, requested_by=f"token:{token.name}",
                                       language=body.language, actor_type="token")
        return package.reference, evidence_zip(package)

    reference, data = await run_in_threadpool(build)
    return Response(data, media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="rempart-evidence-{reference}.zip"',
        "Cache-Control": "no-store"})
