"""`rempart scan PATH...`: find banked images, solicitations and group links in Telegram exports
and media folders; findings are stored (resumable) and printed, reported in HTML or CSV.

Example::

    $ rempart scan ChatExport_2024-05-01/ --bank victims --report report.html --csv report.csv
    $ rempart scan --jsonl exports/*/ --username 1987654321=garden_club > findings.jsonl

Run the same command again after an interruption (Ctrl-C, kill, crash) to resume; once a scan
is complete, the same command prints its stored findings again (``--no-resume`` re-scans).

``--distributed`` hands the work to ``rempart worker`` processes through the broker, in batches
of items, and prints the same once they are done; the workers must reach the same database
and read the inputs at the same paths::

    $ export REMPART_BROKER_URL=redis://127.0.0.1:6379/1 REMPART_DATABASE_URL=postgresql+psycopg://…
    $ rempart worker --queues scan --concurrency 4        # on each machine
    $ rempart scan --distributed /shared/exports/*/ --report report.html
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, cast

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from rempart.adapters.cli.options import Db, fail, store_for
from rempart.adapters.cli.output import emit_jsonl, stderr
from rempart.adapters.reports import render_html, write_csv
from rempart.adapters.telegram_export import (
    ExportError,
    count_messages,
    is_telegram_export,
    read_folder_items,
    read_items,
)
from rempart.adapters.telegram_export.folder import IMAGE_SUFFIXES, VIDEO_SUFFIXES
from rempart.config import Settings
from rempart.core.items import Item
from rempart.core.scan_summary import ScanSummary, Summarizer
from rempart.services.matching import MatchService, MatchStore
from rempart.services.offline import ScanStore, scan_store
from rempart.services.scan import ScanInputError, ScanProgress, ScanResult, ScanService
from rempart.services.scan.distributed import BatchProgress, DistributedScan


class ExportSource:
    """Telegram Desktop exports (a folder or its ``result.json``) and plain media folders."""

    def __init__(self, usernames: dict[int, str] | None = None) -> None:
        self.usernames = usernames or {}

    def kind(self, path: Path) -> str:
        """``telegram_export`` or ``folder``."""
        if not path.exists():
            raise ScanInputError(f"{path}: no such file or folder")
        if path.is_file() or (path / "result.json").is_file() or is_telegram_export(path):
            return "telegram_export"
        if path.is_dir():
            return "folder"
        raise ScanInputError(f"{path}: neither a Telegram export nor a folder")

    def items(self, path: Path) -> Iterator[Item]:
        """The input's items; read errors become ScanInputError (after what could be read)."""
        try:
            if self.kind(path) == "folder":
                yield from read_folder_items(path)
            else:
                yield from read_items(path, usernames=self.usernames)
        except ExportError as exc:
            raise ScanInputError(str(exc)) from exc
        except OSError as exc:
            raise ScanInputError(f"{path}: {exc.strerror or exc}") from exc

    def count(self, path: Path) -> int | None:
        """Messages of an export, media files of a folder (``None`` when unknown)."""
        try:
            if self.kind(path) == "telegram_export":
                return count_messages(path)
            suffixes = IMAGE_SUFFIXES | VIDEO_SUFFIXES
            return sum(1 for _, _, files in os.walk(path) for name in files
                       if Path(name).suffix.lower() in suffixes)
        except (ExportError, OSError):
            return None  # reading will report it


def parse_usernames(values: list[str] | None) -> dict[int, str]:
    """``CHAT_ID=NAME`` options as {bare chat id: username}.

    >>> parse_usernames(["-1001987654321=@garden_club", "42=https://t.me/demo_chat"])
    {1987654321: 'garden_club', 42: 'demo_chat'}
    """
    out: dict[int, str] = {}
    for value in values or ():
        raw_id, sep, name = value.partition("=")
        raw_id, name = raw_id.strip(), name.strip().removeprefix("https://").removeprefix("t.me/")
        name = name.removeprefix("@").strip("/")
        if raw_id.startswith("-100"):
            raw_id = raw_id[4:]
        if not sep or not name or not raw_id.lstrip("-").isdigit():
            raise typer.BadParameter(f"expected CHAT_ID=NAME, got {value!r}",
                                     param_hint="--username")
        out[abs(int(raw_id))] = name
    return out


