"""The steps of BOPB stage 1 as tensor functions, following the official test.py / detection.py:

- RGB normalised to [-1, 1];
- scratch detection on the grayscale image scaled (bilinear) to a short side of 256 rounded to a
  multiple of 16, sigmoid >= 0.4, nearest back to full size;
- masked pixels set to white; HR mode dilates the mask (3x3 kernel, 3 iterations) first;
- the output min-max stretched over the whole image, as the official writer
  (torchvision save_image with normalize=True) does.

Where the official code resizes the photo to a multiple of 4 (quality) or 16 (scratches), we pad
by reflection instead and crop the result back, so no pixel is resampled.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

DETECTION_SHORT_SIDE = 256
DETECTION_THRESHOLD = 0.4
HR_MASK_DILATION = 3  # iterations of a 3x3 dilation
# The detector sees the photo at a short side of 256: a 16:1 strip is already 256 x 4096 there.
MAX_ASPECT_RATIO = 16
# Latent maps are 1/4 of the image; 16 px keeps every reflection pad inside the networks valid.
MIN_CANVAS = 16


def image_to_uint8(img: Image.Image) -> torch.Tensor:
    """8-bit PIL image (RGB or L) -> (1, C, H, W) uint8."""
    array = np.array(img, dtype=np.uint8)  # a writable copy: torch refuses read-only buffers
    if array.ndim == 2:
        array = array[:, :, None]
    return torch.from_numpy(np.ascontiguousarray(array.transpose(2, 0, 1)))[None]


def uint8_to_image(t: torch.Tensor) -> Image.Image:
    return Image.fromarray(np.ascontiguousarray(t[0].permute(1, 2, 0).cpu().numpy()), "RGB")


def reflect_pad(t: torch.Tensor, bottom: int, right: int) -> torch.Tensor:
    """Reflection-pad the bottom and right edges of an NCHW tensor by any amount: a pad longer than
    the side reflects the already padded image again; a 1-pixel side is replicated once first."""
    out = t.float()
    if out.shape[2] == 1 and bottom > 0:
        out, bottom = F.pad(out, (0, 0, 0, 1), mode="replicate"), bottom - 1
    if out.shape[3] == 1 and right > 0:
        out, right = F.pad(out, (0, 1, 0, 0), mode="replicate"), right - 1
    while bottom > 0 or right > 0:
        step_b, step_r = min(bottom, out.shape[2] - 1), min(right, out.shape[3] - 1)
        out = F.pad(out, (0, step_r, 0, step_b), mode="reflect")
        bottom, right = bottom - step_b, right - step_r
    return out.to(t.dtype)


def padded_size(height: int, width: int, multiple: int) -> tuple[int, int]:
    def side(n: int) -> int:
        return max(MIN_CANVAS, -(-n // multiple) * multiple)

    return side(height), side(width)


def normalise(image_uint8: torch.Tensor) -> torch.Tensor:
    """uint8 -> float32 in [-1, 1] (ToTensor then Normalize(0.5, 0.5))."""
    return (image_uint8.float() / 255.0 - 0.5) / 0.5


def detection_size(height: int, width: int) -> tuple[int, int]:
    """The official scale_tensor: short side 256, both sides rounded to a multiple of 16."""
    if height < width:
        new_h, new_w = DETECTION_SHORT_SIDE, width / height * DETECTION_SHORT_SIDE
    else:
        new_h, new_w = height / width * DETECTION_SHORT_SIDE, DETECTION_SHORT_SIDE
    return int(round(new_h / 16) * 16), int(round(new_w / 16) * 16)


def check_detectable(height: int, width: int) -> None:
    if max(height, width) > MAX_ASPECT_RATIO * min(height, width):
        raise ValueError(
            f"scratch repair needs a photo at most {MAX_ASPECT_RATIO} times longer than it is wide; "
            f"this one is {width} x {height} pixels"
        )


def detect_scratches(detector: nn.Module, gray_uint8: torch.Tensor) -> torch.Tensor:
    """(1, 1, H, W) uint8 gray -> (1, 1, H, W) float mask, 1 on scratches."""
    height, width = gray_uint8.shape[2], gray_uint8.shape[3]
    param = next(detector.parameters())
    gray = normalise(gray_uint8).to(device=param.device)
    scaled = F.interpolate(gray, list(detection_size(height, width)), mode="bilinear").to(param.dtype)
    probability = torch.sigmoid(detector(scaled).float())
    probability = F.interpolate(probability, [height, width], mode="nearest")
    mask = (probability >= DETECTION_THRESHOLD).float()
    if bool(mask.min() == 1):
        # The official detector writes its mask with min-max normalisation, which turns a mask that is
        # scratch everywhere into one that is scratch nowhere; the restoration then sees no scratch.
        mask.zero_()
    return mask


def dilate(mask: torch.Tensor, iterations: int) -> torch.Tensor:
    """Binary dilation with a 3x3 square, `iterations` times (pixels outside the image ignored),
    which equals one (2n+1) x (2n+1) max filter."""
    if iterations <= 0:
        return mask
    size = 2 * iterations + 1
    return F.max_pool2d(mask, kernel_size=size, stride=1, padding=iterations)


def whiten_scratches(image_uint8: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Masked pixels set to white (official irregular_hole_synthesize)."""
    white = torch.full_like(image_uint8, 255)
    return torch.where(mask.to(image_uint8.device).bool(), white, image_uint8)


def stretch_to_uint8(output: torch.Tensor) -> torch.Tensor:
    """Generator output in [-1, 1] -> uint8 as the official writer: (x + 1) / 2, min-max over the
    whole tensor, x255 + 0.5, clamp, truncate."""
    image = (output.float() + 1.0) / 2.0
    low, high = image.min(), image.max()
    image = (image.clamp(low, high) - low) / torch.clamp(high - low, min=1e-5)
    return image.mul(255).add_(0.5).clamp_(0, 255).to(torch.uint8)
