"""The matching index: exact Hamming radius search over 256-bit PDQ hashes.

``PdqIndex`` (pdq_index.py) is the index; ``brute.radius_search`` the oracle it is tested
against; ``hexcodec`` converts 64-hex strings to ``uint8[n, 32]`` arrays in bulk.

Example::

    >>> import numpy as np
    >>> index = PdqIndex()
    >>> index.add(np.array([7]), hex_to_hashes(["f" * 64]))
    >>> index.query("f" * 63 + "e", radius=31)
    [(7, 1)]
"""

from rempart.core.index.brute import hamming_distances, radius_search
from rempart.core.index.hexcodec import as_hash_array, hashes_to_hex, hex_to_hash, hex_to_hashes
from rempart.core.index.pdq_index import DEFAULT_RADIUS, Match, PdqIndex
from rempart.core.index.persist import IndexFormatError

__all__ = [
    "DEFAULT_RADIUS",
    "IndexFormatError",
    "Match",
    "PdqIndex",
    "as_hash_array",
    "hamming_distances",
    "hashes_to_hex",
    "hex_to_hash",
    "hex_to_hashes",
    "radius_search",
]
