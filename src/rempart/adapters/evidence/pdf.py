"""The evidence package as a PDF (reportlab): text only, every user string escaped.

Each view has its own timeline renderer: ``_entry`` shows a moderators' finding (sender, text,
neighbours, media), ``_sighting`` a victim's confirmed sighting (its allowlisted fields only).

reportlab's ``Paragraph`` reads a small markup language: every piece of user text goes through
``inert`` (XML-escaped, line breaks kept), so ``<b>`` or ``<script>`` in a message is printed as
typed. DejaVu Sans is embedded when installed (accents, Greek, Cyrillic…); without it the
standard Helvetica is used and characters it cannot show become ``?``. Every page carries the
reference, the generation time and "page N / M". The output is deterministic for the same
package (``invariant`` PDF: fixed internal dates and document id).

Example::

    data = render_pdf(package)          # bytes starting with b"%PDF-"
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from rempart.adapters.evidence.labels import label
from rempart.core.evidence import TimelineEntry
from rempart.core.evidence_json import law_json
from rempart.core.evidence_law import Language, localized
from rempart.core.evidence_package import EvidencePackage
from rempart.core.evidence_victim import VictimEvidence, VictimSighting

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/TTF"),
             Path("/usr/share/fonts/dejavu"))
MARGIN = 18 * mm


@cache
def fonts(search: tuple[Path, ...] = FONT_DIRS) -> tuple[str, str, bool]:
    """(regular, bold, unicode) font names: DejaVu Sans when found, else Helvetica."""
    for folder in search:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            pdfmetrics.registerFont(TTFont("RempartSans", str(regular)))
            pdfmetrics.registerFont(TTFont("RempartSans-Bold", str(bold)))
            return "RempartSans", "RempartSans-Bold", True
    return "Helvetica", "Helvetica-Bold", False


def printable(text: str, unicode: bool) -> str:
    """``text`` without control characters; non-cp1252 characters as ``?`` without Unicode."""
    kept = "".join(c if c in "\n\t" or c.isprintable() else "?" for c in text)
    if unicode:
        return kept
    return kept.encode("cp1252", "replace").decode("cp1252")


class _Styles:
    def __init__(self, unicode_fonts: tuple[str, str, bool]) -> None:
        regular, bold, self.unicode = unicode_fonts
        self.body = ParagraphStyle("body", fontName=regular, fontSize=9, leading=12,
                                   spaceAfter=3)
        self.small = ParagraphStyle("small", parent=self.body, fontSize=8, leading=10)
        self.quote = ParagraphStyle("quote", parent=self.body, leftIndent=8,
                                    backColor=colors.HexColor("#f2f2f2"), borderPadding=3)
        self.h1 = ParagraphStyle("h1", fontName=bold, fontSize=16, leading=20, spaceAfter=8)
        self.h2 = ParagraphStyle("h2", fontName=bold, fontSize=12, leading=15, spaceBefore=10,
                                 spaceAfter=5)
        self.h3 = ParagraphStyle("h3", fontName=bold, fontSize=10, leading=13, spaceBefore=8,
                                 spaceAfter=3)
        self.regular, self.bold = regular, bold

    def inert(self, text: str) -> str:
        """User text as Paragraph markup that shows exactly what was typed."""
        return escape(printable(text, self.unicode)).replace("\n", "<br/>")


def _footer(pkg: EvidencePackage, styles: _Styles) -> Callable[[Canvas, int, int], None]:
    stamp = pkg.generated_at.strftime("%Y-%m-%d %H:%M:%S UTC")
    lang = pkg.language
    head = printable(f"Rempart · {label('title', lang)} · {pkg.reference}", styles.unicode)
    foot_left = printable(f"{label('generated', lang)} {stamp}", styles.unicode)

    def draw(canvas: Canvas, page: int, total: int) -> None:
        width, height = A4
        canvas.saveState()
        canvas.setFont(styles.regular, 8)
        canvas.drawString(MARGIN, height - 12 * mm, head)
        canvas.drawString(MARGIN, 10 * mm, foot_left)
        canvas.drawRightString(width - MARGIN, 10 * mm,
                               f"{label('page', lang)} {page} / {total}")
        canvas.restoreState()
    return draw


def _numbered_canvas(draw: Callable[[Canvas, int, int], None]) -> type[Canvas]:
    class NumberedCanvas(Canvas):  # type: ignore[misc]
        """Keeps pages until the end to write "page N / M" on each."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # reportlab names it so
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for n, state in enumerate(self._pages, 1):
                self.__dict__.update(state)
                draw(self, n, total)
                super().showPage()
            super().save()
    return NumberedCanvas


