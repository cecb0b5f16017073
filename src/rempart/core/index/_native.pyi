from typing_extensions import Buffer

ABI: int

def build_table(
    hashes: Buffer, n: int, start: int, bits: int, width: int, perm: Buffer, offsets: Buffer
) -> None: ...
def query(
    hashes: Buffer,
    alive: Buffer,
    perm: Buffer,
    offsets: Buffer,
    n: int,
    bits: int,
    width: int,
    flips: bytes,
    query: Buffer,
    radius: int,
    max_candidates: int,
    out_pos: Buffer,
    out_dist: Buffer,
) -> int: ...
def scan(
    hashes: Buffer,
    alive: Buffer,
    n: int,
    query: Buffer,
    radius: int,
    out_pos: Buffer,
    out_dist: Buffer,
) -> int: ...
