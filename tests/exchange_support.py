"""A StopNCII-shaped server on loopback, speaking FetchHashes as python-threatexchange's
client expects it (headers, ``startTimestamp``/``pageSize``/``nextPageToken``, the JSON of
``FetchHashesResponse``), with hostile modes for the limits' tests."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from loopback import loopback, reply

FETCH_KEY, SUBSCRIPTION_KEY = "fetch-key-s3cr3t-0001", "subscription-key-s3cr3t-0002"
FEEDBACK_KEY = "feedback-key-s3cr3t-0005"


@dataclass
class FakeStopNCII:
    records: list[dict[str, Any]] = field(default_factory=list)
    calls: list[dict[str, str]] = field(default_factory=list)
    feedback: list[dict[str, Any]] = field(default_factory=list)  # SubmitFeedback bodies
    mode: str = "normal"  # huge, endless, drip, redirect; refuse (feedback)
    url: str = ""

    def add(self, kind: str, value: str, ts: int, status: str = "Active",
            cases: dict[str, str] | None = None) -> None:
        self.records = [r for r in self.records if (r["signalType"], r["hashValue"])
                        != (kind, value)]
        self.records.append({"lastModtimestamp": ts, "signalType": kind, "hashValue": value,
                             "hashStatus": status, "caseNumbers": cases or {"c1": status},
                             "CSPFeedbacks": []})

    def page(self, query: dict[str, str]) -> dict[str, Any]:
        start, size = int(query["startTimestamp"]), int(query["pageSize"])
        offset = int(query.get("nextPageToken") or 0)
        if self.mode == "endless":
            return {"count": 0, "nextPageToken": str(offset + 1), "nextSetTimestamp": start,
                    "hasMoreRecords": True, "hashRecords": []}
        live = sorted((r for r in self.records if r["lastModtimestamp"] >= start),
                      key=lambda r: r["lastModtimestamp"])
        chunk = live[offset:offset + size]
        more = offset + size < len(live)
        top = max((r["lastModtimestamp"] for r in live), default=start - 1) + 1
        return {"count": len(chunk), "nextPageToken": str(offset + size) if more else None,
                "nextSetTimestamp": top, "hasMoreRecords": more, "hashRecords": chunk}


def _handler(fake: FakeStopNCII) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # quiet
            pass

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            fake.calls.append(query)
            if (self.headers.get("x-functions-key") != FETCH_KEY
                    or self.headers.get("Ocp-Apim-Subscription-Key") != SUBSCRIPTION_KEY):
                self._send(401, b'{"error": "unauthorized"}')
                return
            if parts.path != "/v1/FetchHashes":
                self._send(404, b"{}")
                return
            if fake.mode == "redirect":
                self.send_response(302)
                self.send_header("Location", "http://127.0.0.1:9/steal")
                self.end_headers()
                return
            if fake.mode in ("huge", "drip"):
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                try:
                    self.wfile.write(b'{"hashRecords": [' + b'"x",' * 10)
                    while True:  # never ends: the client must stop reading
                        if fake.mode == "drip":
                            time.sleep(0.2)
                            self.wfile.write(b" ")
                        else:
                            self.wfile.write(b'"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",' * 2000)
                except OSError:
                    return
            self._send(200, json.dumps(fake.page(query)).encode())

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if (self.headers.get("x-functions-key") != FEEDBACK_KEY
                    or self.headers.get("Ocp-Apim-Subscription-Key") != SUBSCRIPTION_KEY):
                self._send(401, b'{"error": "unauthorized"}')
            elif urlsplit(self.path).path != "/v1/SubmitFeedback":
                self._send(404, b"{}")
            elif fake.mode == "refuse":
                self._send(400, b'{"error": "bad request"}')
            else:
                fake.feedback.append(json.loads(body))
                self._send(200, b"{}")

        def _send(self, status: int, body: bytes) -> None:
            reply(self, status, body)

    return Handler


@contextmanager
def serve() -> Iterator[FakeStopNCII]:
    """A fake on 127.0.0.1 (an ephemeral port); ``fake.url`` is its base URL."""
    fake = FakeStopNCII()
    with loopback(_handler(fake)) as url:
        fake.url = f"{url}/v1"
        yield fake


NCMEC_USER, NCMEC_PASSWORD = "esp-user", "ncmec-pa55w0rd-0003"


@dataclass
class FakeNCMEC:
    """NCMEC's ``GET /v2/entries`` in the XML python-threatexchange parses (namespaced,
    ``images``/``videos`` with ``maxTimestamp``, ``deletedImage`` tombstones, ``paging/next``)."""

    entries: list[dict[str, Any]] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    page_size: int = 2
    url: str = ""

    def add(self, entry_id: str, kind: str, fingerprints: dict[str, str],
            deleted: bool = False) -> None:
        self.entries = [e for e in self.entries if e["id"] != entry_id]
        self.entries.append({"id": entry_id, "kind": kind, "fp": fingerprints,
                             "deleted": deleted})

    def page(self, query: dict[str, str]) -> bytes:
        offset = int(query.get("start") or 0)
        chunk = self.entries[offset:offset + self.page_size]
        more = offset + self.page_size < len(self.entries)
        images = "".join(_entry_xml(e) for e in chunk if e["kind"] == "image")
        videos = "".join(_entry_xml(e) for e in chunk if e["kind"] == "video")
        ts = "2026-01-01T00:00:00Z"
        paging = ""
        if more:
            nxt = (f"/v2/entries?from={query.get('from', '')}&amp;to={query.get('to', '')}"
                   f"&amp;start={offset + self.page_size}&amp;size={self.page_size}"
                   f"&amp;max={len(self.entries)}")
            paging = f"<paging><next>{nxt}</next></paging>"
        return (f'<?xml version="1.0" encoding="UTF-8"?><queryResult '
                f'xmlns="https://hashsharing.ncmec.org/hashsharing/v2">'
                f'<images count="1" maxTimestamp="{ts}">{images}</images>'
                f'<videos count="1" maxTimestamp="{ts}">{videos}</videos>{paging}'
                f'</queryResult>').encode()


def _entry_xml(e: dict[str, Any]) -> str:
    tag = ("deleted" + e["kind"].capitalize()) if e["deleted"] else e["kind"]
    fps = "".join(f"<{k}>{v}</{k}>" for k, v in e["fp"].items())
    return (f"<{tag}><id>{e['id']}</id><member id=\"42\">Example ESP</member>"
            f"<classification>A1</classification><fingerprints>{fps}</fingerprints></{tag}>")


def _ncmec_handler(fake: FakeNCMEC) -> type[BaseHTTPRequestHandler]:
    import base64

    expected = "Basic " + base64.b64encode(f"{NCMEC_USER}:{NCMEC_PASSWORD}".encode()).decode()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            fake.calls.append(self.path)
            if self.headers.get("Authorization") != expected:
                body, status = b"<error/>", 401
            elif parts.path != "/v2/entries":
                body, status = b"<error/>", 404
            else:
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                body, status = fake.page(query), 200
            reply(self, status, body, "application/xml")

    return Handler


@contextmanager
def serve_ncmec() -> Iterator[FakeNCMEC]:
    """A fake NCMEC environment on 127.0.0.1; ``fake.url`` is its base URL."""
    fake = FakeNCMEC()
    with loopback(_ncmec_handler(fake)) as url:
        fake.url = url
        yield fake
