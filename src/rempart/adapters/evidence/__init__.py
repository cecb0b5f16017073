"""Renderings of an evidence package: the PDF (``pdf``) and the ZIP with its manifest
(``bundle``). Text only, never an image.

Example::

    data = evidence_zip(package)        # package.pdf, package.json, manifest.json, README.txt
"""

from __future__ import annotations

from rempart.adapters.evidence.bundle import evidence_zip
from rempart.adapters.evidence.pdf import render_pdf

__all__ = ["evidence_zip", "render_pdf"]
