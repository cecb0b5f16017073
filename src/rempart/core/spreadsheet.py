"""Cells safe to open in a spreadsheet: text that Excel or LibreOffice would run as a formula.

A cell starting with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return, or their
full-width forms), even after spaces, gets a leading single quote (OWASP's advice on CSV
injection); ``restored`` takes that quote off again when a file we wrote is read back.

Example::

    >>> neutralise("=1+1"), neutralise(" @SUM(A1)"), neutralise("bonjour")
    ("'=1+1", "' @SUM(A1)", 'bonjour')
    >>> restored(neutralise("=1+1")), restored("'plain")
    ('=1+1', "'plain")
"""

from __future__ import annotations

FORMULA_STARTS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")


def _is_formula(text: str) -> bool:
    return bool(text) and (text[0] in FORMULA_STARTS or text.lstrip()[:1] in FORMULA_STARTS)


def neutralise(text: str) -> str:
    """``text`` with a leading quote when a spreadsheet would read it as a formula."""
    return "'" + text if _is_formula(text) else text


def restored(text: str) -> str:
    """The text that ``neutralise`` was given (other text unchanged)."""
    return text[1:] if text.startswith("'") and _is_formula(text[1:]) else text
