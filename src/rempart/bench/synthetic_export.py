"""Synthetic Telegram Desktop exports for tests and ``rempart bench scan``.

Writes a realistic export folder (single-chat or full-account shape) with harmless,
procedurally generated JPEGs (gradients, shapes, noise) and, when given, re-encoded, cropped
and resized copies of "banked" images, whose places are returned as ground truth. Text
messages carry invite links (plain and obfuscated), forwards, service messages, placeholders
for files that were not downloaded, and (``hostile=True``) media paths that try to leave the
export folder. All names are fictional.

Fast enough for 20,000 messages with 5,000 photos in a few seconds: photos come from a small
pool of encoded images, each copy made byte-unique by a JPEG comment (same pixels, new bytes).

Example::

    export = make_export(tmp / "export", messages=20_000, photos=5_000,
                         banked=[Path("bank/a.jpg").read_bytes()])
    for item in read_items(export.root): ...
"""

from __future__ import annotations

import io
import json
import os
import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from PIL import Image, ImageDraw

Shape = Literal["single", "full"]
PHOTO_SIZE = (320, 240)
NOT_INCLUDED = "(File not included. Change data exporting settings to download.)"
TOO_LARGE = "(File exceeds maximum size. Change data exporting settings to download.)"
_START = 1_704_067_200  # 2024-01-01T00:00:00Z
_FIRST = ("Ari", "Bel", "Cyd", "Dov", "Eli", "Fen", "Gus", "Hal", "Ivo", "Jun", "Kit", "Lux")
_LAST = ("Quill", "Rook", "Sable", "Thorn", "Umber", "Vale", "Wren", "Yarrow", "Zephyr")
_WORDS = ("garden", "meeting", "tomorrow", "photos", "weekend", "coffee", "train", "music",
          "river", "project", "lunch", "market", "the", "a", "is", "see", "you", "at", "we",
          "new", "old", "blue", "quiet", "bright", "ticket", "notes", "draft", "later")
_BANK_TRANSFORMS = ("reencode_q70", "crop_5pct", "resize_80pct", "crop_resize_q60")


@dataclass(frozen=True, slots=True)
class Planted:
    """A copy of a banked image placed in the export: where it is and how it was altered."""

    message_id: int
    chat_id: int
    path: str
    banked_index: int
    transform: str


@dataclass(frozen=True, slots=True)
class SyntheticExport:
    """The export written by ``make_export`` (usable wherever a path is: ``os.fspath``)."""

    root: Path
    result_json: Path
    shape: Shape
    messages: int
    photos: int
    planted: tuple[Planted, ...]
    hostile_paths: tuple[str, ...]
    invite_hashes: tuple[str, ...]
    chat_ids: tuple[int, ...] = field(default=())

    def __fspath__(self) -> str:
        return str(self.root)

    def __truediv__(self, other: str) -> Path:
        return self.root / other


def make_export(dest: Path, *, messages: int, photos: int, banked: Sequence[bytes] = (),
                copies_per_banked: int = 3, seed: int = 0, shape: Shape = "single",
                legacy: bool = False, hostile: bool = True, pool: int = 48) -> SyntheticExport:
    """Write an export with ``messages`` messages, ``photos`` of which carry a JPEG photo.

    ``legacy`` writes the 2020 format (integer ``from_id``, no ``date_unixtime`` nor
    ``text_entities``). ``banked`` images (encoded bytes) get ``copies_per_banked`` altered
    copies each, counted among ``photos``.
    """
    if photos > messages:
        raise ValueError("photos must not exceed messages")
    if shape not in ("single", "full"):
        raise ValueError(f"shape must be 'single' or 'full', not {shape!r}")
    rng = random.Random(seed)
    dest.mkdir(parents=True, exist_ok=True)
    writer = _Writer(dest, rng, legacy=legacy, hostile=hostile, pool=pool, photos=photos)
    chats = _plan_chats(shape, messages, photos, rng)
    banked_jobs = [(i, t) for i, _ in enumerate(banked) for t in
                   (_BANK_TRANSFORMS * copies_per_banked)[:copies_per_banked]]
    banked_jobs = banked_jobs[:photos]
    writer.banked = [(i, t, _transform(banked[i], t)) for i, t in banked_jobs]
    result = dest / "result.json"
    with result.open("w", encoding="utf-8") as out:
        if shape == "single":
            chat = chats[0]
            out.write(_head(chat, indent=""))
            writer.write_messages(out, chat, indent=" ")
            out.write("\n ]\n}\n")
        else:
            out.write(_account_head())
            for section in ("chats", "left_chats"):
                group = [c for c in chats if c["section"] == section]
                out.write(f',\n "{section}": {{\n  "about": "This page lists all chats from '
                          f'this export.",\n  "list": [')
                for n, chat in enumerate(group):
                    out.write(("," if n else "") + "\n" + _head(chat, indent="   "))
                    writer.write_messages(out, chat, indent="     ")
                    out.write("\n    ]\n   }")
                out.write("\n  ]\n }")
            out.write("\n}\n")
    if hostile:
        writer.write_hostile_files()
    return SyntheticExport(dest, result, shape, messages, writer.photo_count,
                           tuple(writer.planted), tuple(writer.hostile_paths),
                           tuple(writer.invites), tuple(int(c["id"]) for c in chats))