def _facts(rows: Sequence[tuple[str, str]], s: _Styles) -> Table:
    data = [[Paragraph(escape(k), s.small), Paragraph(v, s.small)] for k, v in rows]
    # Rows split across pages: a value longer than a page (a caption of 200 links) must not
    # stop the package (reportlab's LayoutError).
    table = Table(data, colWidths=[38 * mm, None], hAlign="LEFT", splitInRow=1)
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
                               ("LEFTPADDING", (0, 0), (-1, -1), 2)]))
    return table


def _entry(e: TimelineEntry, n: int, lang: Language, s: _Styles) -> list[Any]:
    unknown = escape(label("not_known", lang))

    def val(value: object) -> str:
        return unknown if value is None or value == "" else s.inert(str(value))

    chat = " · ".join(s.inert(str(x)) for x in (e.chat_name, e.chat_type, e.chat_id)
                      if x is not None) or unknown
    origin = label(f"origin_{e.origin}", lang) if e.origin in ("scan", "bot") else e.origin
    rows = [(label("origin", lang), s.inert(origin)),
            (label("platform", lang), val(e.platform)), (label("chat", lang), chat),
            (label("message", lang), val(e.message_id)), (label("link", lang), val(e.link))]
    if e.date_is_local:
        rows.append((label("date_local", lang), val(e.date_utc)))
    else:
        rows += [(label("date_utc", lang), val(e.utc_time)),
                 (label("date_paris", lang), val(e.paris_time))]
    sender = " · ".join(s.inert(x) for x in (e.sender_name, e.sender_id) if x) or unknown
    rows.append((label("sender", lang), sender))
    if e.forwarded_from:
        rows.append((label("forwarded", lang), val(e.forwarded_from)))
    if e.media_kind or e.media_sha256:
        media = " · ".join(s.inert(x) for x in (e.media_kind, e.media_path) if x)
        media += f"<br/>SHA-256 {val(e.media_sha256)}"
        if e.media_problem:
            media += f"<br/>{s.inert(e.media_problem)}"
        rows.append((label("media", lang), media))
    if e.matches:
        rows.append((label("matches", lang), "<br/>".join(
            s.inert(f"{m.bank} · {m.signal} · {label('distance', lang)} {m.distance}"
                    + (f" · {', '.join(m.labels)}" if m.labels else "")) for m in e.matches)))
    if e.review:
        rows.append((label("review", lang), s.inert(label(f"review_{e.review}", lang))))
    if e.text_labels:
        rows.append((label("labels", lang), s.inert(", ".join(e.text_labels))))
    if e.links:
        rows.append((label("links", lang), "<br/>".join(s.inert(x) for x in e.links)))
    out: list[Any] = [Paragraph(f"{n}. {escape(e.ref)}", s.h3), _facts(rows, s),
                      Paragraph(escape(label("text", lang)), s.small),
                      Paragraph(val(e.text), s.quote),
                      Paragraph(escape(label("neighbours", lang)), s.small)]
    if e.neighbours is None:
        out.append(Paragraph(unknown, s.small))
    else:
        for nb in e.neighbours:
            who = " · ".join(x for x in (nb.sender_name, nb.sender_id) if x) or "?"
            out.append(Paragraph(
                f"#{val(nb.message_id)} · {val(nb.date_utc)} · {s.inert(who)}: {val(nb.text)}",
                s.small))
    return out


def _sighting(e: VictimSighting, n: int, lang: Language, s: _Styles) -> list[Any]:
    """A victim's confirmed sighting: its allowlisted fields and nothing else."""
    unknown = escape(label("not_known", lang))

    def val(value: object) -> str:
        return unknown if value is None or value == "" else s.inert(str(value))

    origin = label(f"origin_{e.origin}", lang) if e.origin in ("scan", "bot") else e.origin
    rows = [(label("origin", lang), s.inert(origin)),
            (label("platform", lang), val(e.platform)), (label("chat", lang), val(e.chat_title))]
    if e.chat_link:
        rows.append((label("chat_link", lang), val(e.chat_link)))
    rows.append((label("link", lang), val(e.message_link)))
    if e.date_is_local:
        rows.append((label("date_local", lang), val(e.date_utc)))
    else:
        rows += [(label("date_utc", lang), val(e.utc_time)),
                 (label("date_paris", lang), val(e.paris_time))]
    if e.matches:
        rows.append((label("matches", lang), "<br/>".join(
            s.inert(f"{label('item', lang)} {m.item if m.item is not None else '?'} · {m.bank}"
                    f" · {m.signal} · {label('distance', lang)} {m.distance}")
            for m in e.matches)))
    return [Paragraph(f"{n}. {escape(e.ref)}", s.h3), _facts(rows, s)]


