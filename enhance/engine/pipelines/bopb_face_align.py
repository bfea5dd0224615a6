"""BOPB stage 2: find faces with dlib, take five points from the 68 landmarks, and cut each face
out as a 256 x 256 (HR: 512 x 512) image aligned to a fixed template, as the official
Face_Detection/detect_all_dlib.py (and _HR) does.

Pixel-exact to the official code:
- detector: dlib's frontal face detector on the RGB photo, no upsampling; faces in its order;
- five points: eye centres as int((a + b) / 2) (Python int: truncation toward zero, also for
  points left of or above the photo), the nose tip (30) and the mouth corners (48, 54);
- transform: scikit-image SimilarityTransform.estimate(template, points), i.e. Umeyama with
  scale, computed here with the same dtypes (float32 template, integer points);
- warp: scikit-image warp() of the photo as float64 in [0, 1], bilinear, outside = 0, then
  img_as_ubyte (x 255, round half to even). We compute it ourselves rather than depend on
  scikit-image; the formulas follow its Cython code (_warp_fast, bilinear_interpolation).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

TEMPLATE = np.array([196.0, 226.0, 316.0, 226.0, 256.0, 286.0, 220.0, 360.4, 292.0, 360.4], np.float32)
FACE_SCALE = 1.3  # run.py's stage 2: target_face_scale=1.3


@dataclass(frozen=True)
class FoundFace:
    points: np.ndarray  # (5, 2) int64: left eye, right eye, nose, left and right mouth corner (x, y)
    affine: np.ndarray  # (3, 3) float64: aligned-face coordinates -> photo coordinates


@lru_cache(maxsize=1)
def _dlib_models(landmark_path: str):
    import dlib

    return dlib.get_frontal_face_detector(), dlib.shape_predictor(landmark_path)


def five_points(shape) -> np.ndarray:
    def point(i):
        part = shape.part(i)
        return part.x, part.y

    (x1, y1), (x2, y2), (x3, y3), (x4, y4) = point(36), point(39), point(42), point(45)
    return np.array(
        [
            [int((x1 + x2) / 2), int((y1 + y2) / 2)],
            [int((x3 + x4) / 2), int((y3 + y4) / 2)],
            list(point(30)),
            list(point(48)),
            list(point(54)),
        ]
    )


def template_points(face_size: int) -> np.ndarray:
    standard = TEMPLATE / 256.0 - 1.0  # float32, as the official _standard_face_pts
    return ((standard * FACE_SCALE + 1) / 2 * float(face_size)).reshape(5, 2)


def similarity(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Umeyama's least-squares similarity (rotation, uniform scale, shift) taking src to dst, with
    scikit-image's _umeyama steps and dtypes."""
    num, dim = src.shape
    src_mean = src.mean(axis=0)
    dst_mean = dst.mean(axis=0)
    src_demean = src - src_mean
    dst_demean = dst - dst_mean
    a = dst_demean.T @ src_demean / num
    d = np.ones((dim,), dtype=np.float64)
    if np.linalg.det(a) < 0:
        d[dim - 1] = -1
    t = np.eye(dim + 1, dtype=np.float64)
    u, s, v = np.linalg.svd(a)
    rank = np.linalg.matrix_rank(a)
    if rank == 0:
        return np.full_like(t, np.nan)
    if rank == dim - 1:
        if np.linalg.det(u) * np.linalg.det(v) > 0:
            t[:dim, :dim] = u @ v
        else:
            saved = d[dim - 1]
            d[dim - 1] = -1
            t[:dim, :dim] = u @ np.diag(d) @ v
            d[dim - 1] = saved
    else:
        t[:dim, :dim] = u @ np.diag(d) @ v
    scale = 1.0 / src_demean.var(axis=0).sum() * (s @ d)
    t[:dim, dim] = dst_mean - scale * (t[:dim, :dim] @ src_mean.T)
    t[:dim, :dim] *= scale
    return t


def source_coordinates(affine: np.ndarray, rows: range, cols: range) -> tuple[np.ndarray, np.ndarray]:
    """Where output pixels (r, c) sample the source: affine @ (c, r, 1), as scikit-image's
    _warp_fast computes it (projective division included)."""
    r, c = np.meshgrid(np.arange(rows.start, rows.stop, dtype=np.float64),
                       np.arange(cols.start, cols.stop, dtype=np.float64), indexing="ij")  # fmt: skip
    m = affine
    z = m[2, 0] * c + m[2, 1] * r + m[2, 2]
    return (m[1, 0] * c + m[1, 1] * r + m[1, 2]) / z, (m[0, 0] * c + m[0, 1] * r + m[0, 2]) / z


def warp_bilinear(image: np.ndarray, affine: np.ndarray, size: int) -> np.ndarray:
    """(H, W, C) float64 image -> (size, size, C) float64: bilinear samples, 0 outside."""
    rows, cols = image.shape[:2]
    yy, xx = source_coordinates(affine, range(size), range(size))
    min_r, min_c = np.floor(yy).astype(np.int64), np.floor(xx).astype(np.int64)
    max_r, max_c = np.ceil(yy).astype(np.int64), np.ceil(xx).astype(np.int64)
    dr, dc = (yy - min_r)[..., None], (xx - min_c)[..., None]

    def pixel(rr, cc):
        inside = (rr >= 0) & (rr < rows) & (cc >= 0) & (cc < cols)
        values = image[np.clip(rr, 0, rows - 1), np.clip(cc, 0, cols - 1)]
        return np.where(inside[..., None], values, 0.0)

    top = (1 - dc) * pixel(min_r, min_c) + dc * pixel(min_r, max_c)
    bottom = (1 - dc) * pixel(max_r, min_c) + dc * pixel(max_r, max_c)
    return (1 - dr) * top + dr * bottom


def to_ubyte(image: np.ndarray) -> np.ndarray:
    """scikit-image img_as_ubyte for floats in [0, 1]."""
    return np.rint(image * 255).astype(np.uint8)


def find_faces(photo: np.ndarray, landmark_path: str, face_size: int) -> list[FoundFace]:
    """(H, W, 3) uint8 RGB -> the faces dlib finds, in its order, with their alignment."""
    detector, predictor = _dlib_models(landmark_path)
    target = template_points(face_size)
    found = []
    for rect in detector(photo):
        points = five_points(predictor(photo, rect))
        found.append(FoundFace(points, similarity(target, points)))
    return found


def aligned_face(photo: np.ndarray, face: FoundFace, face_size: int) -> np.ndarray:
    return to_ubyte(warp_bilinear(photo.astype(np.float64) / 255.0, face.affine, face_size))
