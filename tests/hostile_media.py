"""Generated hostile media for the tests: degenerate images and long, cheap videos.

``degenerate_images()`` gives a file name → bytes map of images that once crashed or could
crash a decoder or a signal (1×1, 1×N, N×1, 16-bit, palette, CMYK, alpha, animated,
EXIF-rotated, headers declaring huge sizes…). Nothing here shows anything real.
"""

from __future__ import annotations

import io
import struct
import zlib
from fractions import Fraction

import numpy as np
from PIL import Image


def _save(im: Image.Image, fmt: str, **kw: object) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **kw)
    return buf.getvalue()


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares ``width``×``height`` RGB pixels (a bomb's header)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr)
            + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + _png_chunk(b"IEND", b""))


def gif_declaring(width: int, height: int) -> bytes:
    """A GIF whose logical screen is ``width``×``height`` with one 1×1 frame."""
    head = b"GIF89a" + struct.pack("<HHBBB", width, height, 0x80, 0, 0) + b"\x00" * 3 + b"\xff" * 3
    frame = b"\x2c" + struct.pack("<HHHHB", 0, 0, 1, 1, 0) + b"\x02\x02\x44\x01\x00"
    return head + frame + b"\x3b"


def png_palette(colours: bytes | None) -> bytes:
    """A 4×4 palette PNG whose PLTE chunk holds ``colours`` (b"": none), or has no PLTE."""
    ihdr = struct.pack(">IIBBBBB", 4, 4, 8, 3, 0, 0, 0)
    plte = b"" if colours is None else _png_chunk(b"PLTE", colours)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + plte
            + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 20)) + _png_chunk(b"IEND", b""))


def gif_without_colours() -> bytes:
    """A 1×1 GIF with neither a global nor a local colour table."""
    head = b"GIF89a" + struct.pack("<HHBBB", 1, 1, 0, 0, 0)
    frame = b"\x2c" + struct.pack("<HHHHB", 0, 0, 1, 1, 0) + b"\x02\x02\x44\x01\x00"
    return head + frame + b"\x3b"


def jpeg_declaring(width: int, height: int) -> bytes:
    """An 8×8 JPEG whose frame header is patched to declare ``width``×``height``."""
    data = bytearray(_save(Image.new("RGB", (8, 8)), "JPEG"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def _exif_rotated() -> bytes:
    rng = np.random.default_rng(3)
    im = Image.fromarray((rng.random((60, 90, 3)) * 255).astype(np.uint8))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to display
    return _save(im, "JPEG", exif=exif.tobytes())


def _animated(fmt: str, size: tuple[int, int], count: int = 3) -> bytes:
    frames = [Image.new("RGB", size, (40 * i % 256, 255 - i, 90)) for i in range(count)]
    return _save(frames[0], fmt, save_all=True, append_images=frames[1:], duration=400)


def degenerate_images() -> dict[str, bytes]:
    """Degenerate and hostile images by file name; each must give hashes or a clear error."""
    import cv2

    rgb16 = (np.random.default_rng(1).random((40, 50, 3)) * 65535).astype(np.uint16)
    palette = Image.new("P", (3, 3), 1)
    palette.info["transparency"] = 1
    return {
        "one-pixel.png": _save(Image.new("RGB", (1, 1), "red"), "PNG"),
        "one-pixel.jpg": _save(Image.new("RGB", (1, 1), "red"), "JPEG"),
        "one-pixel.webp": _save(Image.new("RGB", (1, 1), "red"), "WEBP"),
        "one-pixel.gif": _save(Image.new("P", (1, 1)), "GIF"),
        "one-pixel.bmp": _save(Image.new("RGB", (1, 1)), "BMP"),
        "one-pixel.tiff": _save(Image.new("RGB", (1, 1)), "TIFF"),
        "one-by-n.png": _save(Image.new("RGB", (1, 3000), "blue"), "PNG"),
        "n-by-one.png": _save(Image.new("RGB", (20000, 1), "blue"), "PNG"),
        "two-by-two.png": _save(Image.new("RGB", (2, 2), "green"), "PNG"),
        "single-colour.png": _save(Image.new("RGB", (640, 480), (120, 120, 120)), "PNG"),
        "gray16.png": _save(Image.fromarray(np.full((40, 40), 60000, np.uint16)), "PNG"),
        "rgb16.png": cv2.imencode(".png", rgb16)[1].tobytes(),
        "float.tiff": _save(Image.fromarray(np.array([[np.nan, np.inf], [1, -5]], np.float32)),
                            "TIFF"),
        "palette-alpha.png": _save(palette, "PNG"),
        "cmyk.jpg": _save(Image.new("CMYK", (8, 8), (0, 50, 100, 0)), "JPEG"),
        "gray-alpha.png": _save(Image.new("LA", (1, 1)), "PNG"),
        "rgba.png": _save(Image.new("RGBA", (2, 1), (0, 0, 0, 0)), "PNG"),
        "transparent.png": _save(Image.new("RGBA", (64, 64), (255, 0, 0, 0)), "PNG"),
        "palette-no-colours.png": png_palette(b""),
        "palette-no-plte.png": png_palette(None),
        "gif-no-colours.gif": gif_without_colours(),
        "bilevel.png": _save(Image.new("1", (9, 1)), "PNG"),
        "int32.tiff": _save(Image.fromarray(np.full((3, 3), 2**31 - 1, np.int32)), "TIFF"),
        "rgba16.png": cv2.imencode(".png", np.zeros((5, 5, 4), np.uint16))[1].tobytes(),
        "cmyk.tiff": _save(Image.new("CMYK", (3, 1)), "TIFF"),
        "lab.tiff": _save(Image.new("LAB", (2, 2)), "TIFF"),
        "one-by-n.gif": _save(Image.new("P", (1, 5000)), "GIF"),
        "animated-1px.gif": _animated("GIF", (1, 1)),
        "animated-1px-many.gif": _animated("GIF", (1, 1), count=60),
        "animated-1px.webp": _animated("WEBP", (1, 1)),
        "exif-rotated.jpg": _exif_rotated(),
        "bomb-100k.png": png_declaring(100_000, 100_000),
        "bomb-9k.png": png_declaring(9000, 9000),
        "bomb-screen.gif": gif_declaring(65535, 65535),
        "bomb.jpg": jpeg_declaring(65000, 65000),
        "empty.png": b"",
        "truncated.png": _save(Image.new("RGB", (1, 1)), "PNG")[:30],
    }


def long_video(frames: int, *, size: int = 256, fps: int = 1) -> bytes:
    """An H.264 MP4 of ``frames`` frames at ``fps`` (a slowly moving gradient: low bitrate)."""
    import av
    from av.video.stream import VideoStream

    buf = io.BytesIO()
    yy, xx = np.mgrid[0:size, 0:size]
    with av.open(buf, mode="w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=fps)
        assert isinstance(stream, VideoStream)
        stream.width = stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.time_base = Fraction(1, fps)
        stream.options = {"preset": "ultrafast", "crf": "35"}
        for i in range(frames):
            plane = ((xx + yy // 2 + 2 * i) % 256).astype(np.uint8)
            pixels = np.ascontiguousarray(np.stack([plane, plane[::-1], plane.T], -1))
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts = i
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buf.getvalue()
