"""Rempart: stop the spread of non-consensual intimate images in messaging groups.

Media are hashed in memory and dropped; only signals (hashes) and metadata are kept.
"""

__version__ = "0.1.0"
