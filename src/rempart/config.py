"""One typed settings object, read from the environment (``REMPART_*``) and CLI flags.

Example::

    >>> Settings(database_url="sqlite:///x.db").database_url
    'sqlite:///x.db'
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from rempart.core.hash_settings import HashLimits, HashSettings
from rempart.core.workflow import DEFAULT_DEADLINE_HOURS

# Defined in core (which takes plain values, never this module); re-exported for importers.
__all__ = ["BotSettings", "HashLimits", "HashSettings", "HttpSettings", "NoticeSettings",
           "RetentionSettings", "Settings", "WebSettings"]


class HttpSettings(BaseModel):
    """Limits and rhythms of the HTTP API (``rempart serve``)."""

    # Uploads are read into memory, never spooled to disk: this caps one request body.
    max_upload_bytes: int = 64 * 1024 * 1024
    max_json_bytes: int = 64 * 1024 * 1024
    max_bulk_signals: int = 100_000
    max_text_batch: int = 1000
    # How often the server follows the banks' change feed (new/withdrawn hashes, seconds).
    refresh_seconds: float = 0.5
    # Past this many seconds without a successful read of the change feed (or right after a
    # failed one), matching cannot be trusted: match routes answer 503 and /readyz fails.
    feed_stale_seconds: float = 5.0
    # Keys the opaque entry ids shown to integrators (HMAC of the entry id); falls back to
    # web.session_secret, then to a secret generated once and kept in the database.
    entry_id_secret: str | None = None
    # Token bucket per API token unless the token sets its own; shared by every process (each
    # takes leases of about rate × rate_lease_seconds tokens from the shared bucket).
    rate_per_second: float = 50.0
    rate_burst: int = 100
    rate_lease_seconds: float = 0.2
    # Proxies (addresses or networks) whose X-Forwarded-For is believed, read right to left:
    # the client is the first address that is not one of them. [] believes no header.
    trusted_proxies: list[str] = Field(default_factory=lambda: ["127.0.0.1", "::1"])
    # A revoked token stops working within this many seconds.
    token_cache_seconds: float = 5.0


class NoticeSettings(BaseModel):
    """Notice-and-action: deadlines per category (hours), appeal window, public intake rate."""

    # csam (and any notice flagged as imminent danger) is escalated: due on arrival.
    deadline_hours: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_DEADLINE_HOURS))
    escalated_categories: list[str] = Field(default_factory=lambda: ["csam"])
    appeal_window_months: int = Field(default=6, ge=6)  # DSA art. 20(1): at least six months
    # Public notices per client IP: a token bucket (per minute, burst).
    public_rate_per_minute: float = 10.0
    public_burst: int = 5


class WebSettings(BaseModel):
    """The console's sessions (``rempart serve``)."""

    # Keys the victim portal's proof-of-work challenges (console sessions live in the database);
    # when unset, a secret generated once and kept in the database (every process shares it).
    session_secret: str | None = None
    session_hours: float = 8.0
    # A console session unused this long ends (server-side; the absolute limit is session_hours).
    session_idle_minutes: float = 30.0
    # Secure cookies: None = when the request came over HTTPS (set True behind a TLS proxy).
    cookie_secure: bool | None = None
    # The victim portal (/protect): items per case, proof-of-work cost, registrations per address.
    protect_max_items: int = 50
    protect_pow_bits: int = 16
    protect_challenge_seconds: int = 600
    protect_rate_per_minute: float = 2.0
    protect_burst: int = 10
    # The public report form (/report): proof-of-work cost (zero bits) like the portal's.
    report_pow_bits: int = 16
    # Sign-in: attempts per client address, and the lockout of an account after
    # login_max_failures failed attempts within login_failure_window_minutes.
    login_rate_per_minute: float = 10.0
    login_burst: int = 10
    login_max_failures: int = 10
    login_failure_window_minutes: float = 15.0
    login_lockout_minutes: float = 15.0
    # Registrations act alone only once a moderator confirms them (their case or a sighting).
    # True makes every registration act at once (delete, restrict, ban): only for a deployment
    # whose helpline verifies each victim before giving her access; see docs/threat-model.md.
    protect_trust_registrations: bool = False


class BotSettings(BaseModel):
    """The Telegram bot (``rempart bot``); the token comes from ``REMPART_TELEGRAM_TOKEN``."""

    api_url: str = "https://api.telegram.org/bot"
    file_url: str | None = None  # default: derived from api_url (``.../file/bot``)
    # Cloud Bot API: 20 MB; a self-hosted telegram-bot-api server in --local mode has none.
    download_limit_bytes: int = 20 * 1024 * 1024
    poll_timeout_seconds: int = 30
    hash_workers: int = 2  # threads hashing downloaded media
    concurrency: int = 16  # updates handled at once (one at a time per chat, in order)
    global_calls_per_second: float = 30.0
    chat_messages_per_second: float = 1.0
    group_messages_per_minute: int = 20
    album_seconds: float = 300.0  # how long album members are remembered
    # One update's handling (downloads, hashing, decision) fails clearly after this long.
    update_timeout_seconds: float = 120.0
    # A failed update or Bot API call is tried this many times (backoff from 5 s to 1 h).
    action_attempts: int = 8
    stop_grace_seconds: float = 5.0  # on SIGTERM, work in flight may finish for this long
    max_pending_updates: int = 1000  # updates held in memory before polling waits
    # Default per-chat policy (keys of core.bot_policy.ChatPolicy), e.g. {"strikes_to_ban": 2}.
    chat_defaults: dict[str, Any] = Field(default_factory=dict)


