"""Request (``*In``) and response (``*Out``) models of the API, kept apart, and the value types
their fields share. A constraint the runtime applies is in the schema too (and the reverse):
what the OpenAPI description accepts is what the API accepts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema

from rempart.core.banks import BankKind, BankPolicy, ImportOutcome
from rempart.core.tokens import SCOPES

# --- shared value types ----------------------------------------------------------------------



def _json_number(value: object) -> object:
    # Pydantic's lax mode takes true for 1 and "3" for 3; JSON Schema's numbers are neither
    # (3.0 is an integer to both).
    if isinstance(value, bool | str):
        raise ValueError("expected a JSON number")
    return value


JsonInt = Annotated[int, BeforeValidator(_json_number)]
"""An integer as JSON Schema has it: ``3`` or ``3.0``, not ``true`` nor ``"3"``."""
JsonNumber = Annotated[float, BeforeValidator(_json_number)]
"""A number as JSON Schema has it, not ``true`` nor ``"3"``."""

INT64_MAX = 2**63 - 1
Int64 = Annotated[int, Field(ge=-INT64_MAX - 1, le=INT64_MAX)]
"""An integer the database stores or compares (a Telegram chat id, a row id)."""
RowId = Annotated[int, Path(ge=1, le=INT64_MAX)]
"""A row id in a path: ``/entries/{entry_id}``."""
SmallRowId = Annotated[int, Path(ge=1, le=2**31 - 1)]
"""The id of a row in a table with 32-bit ids (API tokens)."""
MAX_OFFSET = 1_000_000_000
PageOffset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]
"""How many items of a listing to skip."""
PageLimit = Annotated[int, Query(ge=1, le=500)]
"""How many items of a listing to return (at most 500)."""


def page_json(items: Sequence[Any], total: int, limit: int, offset: int) -> dict[str, Any]:
    """One page of a listing as the API returns it.

    >>> page_json(["a"], 3, 1, 2)
    {'items': ['a'], 'total': 3, 'limit': 1, 'offset': 2}
    """
    return {"items": items, "total": total, "limit": limit, "offset": offset}

_RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")


def _rfc3339(value: object) -> object:
    # Pydantic alone also takes "0.5" (a Unix time) and naive date-times; the schema says
    # ``format: date-time``.
    if isinstance(value, str) and not _RFC3339.fullmatch(value):
        raise ValueError("expected an RFC 3339 date-time, e.g. 2026-01-31T12:00:00Z")
    return value


def _in_utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+05:00: before any date the store holds
        return datetime.min.replace(tzinfo=UTC) if value.year == 1 else datetime.max.replace(
            tzinfo=UTC)


Timestamp = Annotated[datetime, BeforeValidator(_rfc3339), AfterValidator(_in_utc)]
"""An RFC 3339 date-time with its offset (``2026-01-31T12:00:00Z``), as UTC."""

HEX_MD5 = r"^[0-9a-fA-F]{32}$"
HEX_SHA256 = r"^[0-9a-fA-F]{64}$"
HEX_PDQ = HEX_SHA256

# --- matching ------------------------------------------------------------------------------


class PdqIn(BaseModel):
    """A PDQ hash as `rempart hash` prints it."""

    hash: str = Field(pattern=HEX_PDQ)
    quality: JsonInt = Field(100, ge=0, le=100)


class PdqVariantIn(PdqIn):
    """A PDQ of a transformed view (rotation, trim, region...)."""

    variant: str = Field("variant", max_length=100)


class FrameIn(PdqIn):
    """One vPDQ frame."""

    t: JsonNumber = Field(0.0, ge=0)
    frame: JsonInt = Field(0, ge=0, le=INT64_MAX)


class SignalsIn(BaseModel):
    """Signals computed by the client (e.g. the output of ``POST /hash`` or `rempart hash`).

    ``orb`` is accepted so that a hash record can be posted as is, but ignored: local-feature
    matching needs the pixels (upload the media instead).
    """

    model_config = ConfigDict(extra="ignore")

    pdq: Annotated[str, Field(pattern=HEX_PDQ)] | PdqIn | None = None
    pdq_variants: list[Annotated[str, Field(pattern=HEX_PDQ)] | PdqVariantIn] = Field(
        default_factory=list, max_length=64)
    md5: str | None = Field(None, pattern=HEX_MD5)
    sha256: str | None = Field(None, pattern=HEX_SHA256)
    vpdq: str | list[FrameIn | str] | None = Field(None, description=(
        "Frames as objects (the `POST /hash` record), or python-threatexchange's forms."))
    orb: str | None = None
    banks: list[str] | None = Field(None, description="Only these banks (allowlists always).")


class PdqOut(BaseModel):
    """A PDQ hash and its quality (0-100)."""

    hash: str
    quality: int


class PdqVariantOut(PdqOut):
    """The PDQ of a transformed view: ``rot90``, ``flipx``, ``trim``, ``region-…``."""

    variant: str


class FrameOut(PdqOut):
    """One sampled video frame: its time (seconds), number and PDQ."""

    t: float
    frame: int


class HashOut(BaseModel):
    """Every signal kept of one media item (the `rempart hash --jsonl` record without
    ``path``); ``error`` says why an item could not be hashed (its other fields are then
    empty)."""

    kind: str
    md5: str
    sha256: str
    size: int
    format: str | None
    width: int | None
    height: int | None
    pdq: PdqOut | None
    pdq_variants: list[PdqVariantOut]
    vpdq: list[FrameOut]
    orb: str | None
    duration: float | None
    error: str | None
    warnings: list[str]


class MatchOut(BaseModel):
    """One media item's matches (the `rempart match --jsonl` record without ``path``)."""

    kind: str
    sha256: str
    matches: list[dict[str, Any]]
    error: str | None = None
    allowlisted: list[dict[str, Any]] | None = None
    suppressed: int | None = None
    ignored: list[str] | None = None