def scan_command(
    paths: Annotated[list[Path], typer.Argument(
        help="Telegram exports (folder or result.json) and media folders.")],
    bank: Annotated[list[str] | None, typer.Option(
        "--bank", help="Only these banks (repeat; default: every enabled bank).")] = None,
    jsonl: Annotated[bool, typer.Option(
        "--jsonl", help="Findings as JSON lines on stdout, then a summary line.")] = False,
    report: Annotated[Path | None, typer.Option(
        "--report", help="Write a self-contained HTML report here.")] = None,
    csv_out: Annotated[Path | None, typer.Option(
        "--csv", help="Write findings as CSV here.")] = None,
    db: Db = None,
    workers: Annotated[int, typer.Option(
        help="Worker processes hashing and matching media (0: one per core).")] = 0,
    resume: Annotated[bool, typer.Option(
        "--resume/--no-resume", help="Continue (or reuse) the scan started with the same "
        "arguments; --no-resume starts a new one.")] = True,
    username: Annotated[list[str] | None, typer.Option(
        "--username", help="CHAT_ID=NAME: public username of a chat, for t.me links (repeat).",
    )] = None,
    robust: Annotated[bool, typer.Option(
        "--robust/--no-robust", help="Match images on ORB local features too (catches crops "
        "and screenshots); --no-robust: PDQ and exact hashes only, several times faster.",
    )] = True,
    commit_seconds: Annotated[float, typer.Option(
        hidden=True, help="Seconds between commits (tests).")] = 2.0,
    distributed: Annotated[bool, typer.Option(
        "--distributed", help="Scan on `rempart worker` processes through the broker "
        "(they share the database and the inputs' paths).")] = False,
    broker: Annotated[str | None, typer.Option(
        "--broker", help="Broker URL for --distributed (default: REMPART_BROKER_URL).",
        show_default=False)] = None,
    batch_items: Annotated[int, typer.Option(
        help="--distributed: items per task.")] = 200,
    lease_seconds: Annotated[float, typer.Option(
        hidden=True, help="--distributed: silence after which batches are sent again.")] = 120.0,
) -> None:
    """Scan exports and folders: banked media, solicitations, invite links; resumable."""
    names = parse_usernames(username)
    if workers < 0:
        raise typer.BadParameter("must be >= 0", param_hint="--workers")
    for out in (report, csv_out):
        if out is not None and not out.parent.is_dir():
            raise typer.BadParameter(f"no such folder: {out.parent}", param_hint=str(out))
    settings = Settings()
    if broker:
        settings.broker_url = broker
    if distributed and not settings.broker_url:
        fail("--distributed needs a broker: set REMPART_BROKER_URL or --broker, and start "
             "`rempart worker` processes on the same database")
    source = ExportSource(names)
    with store_for(db) as store:
        known = {b.name for b in store.list_banks()}
        unknown = sorted(set(bank or ()) - known)
        if unknown:
            raise typer.BadParameter(f"unknown bank(s): {', '.join(unknown)}", param_hint="--bank")
        scans = scan_store(store)
        matcher = MatchService(cast(MatchStore, store), settings=settings.hashing)
        matcher.load()
        service = ScanService(store, scans, matcher, settings, source=source,
                              commit_seconds=commit_seconds)
        try:
            if distributed:
                coordinator = DistributedScan(service, _sender(settings),
                                              batch_items=batch_items,
                                              lease_seconds=lease_seconds)
                result = _run_distributed(coordinator, paths, bank, resume, names, robust)
            else:
                result = _run(service, source, paths, bank, workers, resume, names, robust)
        except KeyboardInterrupt:
            stderr.print("[yellow]interrupted[/]: what was scanned is saved; run the same "
                         "command again to resume.", highlight=False)
            raise typer.Exit(130) from None
        _output(result, scans, jsonl=jsonl, report=report, csv_out=csv_out)


def _run(service: ScanService, source: ExportSource, paths: list[Path], bank: list[str] | None,
         workers: int, resume: bool, names: dict[int, str], robust: bool) -> ScanResult:
    totals = {str(p.expanduser().resolve()): source.count(p) or 0
              for p in paths if p.exists()}
    done: dict[str, int] = {}
    columns = (TextColumn("[bold]scanning"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[media]} media, {task.fields[findings]} findings"),
               TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=stderr, transient=True) as bar:
        task = bar.add_task("scan", total=sum(totals.values()) or None, media=0, findings=0)

        def on_progress(p: ScanProgress) -> None:
            done[p.input] = p.position
            bar.update(task, completed=sum(done.values()), media=p.counters.get("media", 0),
                       findings=p.counters.get("findings", 0))

        result = service.scan(paths, bank or None, workers=workers, resume=resume,
                              progress=on_progress, usernames=names, robust=robust)
    _print_outcome(result)
    return result


