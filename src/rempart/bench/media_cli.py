"""`rempart bench hashing` and `rempart bench robustness`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rempart.bench.options import CoreWorkers

CorpusOpt = Annotated[
    Path | None, typer.Option(help="Folder of images/ and videos/ (default ../shared/corpus).")
]


def hashing(
    corpus: CorpusOpt = None,
    limit: Annotated[int, typer.Option(help="At most this many images.")] = 200,
    videos: Annotated[int, typer.Option(help="At most this many videos.")] = 10,
    processes: Annotated[
        bool,
        typer.Option(help="Also time `rempart hash` as a new process vs a plain pdqhash loop."),
    ] = True,
) -> None:
    """Images/s per core vs threatexchange's PdqSignal.hash_from_file; the whole `rempart hash`
    process vs a plain pdqhash loop, and where its time goes; video vs decode-only."""
    from rempart.bench.hashing import run

    run(corpus, limit=limit, max_videos=videos, processes=processes)


def robustness(
    corpus: CorpusOpt = None,
    limit: Annotated[int, typer.Option(help="At most this many originals.")] = 200,
    copies: Annotated[int, typer.Option(help="Edited copies per family and image.")] = 1,
    edits: Annotated[str, typer.Option(help="Comma-separated edit families (default all).")] = "",
    seed: Annotated[int, typer.Option(help="Seed of the edit parameters.")] = 0,
    workers: CoreWorkers = 0,
    end_to_end: Annotated[
        bool,
        typer.Option(help="Bank the originals in a database and run the matcher on the copies."),
    ] = False,
    jsonl: Annotated[Path | None, typer.Option(help="Also write per-copy results here.")] = None,
    video: Annotated[bool, typer.Option(
        "--video", help="Edited videos instead: recall per family vs plain vPDQ, false matches "
        "against the other clips and same-scene distractors.")] = False,
) -> None:
    """Recall per edit family and false matches: Rempart vs plain PDQ vs imagehash.phash."""
    if video:
        from rempart.bench.robustness_video import print_table
        from rempart.bench.robustness_video import run as run_video

        try:
            results = run_video(corpus, [e for e in edits.split(",") if e] or None, seed or 7)
        except ValueError as e:
            raise typer.BadParameter(str(e), param_hint="--edits") from None
        print_table(results)
        return
    from rempart.bench.robustness import run

    run(
        corpus,
        limit=limit,
        copies=copies,
        families=[e for e in edits.split(",") if e],
        seed=seed,
        workers=workers,
        end_to_end=end_to_end,
        jsonl=jsonl,
    )


def register(bench_app: typer.Typer) -> None:
    """Add the media benchmarks."""
    bench_app.command("hashing")(hashing)
    bench_app.command("robustness")(robustness)
