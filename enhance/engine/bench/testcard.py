"""A deterministic photo-like test image (gradients, texture, edges, text-like detail and
mild sensor noise): pure random noise is a poor and pessimistic stand-in for real input."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFilter


def test_card(width: int, height: int, seed: int = 0) -> Image.Image:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    base = np.stack(
        [
            0.5 + 0.4 * np.sin(xx / (width / 3.1) + 0.7),
            0.5 + 0.4 * np.cos(yy / (height / 2.3)),
            0.5 + 0.3 * np.sin((xx + yy) / (width / 5.0)),
        ],
        axis=-1,
    )
    img = Image.fromarray((base * 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(img)
    for _ in range(max(4, width * height // 2500)):
        x0, y0 = int(rng.integers(0, width)), int(rng.integers(0, height))
        size = int(rng.integers(4, max(6, min(width, height) // 4)))
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        if rng.random() < 0.5:
            draw.ellipse((x0, y0, x0 + size, y0 + size), outline=colour, width=2)
        else:
            draw.rectangle((x0, y0, x0 + size, y0 + size // 2), fill=colour)
        draw.text((x0, y0), "Ab3", fill=tuple(255 - c for c in colour))
    img = img.filter(ImageFilter.GaussianBlur(0.6))
    noisy = np.asarray(img, dtype=np.float32) + rng.normal(0, 3.0, (height, width, 3))
    return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8), "RGB")
