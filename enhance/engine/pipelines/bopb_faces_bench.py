"""Time BOPB stages 2-4 stage by stage on a 1 MP portrait with N faces. Uses the installed face
weights when present, otherwise a randomly initialised face generator (same shapes and cost).
The portrait is built from a photo with one face (default: the test fixture cut from
scikit-image's public-domain astronaut.png), pasted N times onto a 1000 x 1000 canvas.

    bench_faces(face_counts=(1, 5), precision="fp32", weights_dir=None) -> list[dict]
    python -m enhance.engine.pipelines.bopb_faces_bench --faces 1 5
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

PORTRAIT_SIDE = 1000
DEFAULT_PHOTO = Path(__file__).resolve().parents[3] / "tests/engine/bopb/fixtures/faces/photo_one.png"


def portrait(faces: int, photo: Path = DEFAULT_PHOTO):
    import numpy as np
    from PIL import Image

    y, x = np.mgrid[0:PORTRAIT_SIDE, 0:PORTRAIT_SIDE]
    background = np.stack([90 + x * 60 // PORTRAIT_SIDE, 80 + y * 50 // PORTRAIT_SIDE, 70 + 0 * x], -1)
    canvas = Image.fromarray(background.astype(np.uint8), "RGB")
    face = Image.open(photo).convert("RGB")
    per_row = math.ceil(math.sqrt(faces))
    side = min(PORTRAIT_SIDE // per_row, 3 * face.width)
    face = face.resize((side, side), Image.BICUBIC)
    for i in range(faces):
        row, col = divmod(i, per_row)
        canvas.paste(face, (col * side, row * side))
    return canvas


def _network(ctx, hr: bool):
    from enhance.engine.archs.bopb.face_generator import FaceGenerator
    from enhance.engine.pipelines.bopb_face_network import face_network
    from enhance.engine.weights.importers.bopb_faces_layout import weights_status

    if weights_status(ctx.weights_dir)[0]:
        return face_network(ctx, hr), "installed"
    return FaceGenerator().eval().requires_grad_(False).to(ctx.dtype), "random"


def bench_faces(face_counts=(1, 5), precision: str = "fp32", weights_dir: Path | str | None = None) -> list[dict]:
    import numpy as np
    import torch

    from enhance.engine.context import RunContext
    from enhance.engine.pipelines.bopb_face_align import aligned_face, find_faces
    from enhance.engine.pipelines.bopb_face_blend import warp_back
    from enhance.engine.pipelines.bopb_face_network import enhance_faces
    from enhance.engine.weights.importers.bopb_faces_layout import landmark_model_path

    ctx = RunContext(torch.device("cpu"), precision, None, Path(weights_dir or "."), lambda key, build: build())
    net, source = _network(ctx, hr=False)
    rows = []
    for count in face_counts:
        photo = np.array(portrait(count))
        timings = {}
        with torch.inference_mode():
            started = time.perf_counter()
            faces = find_faces(photo, str(landmark_model_path()), 256)
            timings["detect_s"] = time.perf_counter() - started
            started = time.perf_counter()
            aligned = np.stack([aligned_face(photo, face, 256) for face in faces])
            timings["align_s"] = time.perf_counter() - started
            started = time.perf_counter()
            restored = enhance_faces(net, torch.from_numpy(aligned.transpose(0, 3, 1, 2)).contiguous(), ctx)
            timings["enhance_s"] = time.perf_counter() - started
            started = time.perf_counter()
            warp_back(photo, faces, [f.permute(1, 2, 0).numpy() for f in restored], 256)
            timings["blend_s"] = time.perf_counter() - started
        rows.append({
            "faces_placed": count, "faces_found": len(faces), "megapixels": photo.shape[0] * photo.shape[1] / 1e6,
            "precision": precision, "weights": source, **{k: round(v, 3) for k, v in timings.items()},
            "total_s": round(sum(timings.values()), 3), "threads": torch.get_num_threads(),
        })  # fmt: skip
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faces", type=int, nargs="+", default=[1, 5])
    parser.add_argument("--precision", default="fp32", choices=["fp32", "bf16"])
    parser.add_argument("--weights-dir", type=Path)
    args = parser.parse_args()
    print(json.dumps(bench_faces(args.faces, args.precision, args.weights_dir), indent=2))


if __name__ == "__main__":
    main()