def _plan_chats(shape: Shape, messages: int, photos: int,
                rng: random.Random) -> list[dict[str, Any]]:
    if shape == "single":
        return [{"section": "chat", "name": "Synthetic Garden Club", "type": "private_supergroup",
                 "id": 1_987_654_321, "dir": "", "messages": messages, "photos": photos}]
    plan = [("chats", "Synthetic Garden Club", "private_supergroup", 1_987_654_321, 0.70),
            ("chats", "Synthetic Announcements", "public_channel", 1_876_543_210, 0.15),
            ("chats", "Lux Vale", "personal_chat", 5_123_456_789, 0.05),
            ("chats", "Weekend Hikers", "private_group", 4_012_345_678, 0.05),
            ("left_chats", "Old Book Swap", "private_supergroup", 1_765_432_109, 0.05)]
    out: list[dict[str, Any]] = []
    left_m, left_p = messages, photos
    for n, (section, name, kind, chat_id, share) in enumerate(plan):
        last = n == len(plan) - 1
        m = left_m if last else min(left_m, round(messages * share))
        p = left_p if last else min(left_p, m, round(photos * share))
        left_m, left_p = left_m - m, left_p - p
        out.append({"section": section, "name": name, "type": kind, "id": chat_id,
                    "dir": f"chats/chat_{n + 1:03d}/", "messages": m, "photos": p})
    if left_p > 0:  # rounding: give the rest to the biggest chat
        out[0]["photos"] = min(out[0]["messages"], out[0]["photos"] + left_p)
    return out


def _head(chat: dict[str, Any], *, indent: str) -> str:
    inner = indent + " "
    return (f"{indent}{{\n{inner}\"name\": {json.dumps(chat['name'])},\n{inner}\"type\": "
            f"\"{chat['type']}\",\n{inner}\"id\": {chat['id']},\n{inner}\"messages\": [")


def _account_head() -> str:
    head = {"about": "Here is the data you requested (synthetic).",
            "personal_information": {"user_id": 4_000_000_001, "first_name": "Ivo",
                                     "last_name": "Thorn", "phone_number": "+00 000 000 000",
                                     "username": "@ivo_thorn_synthetic", "bio": ""},
            "contacts": {"about": "Synthetic contacts.",
                         "list": [{"user_id": 4_000_000_002 + i, "first_name": f,
                                   "last_name": "Rook", "phone_number": "+00 000 000 001",
                                   "date": "2023-05-01T10:00:00",
                                   "date_unixtime": "1682935200"}
                                  for i, f in enumerate(_FIRST)]}}
    text = json.dumps(head, ensure_ascii=False, indent=1)
    return text[: text.rstrip().rfind("}")].rstrip()


