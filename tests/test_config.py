"""Settings from the environment: the hashing part (core dataclasses) validated like the rest."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from rempart.config import HashLimits, HashSettings, Settings
from rempart.core import hash_settings


def test_config_reexports_the_core_types() -> None:
    assert (HashLimits, HashSettings) == (hash_settings.HashLimits, hash_settings.HashSettings)
    assert Settings().hashing == hash_settings.HashSettings()


def test_nested_hashing_variables_are_read_and_converted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REMPART_HASHING__VIDEO_FPS", "2")
    monkeypatch.setenv("REMPART_HASHING__ROBUST", "false")
    monkeypatch.setenv("REMPART_HASHING__LIMITS__MAX_BYTES", "1000000")
    monkeypatch.setenv("REMPART_HASHING__LIMITS__MAX_VIDEO_SECONDS", "60")
    hashing = Settings().hashing
    assert isinstance(hashing, hash_settings.HashSettings)
    assert isinstance(hashing.limits, hash_settings.HashLimits)
    assert (hashing.video_fps, hashing.robust) == (2.0, False)
    assert (hashing.limits.max_bytes, hashing.limits.max_video_seconds) == (1_000_000, 60.0)
    assert hashing.limits.max_pixels == HashLimits().max_pixels  # the others keep defaults


@pytest.mark.parametrize(
    ("name", "value", "where"),
    [
        ("REMPART_HASHING__LIMITS__MAX_BYTES", "lots", "hashing.limits.max_bytes"),
        ("REMPART_HASHING__LIMITS__MAX_PIXELS", "0", "hashing.limits"),
        ("REMPART_HASHING__VIDEO_FPS", "-1", "hashing"),
    ],
)
def test_bad_hashing_variables_are_refused_with_their_place(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, where: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as error:
        Settings()
    assert where in str(error.value)


def test_hashing_given_as_a_mapping_or_as_core_values() -> None:
    from_dict = Settings.model_validate({"hashing": {"limits": {"max_pixels": "500"}}}).hashing
    assert from_dict.limits.max_pixels == 500
    given = HashSettings(video_fps=3.0)
    assert Settings(hashing=given).hashing == given
