"""Renderings of an evidence package: the PDF (``pdf``) and the ZIP with its manifest
(``bundle``). Text only, never an image.

Example::

    data = evidence_zip(package)        # package.pdf, package.json, manifest.json, README.txt
"""

from __future__ import annotations

from pathlib import Path

from rempart.adapters.evidence.bundle import evidence_zip
from rempart.core.evidence_package import EvidencePackage

__all__ = ["evidence_zip", "render_pdf"]


def render_pdf(pkg: EvidencePackage, font_dirs: tuple[Path, ...] | None = None) -> bytes:
    """:func:`rempart.adapters.evidence.pdf.render_pdf`, imported on first use (a server that
    never builds a package does not keep reportlab in memory)."""
    from rempart.adapters.evidence import pdf

    return pdf.render_pdf(pkg, pdf.FONT_DIRS if font_dirs is None else font_dirs)
