"""Build the optional native kernel of the PDQ index (``rempart.core.index._native``).

Everything else is configured in pyproject.toml. The extension is optional: when no C compiler
is available the install still succeeds and the index uses its pure-numpy path.
"""

from __future__ import annotations

import platform

from setuptools import Extension, setup

_X86 = platform.machine().lower() in {"x86_64", "amd64", "i686", "x86"}

setup(
    ext_modules=[
        Extension(
            "rempart.core.index._native",
            sources=["src/rempart/core/index/_native.c"],
            extra_compile_args=["-O3", *(["-mpopcnt"] if _X86 else [])],
            optional=True,
        )
    ]
)
