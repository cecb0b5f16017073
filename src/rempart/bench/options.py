"""Options that several ``rempart bench`` commands take, declared once.

Example::

    def scan(workers: CoreWorkers = 0) -> None: ...
"""

from __future__ import annotations

from typing import Annotated

import typer

BankSize = Annotated[int, typer.Option("--n", help="PDQ hashes in the bank.")]
CoreWorkers = Annotated[int, typer.Option(help="Worker processes (0: one per core).")]