def _sender(settings: Settings) -> Callable[[str, int], None]:
    """Sends the task of one batch of a distributed scan."""
    from rempart.adapters.worker import WorkerContext, make_celery
    from rempart.adapters.worker.scan_tasks import BATCH_TASK

    celery = make_celery(settings, WorkerContext(lambda: None))  # it only sends

    def send(scan_id: str, batch_id: int) -> None:
        celery.send_task(BATCH_TASK, args=[scan_id, batch_id])

    return send


def _run_distributed(coordinator: DistributedScan, paths: list[Path], bank: list[str] | None,
                     resume: bool, names: dict[int, str], robust: bool) -> ScanResult:
    columns = (TextColumn("[bold]scanning on workers"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[batches]} batches, {task.fields[media]} media, "
                          "{task.fields[findings]} findings"),
               TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=stderr, transient=True) as bar:
        task = bar.add_task("scan", total=None, batches="0/0", media=0, findings=0)

        def on_progress(p: BatchProgress) -> None:
            bar.update(task, completed=p.items, total=p.total or None,
                       batches=f"{p.batches_done}/{p.batches}",
                       media=p.counters.get("media", 0), findings=p.counters.get("findings", 0))

        result = coordinator.scan(paths, bank or None, resume=resume, progress=on_progress,
                                  usernames=names, robust=robust)
    _print_outcome(result)
    return result


def _print_outcome(result: ScanResult) -> None:
    c = result.counters
    how = "stored scan (same arguments)" if result.reused else (
        "resumed scan" if result.resumed else "scan")
    stderr.print(f"{how} {result.scan_id}: {c.get('messages', 0)} messages, "
                 f"{c.get('files', 0)} files, {c.get('media', 0)} media "
                 f"({c.get('media_hashed', 0)} hashed), {c.get('findings', 0)} findings"
                 + (f", {c['review_items']} sent to review" if c.get("review_items") else ""),
                 highlight=False, soft_wrap=True)
    for i in result.errors:
        message = str(i.error).removeprefix(f"{i.path}: ")
        stderr.print(f"[red]error[/] {i.path}: {message} (after {i.position} items)",
                     highlight=False, soft_wrap=True)


def _output(result: ScanResult, scans: ScanStore, *, jsonl: bool, report: Path | None,
            csv_out: Path | None) -> None:
    summarizer = Summarizer()
    for finding in scans.iter_findings(result.scan_id):
        summarizer.add(finding)
        if jsonl:
            emit_jsonl(finding)
    summary = summarizer.result()
    if jsonl:
        emit_jsonl({"summary": summary.to_json(), "scan": result.to_json()})
    else:
        _print_summary(summary, result)
    if csv_out is not None:
        with csv_out.open("w", encoding="utf-8", newline="") as f:
            write_csv(scans.iter_findings(result.scan_id), f)
        stderr.print(f"CSV written to {csv_out}", highlight=False)
    if report is not None:
        page = render_html(summary, scans.iter_findings(result.scan_id),
                           title=f"Rempart scan {result.scan_id}",
                           generated_at=datetime.now(UTC))
        report.write_text(page, encoding="utf-8")
        stderr.print(f"report written to {report}", highlight=False)


def _print_summary(summary: ScanSummary, result: ScanResult) -> None:
    t = summary.totals
    console = Console()
    console.print(f"scan {result.scan_id}: {t.matched_messages} messages with banked media "
                  f"({t.banked_contents} distinct contents) in {t.chats_with_matches} chat(s), "
                  f"{t.solicitation_messages} solicitations, "
                  f"{sum(t.links_by_kind.values())} links", highlight=False)
    table = Table("rank", "chat", "score", "banked", "solicitations", "groups advertised",
                  "why", box=None, title="Chats to report first")
    for chat in summary.chats[:10]:
        table.add_row(str(chat.rank), chat.name, f"{chat.score:g}", str(chat.matched_messages),
                      str(chat.solicitation_messages), str(chat.groups_advertised),
                      chat.reasons[0] if chat.reasons else "")
    if summary.chats:
        console.print(table)


def register(app: typer.Typer) -> None:
    """Add ``rempart scan``."""
    app.command("scan")(scan_command)