def _timeline(pkg: EvidencePackage, s: _Styles) -> list[Any]:
    lang = pkg.language
    if isinstance(pkg, VictimEvidence):
        out: list[Any] = [Paragraph(escape(label("sightings", lang)), s.h2),
                          Paragraph(escape(label("sightings_about", lang)), s.body)]
        if pkg.awaiting_review:
            out.append(Paragraph(escape(label("awaiting_review", lang).format(
                n=pkg.awaiting_review)), s.body))
        if not pkg.sightings:
            out.append(Paragraph(escape(label("no_sightings", lang)), s.body))
        for n, sighting in enumerate(pkg.sightings, 1):
            out += _sighting(sighting, n, lang, s)
        return out
    out = [Paragraph(escape(label("timeline", lang)), s.h2)]
    if not pkg.entries:
        out.append(Paragraph(escape(label("no_findings", lang)), s.body))
    for n, e in enumerate(pkg.entries, 1):
        out += _entry(e, n, lang, s)
    return out


def _story(pkg: EvidencePackage, s: _Styles) -> list[Any]:
    lang = pkg.language
    law = law_json(pkg.offences, lang)  # the legal texts in the package's language
    a = pkg.audience
    story: list[Any] = [Paragraph(escape(label("title", lang)), s.h1)]
    if a.kind == "victim_case":
        who = label("for_victim", lang).format(case=a.case_number or "?")
    elif a.kind == "case":
        who = label("for_case", lang).format(case=a.case_number or "?",
                                             who=a.requested_by or "?")
    else:
        who = label("for_selection", lang).format(who=a.requested_by or "?")
    story += [_facts([(label("reference", lang), s.inert(pkg.reference)),
                      (label("generated", lang),
                       pkg.generated_at.strftime("%Y-%m-%d %H:%M:%S UTC")),
                      (label("tool", lang), s.inert(pkg.tool)),
                      (label("for", lang), s.inert(who))], s),
              Spacer(1, 4), Paragraph(escape(label("no_media", lang)), s.body),
              Paragraph(escape(law["advice"]), s.body)]
    if pkg.registered:
        story.append(Paragraph(escape(label("registered", lang)), s.h2))
        for r in pkg.registered:
            line = f"#{r.number} · {r.registered_at:%Y-%m-%d %H:%M} UTC"
            if r.withdrawn_at:
                line += f" · {label('withdrawn', lang)} {r.withdrawn_at:%Y-%m-%d %H:%M} UTC"
            for name, value in (("SHA-256", r.sha256), ("MD5", r.md5), ("PDQ", r.pdq)):
                if value:
                    line += f"\n{name} {value}"
            story.append(Paragraph(s.inert(line), s.small))
    story += _timeline(pkg, s)
    story += [Paragraph(escape(label("offences", lang)), s.h2),
              Paragraph(escape(law["legal_notice"]), s.small)]
    for o in pkg.offences:
        state = label("suggested" if o.suggested else "possible", lang)
        story += [Paragraph(s.inert(f"Art. {o.offence.article} — "
                                    f"{localized(o.offence.title, lang)} ({state})"), s.h3),
                  Paragraph(s.inert(localized(o.offence.summary, lang)), s.body),
                  Paragraph(s.inert(f"{label('penalties', lang)} : "
                                    f"{localized(o.offence.penalties, lang)}"), s.body)]
    story.append(Paragraph(escape(label("where", lang)), s.h2))
    story += [Paragraph(f"<b>{s.inert(w['where'])}</b> — {s.inert(w['how'])}", s.body)
              for w in law["where_to_file"]]
    story.append(Paragraph(escape(label("constat", lang)), s.h2))
    story += [Paragraph(f"{'☐' if s.unicode else '[ ]'} {s.inert(c)}", s.body)
              for c in law["constat_checklist"]]
    story.append(Paragraph(escape(label("verify", lang)), s.h2))
    story += [Paragraph(f"<b>{s.inert(v['what'])}</b> — {s.inert(v['how'])}", s.body)
              for v in law["how_to_verify"]]
    return story


def render_pdf(pkg: EvidencePackage, font_dirs: tuple[Path, ...] = FONT_DIRS) -> bytes:
    """The package as PDF bytes (A4, text only)."""
    styles = _Styles(fonts(font_dirs))
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=20 * mm,
        bottomMargin=18 * mm, title=f"{label('title', pkg.language)} {pkg.reference}",
        author="Rempart", creator=pkg.tool, producer=pkg.tool, subject=pkg.reference,
        invariant=1, lang=pkg.language)
    doc.build(_story(pkg, styles), canvasmaker=_numbered_canvas(_footer(pkg, styles)))
    return buffer.getvalue()
