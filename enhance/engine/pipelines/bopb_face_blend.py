"""BOPB stage 4: put each restored face back, as the official
Face_Detection/align_warp_back_multiple_dlib.py (and _HR) does, face after face in detection order:

1. the face's region of the photo, aligned again (bilinear, values kept 0..255, then truncated to
   uint8), is the reference for matching each colour channel's histogram of the restored face;
2. the matched face is warped back with the inverse transform, bicubic (scikit-image order 3,
   clipped to the face's value range, exact zeros from outside kept);
3. a mask (ones warped forward and back with nearest neighbour) is eroded (9 x 9 square, three
   times: a 25 x 25 minimum, the photo's edge not eroding) and blurred (OpenCV GaussianBlur
   25 x 25, sigma 0 -> 4.1, mirrored border); the face is blended in through it.
The result is rounded to uint8 once at the end, as the official img_as_ubyte.

Where current libraries differ from those the official code was written for (scikit-image
< 0.19): an order-0 warp of uint8 now returns uint8 and the official `mask *= 255.0` then fails;
we compute what the old version did, a float64 0/1 mask from scikit-image's nearest-neighbour
_warp_fast (C round: halves away from zero).

Work is limited to the face's box (the blurred mask is exactly 0 elsewhere and the photo stays
as it is there), so a large photo with small faces costs little.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from enhance.engine.pipelines.bopb_face_align import FoundFace, source_coordinates, warp_bilinear

ERODE_SIZE = 25  # 9 x 9, three iterations
BLUR_SIZE = 25
BLUR_SIGMA = 0.3 * ((BLUR_SIZE - 1) * 0.5 - 1) + 0.8  # OpenCV's sigma for sigma=0
MARGIN = ERODE_SIZE + BLUR_SIZE  # beyond the mask's box nothing changes


def match_histograms(face: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Each channel of `face` (uint8) mapped so its histogram follows `reference`'s: a value goes to
    the smallest reference value whose cumulative share is at least its own."""
    out = np.empty_like(face)
    for ch in range(3):
        src_cdf = np.bincount(face[..., ch].ravel(), minlength=256).cumsum()
        ref_cdf = np.bincount(reference[..., ch].ravel(), minlength=256).cumsum()
        src_cdf = src_cdf / float(src_cdf.max())
        ref_cdf = ref_cdf / float(ref_cdf.max())
        lookup = np.minimum(np.searchsorted(ref_cdf, src_cdf, side="left"), 255).astype(np.uint8)
        out[..., ch] = lookup[face[..., ch]]
    return out


def _nearest(image: np.ndarray, yy: np.ndarray, xx: np.ndarray) -> np.ndarray:
    """scikit-image's nearest_neighbour_interpolation, constant 0 outside (2-D image)."""
    rr = np.where(yy >= 0, np.floor(yy + 0.5), np.ceil(yy - 0.5)).astype(np.int64)
    cc = np.where(xx >= 0, np.floor(xx + 0.5), np.ceil(xx - 0.5)).astype(np.int64)
    rows, cols = image.shape
    inside = (rr >= 0) & (rr < rows) & (cc >= 0) & (cc < cols)
    return np.where(inside, image[np.clip(rr, 0, rows - 1), np.clip(cc, 0, cols - 1)], 0.0)


def _cubic(x: np.ndarray, f0, f1, f2, f3) -> np.ndarray:
    return f1 + 0.5 * x * (f2 - f0 + x * (2.0 * f0 - 5.0 * f1 + 4.0 * f2 - f3 + x * (3.0 * (f1 - f2) + f3 - f0)))


def _bicubic(image: np.ndarray, yy: np.ndarray, xx: np.ndarray) -> np.ndarray:
    """scikit-image's bicubic_interpolation (Catmull-Rom, 4 x 4 taps), constant 0 outside; (H, W, C)."""
    rows, cols = image.shape[:2]
    r0, c0 = np.floor(yy).astype(np.int64), np.floor(xx).astype(np.int64)
    xr, xc = (yy - r0)[..., None], (xx - c0)[..., None]

    def pixel(rr, cc):
        inside = (rr >= 0) & (rr < rows) & (cc >= 0) & (cc < cols)
        return np.where(inside[..., None], image[np.clip(rr, 0, rows - 1), np.clip(cc, 0, cols - 1)], 0.0)

    row_values = []
    for dr in (-1, 0, 1, 2):
        taps = [pixel(r0 + dr, c0 + dc) for dc in (-1, 0, 1, 2)]
        row_values.append(_cubic(xc, *taps))
    return _cubic(xr, *row_values)