class MatrixSettings(BaseModel):
    """The Matrix bot (``rempart matrix-bot``): the per-room policy and the durable work are
    the Telegram bot's (``bot``); the password or token come from ``REMPART_MATRIX_PASSWORD`` or
    ``REMPART_MATRIX_TOKEN``, never from a file."""

    homeserver: str = ""  # https://matrix.example.org
    user_id: str = ""  # @rempart:example.org
    moderators_room: str | None = None  # !room:example.org, where alerts go (default for rooms)
    download_limit_bytes: int = 50 * 1024 * 1024  # Synapse's default max_upload_size
    sync_timeout_seconds: float = 30.0
    device_name: str = "rempart"
    # End-to-end encryption (with python-olm, `rempart[matrix-e2e]`): the device's keys are kept
    # here (keys, never media); empty: no encryption, encrypted rooms stay unreadable.
    store_path: str = "matrix-store"
    # Invitations accepted from users of these servers only ("*": any; empty: the bot's own).
    invite_servers: list[str] = Field(default_factory=list)
    # Pre-delivery check for Synapse (synapse-http-antispam) served by `rempart serve` when a
    # secret is set; media is read with REMPART_MATRIX_TOKEN. When the check cannot finish in
    # time: allow (fail open, the bot still checks the event) or refuse (fail closed).
    antispam_secret: str | None = Field(default=None, repr=False)
    antispam_timeout_seconds: float = Field(default=5.0, gt=0)
    antispam_fail_open: bool = True


class RetentionSettings(BaseModel):
    """How long personal data is kept before ``rempart purge`` deletes it (days); see
    docs/privacy.md. Victims' contact details are cleared when their case closes."""

    bot_messages_days: float = Field(default=30.0, gt=0)
    entry_hits_days: float = Field(default=7.0, gt=0)  # never below the flood window
    tombstones_days: float = Field(default=90.0, gt=0)
    closed_cases_days: float = Field(default=365.0, gt=0)
    sessions_days: float = Field(default=30.0, gt=0)
    login_failures_days: float = Field(default=30.0, gt=0)


class QueueSettings(BaseModel):
    """Background work on a broker (``rempart worker``); with no ``REMPART_BROKER_URL`` the same
    tasks run in the process that asks for them."""

    # A task is given back to the queue if its worker dies; on Redis, after this long unacked.
    visibility_timeout_seconds: float = Field(default=600.0, gt=0)
    prefetch: int = Field(default=1, ge=1)  # tasks a worker process reserves ahead
    task_attempts: int = Field(default=5, ge=1)  # a task failing this often is dead-lettered
    # Prepended to every queue's name: several deployments (or test runs) on one broker.
    prefix: str = Field(default="", max_length=64, pattern=r"^[A-Za-z0-9_.-]*$")


class ScheduleSettings(BaseModel):
    """Periods of the beat's work (``rempart beat``), in seconds; 0 leaves a task off."""

    exchanges_seconds: float = Field(default=3600.0, ge=0)  # fetch every exchange, feedback
    statements_seconds: float = Field(default=0.0, ge=0)  # Transparency Database (opt in)


class Settings(BaseSettings):
    """Everything Rempart is configured with; ``app.build(settings)`` wires it."""

    model_config = SettingsConfigDict(env_prefix="REMPART_", env_nested_delimiter="__")

    database_url: str = "sqlite:///rempart.sqlite3"
    # Flood guard: a bank entry matching this many distinct uploads, places (chats, API
    # clients) or senders within the window is put on hold for review instead of acted upon,
    # and a moderator is told (see core/flood.py).
    flood_max_distinct_uploads: int = 50
    flood_max_distinct_places: int = 25
    flood_max_distinct_senders: int = 50
    flood_window_seconds: float = 3600.0
    # Frozen dataclasses of core, validated here field by field like the models
    # (REMPART_HASHING__VIDEO_FPS=2, REMPART_HASHING__LIMITS__MAX_BYTES=1000000).
    hashing: HashSettings = Field(default_factory=HashSettings)
    http: HttpSettings = Field(default_factory=HttpSettings)
    notices: NoticeSettings = Field(default_factory=NoticeSettings)
    bot: BotSettings = Field(default_factory=BotSettings)
    matrix: MatrixSettings = Field(default_factory=MatrixSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    retention: RetentionSettings = Field(default_factory=RetentionSettings)
    # Shared rate limits in Redis (REMPART_REDIS_URL, redis://host:6379/0) instead of the
    # database.
    redis_url: str | None = None
    # The task broker (redis://host:6379/1 or amqp://user:pass@host:5672//); None: in-process.
    broker_url: str | None = None
    queue: QueueSettings = Field(default_factory=QueueSettings)
    schedule: ScheduleSettings = Field(default_factory=ScheduleSettings)
    workers: int = 0
    # The EU Transparency Database (REMPART_TDB_URL): production, or the sandbox given at
    # onboarding; its token is REMPART_TDB_TOKEN, read only when statements are sent.
    tdb_url: str = "https://transparency.dsa.ec.europa.eu"
