"""One typed settings object, read from the environment (``REMPART_*``) and CLI flags.

Example::

    >>> Settings(database_url="sqlite:///x.db").database_url
    'sqlite:///x.db'
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from rempart.core.workflow import DEFAULT_DEADLINE_HOURS


class HashLimits(BaseModel):
    """Limits that protect the hasher against hostile or huge media."""

    max_bytes: int = 200 * 1024 * 1024
    max_pixels: int = 64_000_000
    max_video_seconds: float = 3 * 3600.0
    max_video_frames: int = 20_000
    max_video_decoded_frames: int = 500_000


class HashSettings(BaseModel):
    """How media are turned into signals."""

    limits: HashLimits = Field(default_factory=HashLimits)
    video_fps: float = 1.0
    robust: bool = True


class HttpSettings(BaseModel):
    """Limits and rhythms of the HTTP API (``rempart serve``)."""

    # Uploads are read into memory, never spooled to disk: this caps one request body.
    max_upload_bytes: int = 64 * 1024 * 1024
    max_json_bytes: int = 64 * 1024 * 1024
    max_bulk_signals: int = 100_000
    max_text_batch: int = 1000
    # How often the server follows the banks' change feed (new/withdrawn hashes, seconds).
    refresh_seconds: float = 0.5
    # Token bucket per API token unless the token sets its own.
    rate_per_second: float = 50.0
    rate_burst: int = 100
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
    # random per process when unset (several workers need one: REMPART_WEB__SESSION_SECRET).
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


class BotSettings(BaseModel):
    """The Telegram bot (``rempart bot``); the token comes from ``REMPART_TELEGRAM_TOKEN``."""

    api_url: str = "https://api.telegram.org/bot"
    file_url: str | None = None  # default: derived from api_url (``.../file/bot``)
    # Cloud Bot API: 20 MB; a self-hosted telegram-bot-api server in --local mode has none.
    download_limit_bytes: int = 20 * 1024 * 1024
    poll_timeout_seconds: int = 30
    hash_workers: int = 2  # threads hashing downloaded media
    concurrency: int = 16  # updates of one batch handled at once
    global_calls_per_second: float = 30.0
    chat_messages_per_second: float = 1.0
    group_messages_per_minute: int = 20
    album_seconds: float = 300.0  # how long album members are remembered
    # Default per-chat policy (keys of core.bot_policy.ChatPolicy), e.g. {"strikes_to_ban": 2}.
    chat_defaults: dict[str, Any] = Field(default_factory=dict)


class Settings(BaseSettings):
    """Everything Rempart is configured with; ``app.build(settings)`` wires it."""

    model_config = SettingsConfigDict(env_prefix="REMPART_", env_nested_delimiter="__")

    database_url: str = "sqlite:///rempart.sqlite3"
    # Flood guard: a bank entry matching this many distinct uploads within the window is put
    # on hold for review instead of acted upon (see core/flood.py).
    flood_max_distinct_uploads: int = 50
    flood_window_seconds: float = 3600.0
    hashing: HashSettings = Field(default_factory=HashSettings)
    http: HttpSettings = Field(default_factory=HttpSettings)
    notices: NoticeSettings = Field(default_factory=NoticeSettings)
    bot: BotSettings = Field(default_factory=BotSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    workers: int = 0
