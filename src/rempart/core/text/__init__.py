"""Text signals: label message texts that solicit or spread intimate images, child sexual abuse
material, doxxing, or advertise groups for them, with spans that explain each label.

Example::

    >>> from rempart.core.text import classify
    >>> classify("échange nudes d'ex").labels
    ('ncii_share',)
"""

from rempart.core.text.classify import classify, classify_batch
from rempart.core.text.normalise import MAX_CHARS
from rempart.core.text.verdict import LABELS, Span, TextVerdict

__all__ = ["LABELS", "MAX_CHARS", "Span", "TextVerdict", "classify", "classify_batch"]
