"""Browser PDQ (``static/pdq.js``) against the server's PDQ (``rempart.core.signals.pdq``):
generated photos served as PNG (lossless: chromium and Pillow decode the same pixels) to Debian's
chromium driven by Playwright, hashed on both sides and compared.

Nothing is served over the network: the page, ``pdq.js`` and the images are answered from memory
by Playwright's request routing. Skipped where chromium or playwright is absent, except under
``CI=true`` where they must run."""

from __future__ import annotations

import io
import statistics
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray
from PIL import Image

from rempart.adapters.web import STATIC
from rempart.bench.synthetic_images import make_photo
from rempart.core.signals.pdq import DEFAULT_THRESHOLD, distance, fit, pdq_dihedral, pdq_hash

pytestmark = pytest.mark.browser
ORIGIN = "http://rempart.test"

# (name, seed, (width, height), variant): portrait and landscape, 320×240 up to 1600×1200.
CASES = [
    ("s320x240", 1, (320, 240), ""), ("s240x320", 2, (240, 320), ""),
    ("s512x384", 3, (512, 384), ""), ("s640x480", 4, (640, 480), ""),
    ("s480x640", 5, (480, 640), ""), ("s800x600", 6, (800, 600), ""),
    ("s1024x768", 7, (1024, 768), ""), ("s768x1024", 8, (768, 1024), ""),
    ("s1280x720", 9, (1280, 720), ""), ("s1600x1200", 10, (1600, 1200), ""),
    ("s1200x1600", 11, (1200, 1600), ""), ("gray900x600", 12, (900, 600), "gray"),
    ("flat1100x700", 13, (1100, 700), "flat"), ("noisy1400x1000", 14, (1400, 1000), "noisy"),
]

HASH_JS = """async (names) => {
  const pdq = await import("/assets/pdq.js");
  const out = {};
  for (const name of names) {
    const blob = await (await fetch("/img/" + name + ".png")).blob();
    const bitmap = await createImageBitmap(blob,
      { colorSpaceConversion: "none", premultiplyAlpha: "none" });
    const data = pdq.fitToCanvas(bitmap);
    out[name] = { size: [data.width, data.height], one: pdq.pdqFromImageData(data),
                  dihedral: pdq.pdqDihedral(data) };
  }
  return out;
}"""



def _image(seed: int, size: tuple[int, int], variant: str) -> Image.Image:
    im = make_photo(seed, size)
    if variant == "gray":
        return im.convert("L")
    if variant == "flat":  # a flat grey band over the left third
        w, h = size
        im.paste((128, 128, 128), (0, 0, w // 3, h))
    if variant == "noisy":  # sensor-like noise: fine texture that resampling treats differently
        noise = np.random.default_rng(seed).normal(0, 40, (size[1], size[0], 3))
        a = np.asarray(im).astype(np.int16) + noise
        im = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    return im


def _png(im: Image.Image) -> bytes:
    buf = io.BytesIO()
    im.save(buf, "PNG", compress_level=1)
    return buf.getvalue()


def _rgb(png: bytes) -> NDArray[np.uint8]:
    with Image.open(io.BytesIO(png)) as im:
        return np.asarray(im.convert("RGB"), np.uint8)



def _hash_in_browser(browser: Any, images: dict[str, bytes]) -> dict[str, Any]:
    """Serve ``images`` (name → PNG) and pdq.js from memory; hash each in the page."""
    script = (STATIC / "pdq.js").read_bytes()

    def handle(route: Any) -> None:
        path = route.request.url[len(ORIGIN):]
        if path == "/":
            route.fulfill(status=200, content_type="text/html",
                          body="<!doctype html><title>pdq</title>")
        elif path == "/assets/pdq.js":
            route.fulfill(status=200, content_type="text/javascript", body=script)
        elif path.startswith("/img/") and path[5:-4] in images:
            route.fulfill(status=200, content_type="image/png", body=images[path[5:-4]])
        else:
            route.fulfill(status=404, body="not found")

    context = browser.new_context()
    try:
        context.route(ORIGIN + "/**", handle)
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.goto(ORIGIN + "/")
        result: dict[str, Any] = page.evaluate(HASH_JS, list(images))
        return result
    finally:
        context.close()


def _summary(label: str, distances: dict[str, int]) -> str:
    values = list(distances.values())
    per_image = ", ".join(f"{k} {v}" for k, v in distances.items())
    return (f"{label}: median {statistics.median(values)}, max {max(values)} bits "
            f"(threshold {DEFAULT_THRESHOLD}); {per_image}")


def test_browser_pdq_matches_server(browser: Any) -> None:
    pngs = {name: _png(_image(seed, size, variant)) for name, seed, size, variant in CASES}
    got = _hash_in_browser(browser, pngs)
    orig: dict[str, int] = {}
    rot: dict[str, int] = {}
    for name, png in pngs.items():
        rgb = _rgb(png)
        fitted = fit(rgb)
        assert got[name]["size"] == [fitted.shape[1], fitted.shape[0]], name
        first, variants = pdq_dihedral(rgb)
        assert got[name]["one"]["hash"] == got[name]["dihedral"]["orig"]["hash"]
        assert first.hash == pdq_hash(rgb).hash
        orig[name] = distance(got[name]["one"]["hash"], first.hash)
        assert abs(got[name]["one"]["quality"] - first.quality) <= 10, name
        for v in variants:
            d = distance(got[name]["dihedral"][v.variant]["hash"], v.hash)
            assert d <= DEFAULT_THRESHOLD, (name, v.variant, d)
            if v.variant == "rot90":
                rot[name] = d
        # The names line up: the browser's rot90 is the server's rot90, not another variant.
        others = [distance(got[name]["dihedral"]["rot90"]["hash"], v.hash)
                  for v in variants if v.variant != "rot90"]
        assert rot[name] < min(others), name
    print()
    print(_summary("browser vs server PDQ", orig))
    print(_summary("browser vs server rot90", rot))
    assert max(orig.values()) <= DEFAULT_THRESHOLD, orig
    assert statistics.median(orig.values()) <= 4, orig
    assert max(orig.values()) <= 16, orig


def test_browser_pdq_same_pixels_is_near_exact(browser: Any) -> None:
    """Pixels already ≤ 512 px (no scaling on either side): the algorithm itself agrees."""
    images = {
        "p320x240": make_photo(21, (320, 240)), "p384x512": make_photo(22, (384, 512)),
        "p500x333": make_photo(23, (500, 333)), "p512x512": make_photo(24, (512, 512)),
        "p64x48": make_photo(25, (64, 48)), "gray300x200": make_photo(26, (300, 200)).convert("L"),
        # the server's own fit of a large photo, hashed again by both sides
        "fit1600x1200": Image.fromarray(fit(np.asarray(make_photo(27, (1600, 1200))))),
    }
    pngs = {name: _png(im) for name, im in images.items()}
    got = _hash_in_browser(browser, pngs)
    worst: dict[str, int] = {}
    for name, png in pngs.items():
        rgb = _rgb(png)
        first, variants = pdq_dihedral(rgb)
        assert got[name]["one"]["quality"] == first.quality, name
        ds = [distance(got[name]["dihedral"]["orig"]["hash"], first.hash)]
        ds += [distance(got[name]["dihedral"][v.variant]["hash"], v.hash) for v in variants]
        worst[name] = max(ds)
        assert worst[name] <= 2, (name, ds)
    print()
    print(_summary("same pixels, worst of 8 variants", worst))
