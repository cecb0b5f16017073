"""Write the generated sample media of ``examples/media`` (harmless, made from seeds)."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from rempart.bench.synthetic_images import make_photo, make_video, photo_bytes

OUT = Path(__file__).resolve().parent.parent / "examples" / "media"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "scene-1.jpg").write_bytes(photo_bytes(1, (640, 480)))
    reshared = make_photo(1, (640, 480)).crop((60, 0, 640, 420)).resize((464, 336))
    buf = io.BytesIO()
    reshared.save(buf, "JPEG", quality=60)
    (OUT / "scene-1-reshared.jpg").write_bytes(buf.getvalue())  # cropped, resized, re-encoded
    (OUT / "scene-2.png").write_bytes(photo_bytes(2, (320, 240), fmt="PNG"))
    sticker = make_photo(3, (256, 256)).convert("RGBA")
    sticker.putalpha(Image.new("L", sticker.size, 255).point(lambda v: v))
    buf = io.BytesIO()
    sticker.save(buf, "WEBP", quality=80)
    (OUT / "sticker-3.webp").write_bytes(buf.getvalue())
    frames = [make_photo(s, (160, 120)) for s in (4, 5, 6)]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=700, loop=0)
    (OUT / "animation-4.gif").write_bytes(buf.getvalue())
    (OUT / "clip-7.mp4").write_bytes(make_video([7, 8], seconds_per_scene=2.0, size=(320, 240)))
    (OUT / "broken.jpg").write_bytes(photo_bytes(9, (320, 240))[:3000])


if __name__ == "__main__":
    main()
