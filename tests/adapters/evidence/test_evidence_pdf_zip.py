"""The evidence PDF and ZIP: rendered to PNG pages by pdftoppm (each page non-blank), text found
by pdftotext (case number, offences, PHAROS, accents, Cyrillic), user markup printed as typed,
no image anywhere, manifest hashes that verify, same bytes for the same package, and a PDF still
made without the DejaVu font. The victim's view, from the same full records, prints the
complaint fields and none of the senders, texts, neighbours or paths."""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import subprocess
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image

from evidence_support import NON_LATIN, TRICKY_TEXT, require_poppler
from rempart.adapters.evidence import evidence_zip, render_pdf
from rempart.adapters.evidence.bundle import MEMBERS
from rempart.core.evidence import (
    Audience,
    ModeratorEvidence,
    Neighbour,
    RegisteredItem,
    sort_timeline,
    timeline_entry,
)
from rempart.core.evidence_victim import victim_evidence

AT = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
CASE = "VIC-2026-000042"


def _package(language: str = "fr", entries: int = 12) -> ModeratorEvidence:
    findings = []
    for n in range(1, entries + 1):
        findings.append(timeline_entry(n, {
            "scan_id": "scan-1",
            "source": {"platform": "telegram", "chat_name": "Canal <i>démo</i>",
                       "chat_type": "public_channel", "chat_id": -1001000000001,
                       "message_id": 100 + n, "date_utc": f"2026-02-{n:02d}T09:15:00Z",
                       "sender_name": "Émetteur <u>fictif</u>", "sender_id": f"user{n}",
                       "link": f"https://t.me/demo/{100 + n}"},
            "media": {"path": f"photos/{n}.jpg", "kind": "photo", "media_kind": "image",
                      "sha256": hashlib.sha256(bytes([n])).hexdigest()},
            "matches": [{"bank": "victims", "signal": "pdq", "distance": n, "labels": ["victim"],
                         "content_group": "g", "bank_kind": "victim"}],
            "text": {"labels": ["ncii_request"]}, "links": [{"url": "https://t.me/+invite"}],
            "text_excerpt": f"{TRICKY_TEXT} {NON_LATIN} #{n}"},
            [Neighbour(99 + n, None, "Voisin", "user0", "avant <b>")] if n % 2 else None))
    registered = (RegisteredItem(1, AT, None, "a" * 64, "b" * 32, "c" * 64),)
    return ModeratorEvidence(CASE, language, AT, Audience("case", CASE, "mod-a"),  # type: ignore[arg-type]
                             sort_timeline(findings), registered)


def _text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "package.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True,
                          check=True)
    return done.stdout.decode()


def test_pdf_pages_render_and_hold_the_text(tmp_path: Path) -> None:
    require_poppler()
    pdf = render_pdf(_package())
    assert pdf.startswith(b"%PDF-")
    text = _text(pdf, tmp_path)
    pages = int(re.findall(r"page 1 / (\d+)", text)[0])
    assert pages >= 3
    for needle in (CASE, "226-2-1", "227-23", "223-1-1", "PHAROS", "3018", "NF Z67-147",
                   "café élève", NON_LATIN, "Paris", "UTC+01:00", "sha256sum"):
        assert needle in text, needle
    # markup typed by a user is printed as typed, not interpreted
    assert "<script>alert('x')</script>" in text and "<b>gras</b>" in text
    assert "Canal <i>démo</i>" in text
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(tmp_path / "package.pdf"),
                    str(tmp_path / "page")], check=True)
    pngs = sorted(tmp_path.glob("page-*.png"))
    assert len(pngs) == pages
    for png in pngs:
        with Image.open(png) as im:
            low, high = im.convert("L").getextrema()  # one band: two ints
        assert isinstance(low, int) and isinstance(high, int)
        assert low < 100 and high > 200, f"{png.name} looks blank"
    assert "page 1 / " in text and f"page {pages} / {pages}" in text
    assert text.count(CASE) >= pages  # the reference is on every page's header


def test_english_package(tmp_path: Path) -> None:
    require_poppler()
    text = _text(render_pdf(_package("en", entries=1)), tmp_path)
    assert "Evidence package" in text and "Where to file or report" in text
    assert "226-8-1" in text and "not known" in text


