"""The victim portal in a real browser: Playwright driving Debian's chromium against a uvicorn
server on loopback. Photos (generated, JPEG and PNG) are chosen with the file input; the page
hashes them and registers the case. Every request the page makes is recorded: none may carry
the images' bytes (a distinctive slice of each file, or the JPEG/PNG magic) nor be larger than
the signals need (16 KB). Server side, the stored PDQ of each item is within the matching
threshold (31 bits) of the server's own PDQ of the file. Skipped where chromium or playwright is
absent, except under ``CI=true`` where they must run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from web_support import served_url

from rempart.app import App, build
from rempart.bench.synthetic_images import photo_bytes
from rempart.config import Settings, WebSettings
from rempart.core.media_signals import analyze
from rempart.core.signals.pdq import distance
from rempart.services.banks import list_entries
from rempart.services.cases import VICTIM_BANK

pytestmark = pytest.mark.browser
MAX_REQUEST = 16 * 1024
MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")


@pytest.fixture
def served(sqlite_url: str) -> Iterator[tuple[App, str]]:
    app = build(Settings(database_url=sqlite_url, web=WebSettings(protect_pow_bits=10)))
    with served_url(app) as url:
        yield app, url
    app.close()


def test_only_signals_leave_the_browser(browser: Any, served: tuple[App, str],
                                        tmp_path: Path) -> None:
    app, base = served
    files: dict[Path, bytes] = {}
    for seed, size, fmt in ((41, (800, 600), "JPEG"), (42, (480, 640), "PNG"),
                            (43, (1024, 768), "JPEG")):
        data = photo_bytes(seed, size, fmt)
        path = tmp_path / f"photo{seed}.{fmt.lower()}"
        path.write_bytes(data)
        files[path] = data

    requests: list[tuple[str, str, bytes]] = []
    context = browser.new_context(base_url=base, locale="en-GB")
    try:
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.on("request", lambda r: requests.append(
            (r.method, r.url, r.post_data_buffer or b"")))
        page.goto("/protect?lang=en")
        page.set_input_files("#files", [str(p) for p in files])
        page.wait_for_function("() => document.querySelectorAll('#thumbs img').length === 3")
        assert all(src.startswith("blob:") for src in page.eval_on_selector_all(
            "#thumbs img", "els => els.map(e => e.src)"))
        page.click("#register")
        page.wait_for_selector("#result:not([hidden])")
        case = page.text_content("#case-number") or ""
        assert case.startswith("VIC-") and (page.text_content("#case-secret") or "")
        assert page.text_content("#case-items") == "3"
    finally:
        context.close()

    posts = [r for r in requests if r[0] == "POST"]
    assert [url[len(base):] for _, url, _ in posts] == ["/protect/register"]
    for method, url, body in requests:
        assert len(body) <= MAX_REQUEST, (method, url, len(body))
        for magic in MAGIC:
            assert magic not in body, (method, url)
        for data in files.values():
            middle = len(data) // 2
            assert data[middle:middle + 48] not in body, (method, url)
            assert data[-48:] not in body, (method, url)
    # Only the registration carries a body at all.
    assert [url for _, url, body in requests if body] == [base + "/protect/register"]

    # Server side: each file's SHA-256 is banked, with a PDQ close to the server's own.
    entries = list(list_entries(app.store, VICTIM_BANK))
    groups: dict[str, dict[str, str]] = {}
    for e in entries:
        if e.signal_type == "sha256" or (e.signal_type == "pdq"
                                         and "variant" not in e.provenance.metadata):
            groups.setdefault(e.content_group, {})[e.signal_type] = e.value
    by_sha = {g["sha256"]: g.get("pdq") for g in groups.values()}
    distances = []
    for data in files.values():
        server = analyze(data, app.matching.settings).hashes
        assert server.pdq is not None
        stored = by_sha.get(server.sha256)
        assert stored is not None, "the file's SHA-256 was not registered"
        d = distance(stored, server.pdq.hash)
        distances.append(d)
        assert d <= 31, d
    print(f"\nbrowser PDQ vs server PDQ of the same files: {distances} bits")
    app.matching.refresh()
    for data in files.values():
        assert {m.bank for m in app.matching.match_bytes(data).matches} == {VICTIM_BANK}