# --- text ----------------------------------------------------------------------------------


MAX_TEXT = 100_000
MAX_TEXT_BATCH = 1000


def _one_of_text(schema: dict[str, Any]) -> None:
    for name in ("text", "texts"):
        schema["properties"][name].pop("default", None)  # absent, never null
    schema["oneOf"] = [{"required": ["text"]}, {"required": ["texts"]}]


class TextIn(BaseModel):
    """One text (``text``) or a batch (``texts``, at most ``http.max_text_batch``), not both."""

    model_config = ConfigDict(json_schema_extra=_one_of_text)

    text: Annotated[str, Field(max_length=MAX_TEXT)] | SkipJsonSchema[None] = None
    texts: (Annotated[list[Annotated[str, Field(max_length=MAX_TEXT)]],
                      Field(max_length=MAX_TEXT_BATCH)]
            | SkipJsonSchema[None]) = None

    @field_validator("text", "texts", mode="before")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("leave the field out rather than sending null")
        return value

    @model_validator(mode="after")
    def _exactly_one(self) -> TextIn:
        if (self.text is None) == (self.texts is None):
            raise ValueError("give exactly one of 'text' or 'texts'")
        return self


class TextOut(BaseModel):
    """The verdict of ``text``, or the verdicts of ``texts`` in order."""

    verdict: dict[str, Any] | None = None
    verdicts: list[dict[str, Any]] | None = None


# --- banks ---------------------------------------------------------------------------------


BANK_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}$"


class BankIn(BaseModel):
    """A bank to create."""

    name: str = Field(pattern=BANK_NAME, description="Letters, digits and `_.:-`.")
    kind: BankKind = BankKind.MODERATOR
    policy: BankPolicy | None = None
    pdq_threshold: JsonInt = Field(31, ge=0, le=256)
    vpdq_threshold: JsonInt = Field(31, ge=0, le=256)
    description: str = Field("", max_length=2000)


class BankOut(BaseModel):
    """A bank with its entry counts by status."""

    name: str
    kind: str
    policy: str
    pdq_threshold: int
    vpdq_threshold: int
    vpdq_query_match_percent: float
    vpdq_index_match_percent: float
    enabled: bool
    description: str
    created_at: str
    entries: dict[str, int]


class BankDeletedOut(BaseModel):
    """A bank removed, with how many entries were tombstoned."""

    name: str
    removed_entries: int


class SignalIn(BaseModel):
    """One signal to bank, with optional provenance (same fields as an import row)."""

    model_config = ConfigDict(extra="allow")

    signal_type: str
    signal_value: str | list[Any]
    content_group: str | None = None
    quality: JsonInt | None = None
    source: str | None = None
    external_id: str | None = None
    case_id: str | None = None
    labels: list[str] | None = None
    metadata: dict[str, Any] | None = None


class SignalsBulkIn(BaseModel):
    """Signals to add in one transaction (all or nothing)."""

    signals: list[SignalIn]
    source: str | None = Field(None, description="Provenance for signals that give none.")


class ImportOut(BaseModel):
    """What an import or bulk add changed."""

    added: int
    duplicates: int
    removed: int
    ids: list[int]

    @classmethod
    def of(cls, o: ImportOutcome) -> ImportOut:
        return cls(added=len(o.added), duplicates=o.duplicates, removed=o.removed,
                   ids=list(o.added))


class MediaAddedOut(BaseModel):
    """The item banked from an upload: its content group and one entry per signal."""

    content_group: str
    entry_ids: list[int]
    sha256: str


class EntryOut(BaseModel):
    """A bank entry (the record of `rempart bank export --format jsonl`)."""

    model_config = ConfigDict(extra="allow")

    id: int
    signal_type: str
    signal_value: str
    status: str


class EntryRemovedOut(BaseModel):
    """How many entries a removal tombstoned (0 when already removed)."""

    removed: int


# --- tokens --------------------------------------------------------------------------------


def _known_scope(value: str) -> str:
    if value not in SCOPES:
        raise ValueError(f"unknown scope {value!r} (known: {', '.join(SCOPES)})")
    return value


Scope = Annotated[str, AfterValidator(_known_scope),
                  Field(json_schema_extra={"enum": list(SCOPES)})]


class TokenIn(BaseModel):
    """A token to create."""

    name: str = Field(min_length=1, max_length=200)
    scopes: list[Scope] = Field(min_length=1, max_length=len(SCOPES))
    # Bounds before the validator, or pydantic leaves them out of the schema.
    rate_per_second: Annotated[
        float, Field(gt=0, le=1e6), BeforeValidator(_json_number)] | None = None
    burst: Annotated[int, Field(ge=1, le=10**6), BeforeValidator(_json_number)] | None = None


class TokenOut(BaseModel):
    """A token, without its secret."""

    id: int
    name: str
    scopes: list[str]
    rate_per_second: float | None
    burst: int | None
    created_at: str
    revoked_at: str | None


class TokenCreatedOut(BaseModel):
    """A new token and its secret: shown this once, stored only as a hash."""

    token: TokenOut
    secret: str


class HealthOut(BaseModel):
    """Liveness and the state of the in-memory index."""

    status: str
    indexed: int
    seq: int
