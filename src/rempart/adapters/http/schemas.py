"""Request (``*In``) and response (``*Out``) models of the API, kept apart."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from rempart.core.banks import BankKind, BankPolicy

# --- matching ------------------------------------------------------------------------------


class PdqIn(BaseModel):
    """A PDQ hash as `rempart hash` prints it."""

    hash: str
    quality: int = Field(100, ge=0, le=100)


class PdqVariantIn(PdqIn):
    """A PDQ of a transformed view (rotation, trim, region...)."""

    variant: str = "variant"


class FrameIn(PdqIn):
    """One vPDQ frame."""

    t: float = Field(0.0, ge=0)
    frame: int = 0


class SignalsIn(BaseModel):
    """Signals computed by the client (e.g. the output of ``POST /hash`` or `rempart hash`).

    ``orb`` is accepted so that a hash record can be posted as is, but ignored: local-feature
    matching needs the pixels (upload the media instead).
    """

    model_config = ConfigDict(extra="ignore")

    pdq: str | PdqIn | None = None
    pdq_variants: list[str | PdqVariantIn] = Field(default_factory=list, max_length=64)
    md5: str | None = None
    sha256: str | None = None
    vpdq: str | list[FrameIn | str] | None = None
    orb: str | None = None
    banks: list[str] | None = Field(None, description="Only these banks (allowlists always).")


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


class TextIn(BaseModel):
    """One text (``text``) or a batch (``texts``)."""

    text: str | None = Field(None, max_length=100_000)
    texts: list[str] | None = None


class TextOut(BaseModel):
    """The verdict of ``text``, or the verdicts of ``texts`` in order."""

    verdict: dict[str, Any] | None = None
    verdicts: list[dict[str, Any]] | None = None


# --- banks ---------------------------------------------------------------------------------


class BankIn(BaseModel):
    """A bank to create."""

    name: str
    kind: BankKind = BankKind.MODERATOR
    policy: BankPolicy | None = None
    pdq_threshold: int = 31
    vpdq_threshold: int = 31
    description: str = ""


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
    quality: int | None = None
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


class TokenIn(BaseModel):
    """A token to create."""

    name: str = Field(min_length=1, max_length=200)
    scopes: list[str] = Field(min_length=1)
    rate_per_second: float | None = Field(None, gt=0)
    burst: int | None = Field(None, ge=1)


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
