"""Signal types: one module each (``exact``, ``pdq``, ``vpdq``, ``orb``), names stable forever."""