def test_no_image_in_the_pdf_or_the_zip() -> None:
    data = evidence_zip(_package())
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert tuple(archive.namelist()) == MEMBERS
        pdf = archive.read("package.pdf")
        for name in MEMBERS:
            member = archive.read(name)
            assert not member.startswith((b"\xff\xd8\xff", b"\x89PNG", b"GIF8", b"RIFF"))
    # no image XObject (the /ImageB… names of reportlab's ProcSet are only a legacy list)
    assert b"/Subtype /Image" not in pdf and b"/XObject" not in pdf and b"/DCTDecode" not in pdf


def test_pdfimages_finds_no_image(tmp_path: Path) -> None:
    require_poppler()
    if shutil.which("pdfimages") is None:
        pytest.skip("pdfimages not installed")
    path = tmp_path / "package.pdf"
    path.write_bytes(render_pdf(_package()))
    listed = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True,
                            check=True).stdout.splitlines()
    assert len(listed) == 2  # the header lines only


def test_manifest_hashes_verify_and_zip_is_deterministic() -> None:
    pkg = _package()
    data = evidence_zip(pkg)
    assert data == evidence_zip(pkg)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        assert [f["name"] for f in manifest["files"]] == ["package.pdf", "package.json"]
        for f in manifest["files"]:
            member = archive.read(f["name"])
            assert hashlib.sha256(member).hexdigest() == f["sha256"]
            assert len(member) == f["size"]
        readme = archive.read("README.txt").decode()
        assert "sha256sum package.pdf package.json" in readme
        assert hashlib.sha256(archive.read("manifest.json")).hexdigest() in readme
        package = json.loads(archive.read("package.json"))
        assert package["schema"] == "rempart.evidence/1" and package["reference"] == CASE
        assert archive.getinfo("package.pdf").date_time == (2026, 3, 2, 8, 30, 0)


def test_without_dejavu_helvetica_and_question_marks(tmp_path: Path) -> None:
    require_poppler()
    pdf = render_pdf(_package(entries=1), font_dirs=(tmp_path / "no-fonts",))
    assert b"RempartSans" not in pdf
    text = _text(pdf, tmp_path)
    assert "café élève" in text and NON_LATIN not in text and "??????" in text


@pytest.mark.parametrize("text", ["\x00\x1b[31m", "a" * 5000, "\u202eevil", "&amp; &lt;"])
def test_odd_text_renders(text: str, tmp_path: Path) -> None:
    entry = timeline_entry(1, {"source": {}, "text_excerpt": text})
    pdf = render_pdf(ModeratorEvidence("EVD-X", "fr", AT, Audience("selection"), (entry,)))
    assert pdf.startswith(b"%PDF-")


def test_victim_pdf_and_zip_hold_no_third_party(tmp_path: Path) -> None:
    require_poppler()
    full = _package("en", entries=3)
    pkg = victim_evidence(CASE, "en", AT, full.entries[:2], 5, full.registered, {"g": 1})
    pdf = render_pdf(pkg)
    text = _text(pdf, tmp_path)
    for needle in (CASE, "Sightings confirmed by a moderator", "5 possible sighting(s)",
                   "https://t.me/demo/101", "https://t.me/demo/102", "https://t.me/demo",
                   "Canal <i>démo</i>", "2026-02-01 10:15:00 (UTC+01:00)", "your image no. 1",
                   "distance 1", "226-2-1", "PHAROS"):
        assert needle in text, needle
    with zipfile.ZipFile(io.BytesIO(evidence_zip(pkg))) as archive:
        package = archive.read("package.json").decode()
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["schema"] == "rempart.evidence.victim/1"
    assert json.loads(package)["schema"] == "rempart.evidence.victim/1"
    for leak in ("Émetteur", "fictif", "user1", "user0", "Voisin", "avant", "photos/",
                 TRICKY_TEXT[:20], NON_LATIN, "https://t.me/demo/103", "+invite",
                 hashlib.sha256(bytes([1])).hexdigest(), "-1001000000001", "1000000001"):
        assert leak not in text, leak
        assert leak not in package, leak
