"""The edits images go through when they are re-shared, for robustness benchmarks.

Each family draws its parameters from a seeded RNG, so runs are repeatable yet the same family
covers a range (a crop of 5 to 25 %, JPEG quality 30 to 90...).

Scenes (:data:`SCENES`) turn an original into a harder one to bank in the first place: a night
shot (dark, low contrast, sensor noise) or a foggy view (bright, washed out). The ``dark`` and
``foggy`` families re-share such a picture resized, captioned or cropped.

Example::

    >>> from PIL import Image
    >>> im = Image.new("RGB", (64, 48), "white")
    >>> apply_edit("mirror", im, random.Random(0)).size
    (64, 48)
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont, ImageOps

Edit = Callable[[Image.Image, random.Random], Image.Image]

_WORDS = (
    "regarde",
    "trop drôle",
    "lol",
    "envoyé depuis mon tel",
    "@compte_exemple",
    "rejoins le groupe",
    "c'est elle ?",
    "2024",
    "wsh",
    "partagez",
    "vu sur le canal",
)


def _jpeg(im: Image.Image, quality: int) -> Image.Image:
    buf = io.BytesIO()
    im.convert("RGB").save(buf, "JPEG", quality=quality)
    buf.seek(0)
    out = Image.open(buf)
    out.load()
    return out


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=max(8, size))


def _caption_text(rng: random.Random) -> str:
    return " ".join(rng.sample(_WORDS, 3))


def jpeg(im: Image.Image, rng: random.Random) -> Image.Image:
    """Re-compress at a JPEG quality between 30 and 90."""
    return _jpeg(im, rng.randint(30, 90))


def resize(im: Image.Image, rng: random.Random) -> Image.Image:
    """Resize by a factor between 1/4 and 2."""
    f = rng.choice((0.25, 0.33, 0.5, 0.75, 1.5, 2.0)) * rng.uniform(0.95, 1.05)
    w, h = im.size
    return _jpeg(
        im.resize((max(8, round(w * f)), max(8, round(h * f))), Image.Resampling.BILINEAR), 85
    )


def _crop_box(w: int, h: int, sides: dict[str, float]) -> tuple[int, int, int, int]:
    return (
        round(w * sides.get("left", 0)),
        round(h * sides.get("top", 0)),
        w - round(w * sides.get("right", 0)),
        h - round(h * sides.get("bottom", 0)),
    )


def crop_one_side(im: Image.Image, rng: random.Random) -> Image.Image:
    """Cut 5 to 25 % from one side."""
    side = rng.choice(("left", "right", "top", "bottom"))
    return _jpeg(im.crop(_crop_box(*im.size, {side: rng.uniform(0.05, 0.25)})), 85)


def crop_sides(im: Image.Image, rng: random.Random) -> Image.Image:
    """Cut 5 to 25 % in all from two to four sides (a screenshot crop, a re-framing)."""
    sides = rng.sample(("left", "right", "top", "bottom"), rng.randint(2, 4))
    total = rng.uniform(0.05, 0.25)
    weights = [rng.random() + 0.2 for _ in sides]
    amounts = {
        s: total * w / sum(weights) * (2 if len(sides) > 2 else 1)
        for s, w in zip(sides, weights, strict=True)
    }
    amounts = {s: min(a, 0.25) for s, a in amounts.items()}
    return _jpeg(im.crop(_crop_box(*im.size, amounts)), 85)


def mirror(im: Image.Image, rng: random.Random) -> Image.Image:
    """Horizontal mirror."""
    return _jpeg(ImageOps.mirror(im), 85)


def rotate(im: Image.Image, rng: random.Random) -> Image.Image:
    """Rotate by 90, 180 or 270 degrees."""
    t = rng.choice(
        (Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_180, Image.Transpose.ROTATE_270)
    )
    return _jpeg(im.transpose(t), 85)


def caption_band(im: Image.Image, rng: random.Random) -> Image.Image:
    """A text band over 10-20 % of the height, at top or bottom, over the image or added to it."""
    w, h = im.size
    bh = round(h * rng.uniform(0.10, 0.20))
    top = rng.random() < 0.5
    fill, ink = rng.choice((("white", "black"), ("black", "white"), ("#202020", "#f0f0f0")))
    if rng.random() < 0.5:  # band drawn over the image
        out = im.convert("RGB").copy()
        y0 = 0 if top else h - bh
    else:  # band added to the canvas (meme style)
        out = Image.new("RGB", (w, h + bh), fill)
        out.paste(im.convert("RGB"), (0, bh if top else 0))
        y0 = 0 if top else h
    d = ImageDraw.Draw(out)
    d.rectangle((0, y0, w, y0 + bh), fill=fill)
    d.text((w * 0.05, y0 + bh * 0.2), _caption_text(rng), fill=ink, font=_font(int(bh * 0.5)))
    return _jpeg(out, 85)


def watermark(im: Image.Image, rng: random.Random) -> Image.Image:
    """A semi-transparent handle written across the image."""
    out = im.convert("RGBA")
    layer = Image.new("RGBA", out.size, (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    w, h = out.size
    y = rng.uniform(0.1, 0.8) * h
    d.text(
        (w * 0.05, y),
        "@canal_exemple_" + str(rng.randint(10, 99)),
        fill=(255, 255, 255, 140),
        font=_font(int(h * 0.08)),
    )
    return _jpeg(Image.alpha_composite(out, layer), 85)


def pad(im: Image.Image, rng: random.Random) -> Image.Image:
    """Letterbox or pillarbox to 16:9 or 9:16 with a plain or blurred background."""
    w, h = im.size
    ratio = rng.choice((16 / 9, 9 / 16))
    if w / h < ratio:
        cw, ch = round(h * ratio), h
    else:
        cw, ch = w, round(w / ratio)
    if rng.random() < 0.7:
        canvas = Image.new("RGB", (cw, ch), rng.choice(("black", "white", "#101010")))
    else:
        canvas = im.convert("RGB").resize((cw, ch)).filter(ImageFilter.GaussianBlur(20))
    canvas.paste(im.convert("RGB"), ((cw - w) // 2, (ch - h) // 2))
    return _jpeg(canvas, 85)


def screenshot(im: Image.Image, rng: random.Random) -> Image.Image:
    """The image shown in a phone chat screen: status bar, header, input bar, scaled down."""
    sw, sh = 720, 1480
    theme_bg, theme_fg = rng.choice(
        (("#0e1621", "#ffffff"), ("#ffffff", "#000000"), ("#17212b", "#dddddd"))
    )
    screen = Image.new("RGB", (sw, sh), theme_bg)
    d = ImageDraw.Draw(screen)
    d.rectangle((0, 0, sw, 60), fill="#000000")
    d.text(
        (20, 15), f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}", fill="white", font=_font(28)
    )
    d.text((sw - 140, 15), f"{rng.randint(5, 99)}% ▮", fill="white", font=_font(28))
    d.rectangle((0, 60, sw, 170), fill=rng.choice(("#2b5278", "#517da2", "#242f3d")))
    d.text((110, 90), "Groupe exemple", fill="white", font=_font(34))
    d.text((110, 130), f"{rng.randint(1000, 80000)} membres", fill="#cccccc", font=_font(24))
    maxw, maxh = sw - rng.randint(60, 200), sh - 420
    w, h = im.size
    f = min(maxw / w, maxh / h)
    shown = im.convert("RGB").resize(
        (max(8, round(w * f)), max(8, round(h * f))), Image.Resampling.BILINEAR
    )
    x = rng.randint(20, sw - shown.width - 20) if sw - shown.width > 40 else (sw - shown.width) // 2
    y = 200 + rng.randint(0, max(0, maxh - shown.height))
    d.rounded_rectangle(
        (x - 8, y - 8, x + shown.width + 8, y + shown.height + 50), 16, fill="#2b5278"
    )
    screen.paste(shown, (x, y))
    d.text((x + 10, y + shown.height + 10), _caption_text(rng), fill=theme_fg, font=_font(24))
    d.rectangle((0, sh - 110, sw, sh), fill="#1c2733")
    d.text((30, sh - 75), "Message", fill="#888888", font=_font(30))
    return _jpeg(screen, rng.randint(70, 92))


def brightness_contrast(im: Image.Image, rng: random.Random) -> Image.Image:
    """Brightness and contrast each changed by up to 30 %."""
    out = ImageEnhance.Brightness(im.convert("RGB")).enhance(rng.uniform(0.7, 1.3))
    return _jpeg(ImageEnhance.Contrast(out).enhance(rng.uniform(0.7, 1.3)), 85)


def grayscale(im: Image.Image, rng: random.Random) -> Image.Image:
    """Grayscale."""
    return _jpeg(ImageOps.grayscale(im).convert("RGB"), 85)


def blur(im: Image.Image, rng: random.Random) -> Image.Image:
    """A light Gaussian blur (radius 0.5 to 2 px at 1000 px)."""
    r = rng.uniform(0.5, 2.0) * max(im.size) / 1000
    return _jpeg(im.convert("RGB").filter(ImageFilter.GaussianBlur(r)), 85)


def stickers(im: Image.Image, rng: random.Random) -> Image.Image:
    """Two to four emoji-like stickers over the middle of the picture, a fifth of it in all."""
    out = im.convert("RGB").copy()
    w, h = out.size
    d = ImageDraw.Draw(out)
    n = rng.randint(2, 4)
    r = int(np.sqrt(0.2 * w * h / n / np.pi))
    for _ in range(n):
        cx, cy = rng.uniform(0.3, 0.7) * w, rng.uniform(0.3, 0.7) * h
        face = rng.choice(("#ffcc22", "#ff5a8a", "#7ad0ff", "#ffffff"))
        d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=face, outline="black",
                  width=max(1, r // 12))
        for ex in (-0.35, 0.35):
            d.ellipse((cx + ex * r - r * 0.12, cy - r * 0.3, cx + ex * r + r * 0.12, cy - r * 0.05),
                      fill="black")
        d.arc((cx - r * 0.5, cy - r * 0.2, cx + r * 0.5, cy + r * 0.55), 20, 160, fill="black",
              width=max(1, r // 10))
    return _jpeg(out, 85)


def crop_half(im: Image.Image, rng: random.Random) -> Image.Image:
    """Keep 50 to 60 % of the width or height, from one side (the body, not the face)."""
    side = rng.choice(("left", "right", "top", "bottom"))
    return _jpeg(im.crop(_crop_box(*im.size, {side: rng.uniform(0.4, 0.5)})), 85)


def crop_centre(im: Image.Image, rng: random.Random) -> Image.Image:
    """Keep the middle 50 to 60 % of each side (a quarter to a third of the picture)."""
    a = rng.uniform(0.2, 0.25)
    return _jpeg(im.crop(_crop_box(*im.size, dict.fromkeys(("left", "right", "top",
                                                            "bottom"), a))), 85)


def screen_photo(im: Image.Image, rng: random.Random) -> Image.Image:
    """A phone's photo of a screen showing the picture: a dark bezel, a slight perspective,
    blur, a colour cast, sensor noise."""
    src = im.convert("RGB")
    w, h = src.size
    bezel = int(0.08 * max(w, h))
    screen = Image.new("RGB", (w + 2 * bezel, h + 2 * bezel), "#111111")
    screen.paste(src, (bezel, bezel))
    sw, sh = screen.size
    j = [rng.uniform(0.0, 0.06) for _ in range(8)]
    quad = (sw * j[0], sh * j[1], sw * j[2], sh * (1 - j[3]), sw * (1 - j[4]), sh * (1 - j[5]),
            sw * (1 - j[6]), sh * j[7])  # the screen's corners as the camera saw them
    shot = screen.transform((sw, sh), Image.Transform.QUAD, quad, Image.Resampling.BILINEAR)
    shot = shot.filter(ImageFilter.GaussianBlur(rng.uniform(0.6, 1.6)))
    x = np.asarray(shot, np.float32)
    cast = np.array([rng.uniform(0.9, 1.1) for _ in range(3)], np.float32)
    noise = np.random.default_rng(rng.randint(0, 2**31)).normal(0.0, 4.0, x.shape[:2])[..., None]
    out = np.clip(x * cast + noise, 0, 255).astype(np.uint8)
    return _jpeg(Image.fromarray(out), rng.randint(70, 90))


def collage(im: Image.Image, rng: random.Random) -> Image.Image:
    """The picture as one cell of a 2×2 collage; the other cells are other (generated) scenes."""
    w, h = im.size
    cw, ch = w // 2, h // 2
    out = Image.new("RGB", (2 * cw + 6, 2 * ch + 6), "white")
    cell = rng.randrange(4)
    for k in range(4):
        if k == cell:
            tile = im.convert("RGB").resize((cw, ch), Image.Resampling.LANCZOS)
        else:
            g = np.random.default_rng(rng.randint(0, 2**31))
            tile = Image.fromarray(g.integers(0, 256, (6, 8, 3), dtype=np.uint8)).resize(
                (cw, ch), Image.Resampling.BICUBIC)
        out.paste(tile, ((k % 2) * (cw + 6), (k // 2) * (ch + 6)))
    return _jpeg(out, 85)


def chain(im: Image.Image, rng: random.Random) -> Image.Image:
    """Two or three of the edits above, one after another (re-shares of re-shares)."""
    steps = rng.sample(
        (crop_one_side, caption_band, resize, jpeg, brightness_contrast, pad, mirror),
        rng.randint(2, 3),
    )
    for step in steps:
        im = step(im, rng)
    return im


def night(im: Image.Image) -> Image.Image:
    """A night shot of the picture: luma range about 2 to 40 of 255 (gamma 1.8, 15 % of the
    range), a little sensor noise, JPEG. Deterministic: every picture is darkened the same way."""
    x = np.asarray(im.convert("RGB"), np.float32) / 255.0
    y = 2.0 + 38.0 * x**1.8
    noise = np.random.default_rng(7).normal(0.0, 1.5, y.shape[:2])[..., None]
    return _jpeg(Image.fromarray(np.clip(y + noise, 0, 255).astype(np.uint8)), 85)


def fog(im: Image.Image) -> Image.Image:
    """A foggy view of the picture: 15 % of its contrast around a light grey, slightly blurred."""
    x = np.asarray(im.convert("RGB"), np.float32)
    y = 0.15 * x + 0.85 * 190.0
    out = Image.fromarray(np.clip(y, 0, 255).astype(np.uint8))
    return _jpeg(out.filter(ImageFilter.GaussianBlur(max(im.size) / 1000)), 85)


def reshare(im: Image.Image, rng: random.Random) -> Image.Image:
    """How a picture is passed on: resized, captioned, cropped on one side or on several."""
    step = rng.choice((resize, caption_band, crop_one_side, crop_sides))
    return step(im, rng)


SCENES: dict[str, Callable[[Image.Image], Image.Image]] = {"dark": night, "foggy": fog}

EDITS: dict[str, Edit] = {
    "jpeg": jpeg,
    "resize": resize,
    "crop_one_side": crop_one_side,
    "crop_sides": crop_sides,
    "mirror": mirror,
    "rotate": rotate,
    "caption_band": caption_band,
    "watermark": watermark,
    "pad": pad,
    "screenshot": screenshot,
    "brightness_contrast": brightness_contrast,
    "grayscale": grayscale,
    "blur": blur,
    "chain": chain,
    "stickers": stickers,
    "crop_half": crop_half,
    "crop_centre": crop_centre,
    "screen_photo": screen_photo,
    "collage": collage,
    "dark": reshare,  # of the night shot of the original (see SCENES)
    "foggy": reshare,  # of the foggy view of the original
}


def apply_edit(name: str, im: Image.Image, rng: random.Random) -> Image.Image:
    """Apply the edit family ``name`` with parameters drawn from ``rng``."""
    return EDITS[name](im, rng)