class _Writer:
    """Writes messages one by one (the JSON is never held whole) and the media beside them."""

    def __init__(self, root: Path, rng: random.Random, *, legacy: bool, hostile: bool,
                 pool: int, photos: int) -> None:
        self.root = root
        self.rng = rng
        self.legacy = legacy
        self.hostile = hostile
        self.pool = _image_pool(rng, min(pool, photos // 4 + 1))
        self.banked: list[tuple[int, str, bytes]] = []
        self.planted: list[Planted] = []
        self.hostile_paths: list[str] = []
        self.invites: list[str] = []
        self.photo_count = 0
        self.users = [(f"{f} {s}", 4_100_000_000 + i * 7919)
                      for i, (f, s) in enumerate((f, s) for f in _FIRST for s in _LAST)]
        self.made_dirs: set[Path] = set()

    def write_messages(self, out: Any, chat: dict[str, Any], *, indent: str) -> None:
        total, with_photo = int(chat["messages"]), int(chat["photos"])
        hostile_at = {1, 2, 3, 4} if self.hostile and chat["section"] != "left_chats" \
            and total > 12 else set()
        free = [i for i in range(1, total) if i not in hostile_at]
        photo_at = set(self.rng.sample(free, min(with_photo, len(free))))
        for n, msg in enumerate(self._messages(chat, total, photo_at, hostile_at)):
            out.write(("," if n else "") + "\n" + indent + json.dumps(msg, ensure_ascii=False))

    def _messages(self, chat: dict[str, Any], total: int, photo_at: set[int],
                  hostile_at: set[int]) -> Iterator[dict[str, Any]]:
        rng = self.rng
        channel = chat["type"].endswith("channel")
        for n in range(total):
            msg_id = n + 1
            when = _START + n * 37 + rng.randrange(30)
            msg: dict[str, Any] = {"id": msg_id, "type": "message",
                                   "date": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(when))}
            if not self.legacy:
                msg["date_unixtime"] = str(when)
            roll = rng.random()
            if n == 0 or (roll < 0.02 and not channel and n not in photo_at):
                yield self._service(msg, chat, n)
                continue
            name, uid = (chat["name"], chat["id"]) if channel else rng.choice(self.users)
            msg["from"] = name
            if self.legacy:
                msg["from_id"] = uid
            else:
                msg["from_id"] = f"channel{uid}" if channel else f"user{uid}"
            if rng.random() < 0.05:
                src_name, src_id = rng.choice(self.users)
                msg["forwarded_from"] = src_name
                if not self.legacy:
                    msg["forwarded_from_id"] = f"user{src_id}"
            text = self._text(rng)
            if n in hostile_at:
                self._hostile_media(msg, chat, n)
            elif n in photo_at:
                self._photo(msg, chat, msg_id, rng)
            elif roll < 0.04:
                msg.update({"photo": NOT_INCLUDED, "width": 1280, "height": 960})
            elif roll < 0.05:
                msg.update({"file": TOO_LARGE, "thumbnail": NOT_INCLUDED,
                            "media_type": "video_file", "mime_type": "video/mp4",
                            "duration_seconds": 95, "width": 1280, "height": 720})
            msg["text"] = text
            if not self.legacy:
                msg["text_entities"] = _entities(text)
            yield msg

    def _service(self, msg: dict[str, Any], chat: dict[str, Any], n: int) -> dict[str, Any]:
        msg["type"] = "service"
        actor, uid = self.rng.choice(self.users)
        msg["actor"], msg["actor_id"] = actor, uid if self.legacy else f"user{uid}"
        if n == 0:
            msg.update({"action": "create_group", "title": chat["name"], "members": [actor]})
        else:
            msg.update(self.rng.choice([
                {"action": "join_group_by_link", "inviter": "Group"},
                {"action": "invite_members", "members": [self.rng.choice(self.users)[0], None]},
                {"action": "pin_message", "message_id": max(1, n - 3)},
            ]))
        msg["text"] = ""
        if not self.legacy:
            msg["text_entities"] = []
        return msg

    def _text(self, rng: random.Random) -> Any:
        words = " ".join(rng.choice(_WORDS) for _ in range(rng.randrange(2, 14)))
        roll = rng.random()
        if roll < 0.03:
            invite = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789_-")
                             for _ in range(16))
            self.invites.append(invite)
            style = rng.randrange(4)
            if style == 0:
                return f"{words} https://t.me/+{invite}"
            if style == 1:
                return f"{words} t . me / + {invite}"
            if style == 2:
                return [f"{words} ", {"type": "text_link", "text": "join here",
                                      "href": f"https://t.me/joinchat/{invite}"}]
            return f"{words} t[.]me/+{invite}"
        if roll < 0.05:
            return [f"{words} ", {"type": "link", "text": "https://example.org/notes"}]
        if roll < 0.07:
            return [f"{words} ", {"type": "mention", "text": "@garden_club_synth"}]
        return words

    def _photo(self, msg: dict[str, Any], chat: dict[str, Any], msg_id: int,
               rng: random.Random) -> None:
        self.photo_count += 1
        stamp = time.strftime("%d-%m-%Y_%H-%M-%S", time.gmtime(_START + msg_id * 37))
        as_file = rng.random() < 0.05
        if as_file:  # an image sent "as file": a document with an image mime type
            rel = f"{chat['dir']}files/IMG_{self.photo_count:05d}.jpg"
            msg.update({"file": rel, "file_name": rel.rsplit("/", 1)[1],
                        "mime_type": "image/jpeg"})
        else:
            rel = f"{chat['dir']}photos/photo_{self.photo_count}@{stamp}.jpg"
            msg["photo"] = rel
        msg.update({"width": PHOTO_SIZE[0], "height": PHOTO_SIZE[1]})
        if self.banked:
            index, transform, data = self.banked.pop()
            self.planted.append(Planted(msg_id, int(chat["id"]), rel, index, transform))
        else:
            data = _unique(rng.choice(self.pool), self.photo_count)
        if not self.legacy:
            msg["file_size" if as_file else "photo_file_size"] = len(data)
        self._write(rel, data)

    def _hostile_media(self, msg: dict[str, Any], chat: dict[str, Any], n: int) -> None:
        rel = {1: "../outside-the-export.jpg", 2: "/nonexistent/rempart/absolute.jpg",
               3: f"{chat['dir']}photos/escape_link.jpg",
               4: f"{chat['dir']}photos/missing_photo.jpg"}[n]
        msg.update({"photo": rel, "width": PHOTO_SIZE[0], "height": PHOTO_SIZE[1]})
        self.hostile_paths.append(rel)

    def write_hostile_files(self) -> None:
        outside = os.path.abspath(self.root.parent / "rempart-outside-target.jpg")
        for rel in self.hostile_paths:
            if rel.endswith("escape_link.jpg"):
                link = self.root / rel
                link.parent.mkdir(parents=True, exist_ok=True)
                if not link.is_symlink():
                    # Points out of the export; the target need not exist to be refused.
                    os.symlink(outside, link)

    def _write(self, rel: str, data: bytes) -> None:
        path = self.root / rel
        if path.parent not in self.made_dirs:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.made_dirs.add(path.parent)
        path.write_bytes(data)


