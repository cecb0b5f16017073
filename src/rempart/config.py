"""One typed settings object, read from the environment (``REMPART_*``) and CLI flags.

Example::

    >>> Settings(database_url="sqlite:///x.db").database_url
    'sqlite:///x.db'
"""

from __future__ import annotations

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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


class Settings(BaseSettings):
    """Everything Rempart is configured with; ``app.build(settings)`` wires it."""

    model_config = SettingsConfigDict(env_prefix="REMPART_", env_nested_delimiter="__")

    database_url: str = "sqlite:///rempart.sqlite3"
    # Flood guard: a bank entry matching this many distinct uploads within the window is put
    # on hold for review instead of acted upon (see core/flood.py).
    flood_max_distinct_uploads: int = 50
    flood_window_seconds: float = 3600.0
    hashing: HashSettings = Field(default_factory=HashSettings)
    workers: int = 0
