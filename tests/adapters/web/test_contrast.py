"""The console's colours meet WCAG 2.1 AA contrast: 4.5:1 for text, 3:1 for borders and focus."""

from __future__ import annotations

import re

import pytest

from rempart.adapters.web import STATIC

CSS = (STATIC / "console.css").read_text(encoding="utf-8")
VARS = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{3,6})", CSS))


def _rgb(color: str) -> tuple[float, float, float]:
    value = VARS.get(color.removeprefix("var(--").removesuffix(")"), color).lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    r, g, b = (int(value[i:i + 2], 16) / 255 for i in (0, 2, 4))
    return r, g, b


def _luminance(color: str) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in _rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@pytest.mark.parametrize(("fg", "bg"), [
    ("fg", "bg"), ("muted", "bg"), ("accent", "bg"), ("danger", "bg"), ("#fff", "accent"),
    ("fg", "soft"), ("muted", "soft"), ("accent", "soft"), ("fg", "#fde8e8"), ("#fff", "fg"),
])
def test_text_contrast(fg: str, bg: str) -> None:
    assert contrast(fg, bg) >= 4.5, (fg, bg, round(contrast(fg, bg), 2))


@pytest.mark.parametrize(("fg", "bg"), [("line", "bg"), ("line", "soft"), ("focus", "fg")])
def test_borders_and_focus_contrast(fg: str, bg: str) -> None:
    assert contrast(fg, bg) >= 3.0, (fg, bg, round(contrast(fg, bg), 2))


def test_every_colour_variable_is_known() -> None:
    used = set(re.findall(r"var\(--([\w-]+)\)", CSS))
    assert used <= set(VARS), used - set(VARS)