def _entities(text: Any) -> list[dict[str, Any]]:
    if isinstance(text, str):
        return [{"type": "plain", "text": text}]
    return [{"type": "plain", "text": p} if isinstance(p, str) else p for p in text]


def _image_pool(rng: random.Random, size: int) -> list[bytes]:
    """``size`` base images, each encoded at a few qualities (some cropped)."""
    np_rng = np.random.default_rng(rng.randrange(2**32))
    out: list[bytes] = []
    for n in range(max(1, size)):
        image = _base_image(np_rng, n)
        for quality in (92, 80, 65):
            out.append(_jpeg(image, quality))
        w, h = image.size
        out.append(_jpeg(image.crop((8, 6, w - 8, h - 6)).resize((w, h)), 85))
    return out


def _base_image(np_rng: np.random.Generator, n: int) -> Image.Image:
    w, h = PHOTO_SIZE
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    a, b, c = np_rng.uniform(-1, 1, 3)
    base = np.stack([(x / w * 255 * abs(a)), (y / h * 255 * abs(b)),
                     ((x + y) / (w + h) * 255 * abs(c))], axis=-1)
    if n % 3 == 2:
        base += np_rng.normal(0, 40, base.shape)
    image = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(int(np_rng.integers(2, 7))):
        x0, y0 = int(np_rng.integers(0, w - 40)), int(np_rng.integers(0, h - 40))
        x1, y1 = x0 + int(np_rng.integers(20, 160)), y0 + int(np_rng.integers(20, 120))
        color = tuple(int(v) for v in np_rng.integers(0, 256, 3))
        if np_rng.random() < 0.5:
            draw.ellipse((x0, y0, x1, y1), fill=color)
        else:
            draw.rectangle((x0, y0, x1, y1), fill=color)
    return image


def _jpeg(image: Image.Image, quality: int) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def _unique(jpeg: bytes, n: int) -> bytes:
    """The same JPEG with a comment segment naming copy ``n``: identical pixels, new bytes."""
    comment = f"rempart synthetic copy {n}".encode()
    segment = b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment
    return jpeg[:2] + segment + jpeg[2:]


def _transform(data: bytes, transform: str) -> bytes:
    """A banked image altered the way reposts alter images."""
    with Image.open(io.BytesIO(data)) as opened:
        image = opened.convert("RGB")
    w, h = image.size
    if transform == "reencode_q70":
        return _jpeg(image, 70)
    if transform == "crop_5pct":
        dx, dy = max(1, w // 20), max(1, h // 20)
        return _jpeg(image.crop((dx, dy, w - dx, h - dy)), 85)
    if transform == "resize_80pct":
        return _jpeg(image.resize((max(1, w * 4 // 5), max(1, h * 4 // 5))), 85)
    dx, dy = max(1, w // 33), max(1, h // 33)
    cropped = image.crop((dx, dy, w - dx, h - dy))
    return _jpeg(cropped.resize((max(1, w * 3 // 4), max(1, h * 3 // 4))), 60)