def _gaussian_kernel() -> torch.Tensor:
    x = torch.arange(BLUR_SIZE, dtype=torch.float64) - (BLUR_SIZE - 1) / 2
    kernel = torch.exp(-(x * x) / (2 * BLUR_SIGMA * BLUR_SIGMA))
    return kernel / kernel.sum()


def _erode_and_blur(mask: np.ndarray) -> np.ndarray:
    """(h, w) 0/255 float64 -> eroded (25 x 25 minimum, outside ignored) then Gaussian-blurred
    (mirrored border, OpenCV BORDER_REFLECT_101), float64."""
    t = torch.from_numpy(mask)[None, None]
    half = ERODE_SIZE // 2
    eroded = -F.max_pool2d(-t, ERODE_SIZE, stride=1, padding=half)  # max_pool pads with -inf
    k = _gaussian_kernel()
    pad = BLUR_SIZE // 2
    if eroded.shape[2] <= pad or eroded.shape[3] <= pad:
        eroded = F.pad(eroded, (pad, pad, pad, pad), mode="replicate")  # tiny photos: keep padding valid
        cropped = True
    else:
        cropped = False
    blurred = F.conv2d(F.pad(eroded, (pad, pad, 0, 0), mode="reflect"), k.view(1, 1, 1, -1))
    blurred = F.conv2d(F.pad(blurred, (0, 0, pad, pad), mode="reflect"), k.view(1, 1, -1, 1))
    if cropped:
        blurred = blurred[:, :, pad:-pad, pad:-pad]
    return blurred[0, 0].numpy()


def _box(inverse: np.ndarray, face_size: int, height: int, width: int) -> tuple[range, range] | None:
    """The photo rows/cols the face square covers, widened by MARGIN and clipped to the photo."""
    corners = np.array([[0, 0, 1], [face_size, 0, 1], [0, face_size, 1], [face_size, face_size, 1]], np.float64)
    forward = np.linalg.inv(inverse)
    xy = corners @ forward.T
    xy = xy[:, :2] / xy[:, 2:]
    x0, y0 = max(math.floor(xy[:, 0].min()) - MARGIN, 0), max(math.floor(xy[:, 1].min()) - MARGIN, 0)
    x1, y1 = min(math.ceil(xy[:, 0].max()) + MARGIN, width), min(math.ceil(xy[:, 1].max()) + MARGIN, height)
    if x0 >= x1 or y0 >= y1:
        return None
    return range(y0, y1), range(x0, x1)


def blend_face_back(
    blended: np.ndarray, photo: np.ndarray, face: FoundFace, restored: np.ndarray, face_size: int
) -> None:
    """One official loop iteration, in place on `blended` ((H, W, 3) float64, 0..255 scale)."""
    height, width = photo.shape[:2]
    affine = face.affine
    inverse = np.linalg.inv(affine)
    reference = warp_bilinear(photo.astype(np.float64), affine, face_size).astype(np.uint8)
    matched = match_histograms(restored, reference)
    yy, xx = source_coordinates(affine, range(face_size), range(face_size))
    forward_mask = _nearest(np.ones((height, width)), yy, xx)
    box = _box(inverse, face_size, height, width)
    if box is None:
        return
    rows, cols = box
    yy, xx = source_coordinates(inverse, rows, cols)
    face_values = matched.astype(np.float64)
    warped = _bicubic(face_values, yy, xx)
    low, high = face_values.min(), face_values.max()
    keep_zero = not (low <= 0.0 <= high)  # the old clip kept exact cval (0) pixels when 0 is out of range
    zero = warped == 0.0
    np.clip(warped, low, high, out=warped)
    if keep_zero:
        warped[zero] = 0.0
    mask = _erode_and_blur(_nearest(forward_mask, yy, xx) * 255.0) / 255.0
    region = blended[rows.start : rows.stop, cols.start : cols.stop]
    mixed = warped * mask[..., None] + (1 - mask[..., None]) * region
    region[...] = np.clip(mixed / 255.0, 0.0, 1.0) * 255.0


def warp_back(photo: np.ndarray, faces: list[FoundFace], restored: list[np.ndarray], face_size: int) -> np.ndarray:
    """(H, W, 3) uint8 photo, its faces and their restored versions -> the blended photo, uint8."""
    if not faces:
        return photo.copy()
    blended = photo.astype(np.float64)
    for face, new_face in zip(faces, restored, strict=True):
        blend_face_back(blended, photo, face, new_face, face_size)
    return np.rint(blended / 255.0 * 255).astype(np.uint8)
