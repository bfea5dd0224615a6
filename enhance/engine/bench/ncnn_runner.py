"""The ncnn runtime on the same packaged .param/.bin and the same input, for comparison:
whole image (its fastest path), waifu2x inputs padded exactly as our pipeline pads them."""

from __future__ import annotations

import numpy as np
from PIL import Image

from enhance.engine.weights import builtin

# case -> (package, model file, input blob, output blob, prepadding, align, scale)
NCNN_MODELS = {
    "realsr": ("realsr", "REALSR_DF2K_UP4X", "data", "output", 0, 1, 4),
    "waifu2x-art": ("waifu2x", "WAIFU2X_CUNET_UP2X_DENOISE1X", "Input1", "Eltwise4", 18, 2, 2),
    "waifu2x-photo": ("waifu2x", "WAIFU2X_PHOTO_UP2X_DENOISE1X", "Input1", "Eltwise4", 7, 1, 2),
    "realesrgan": ("realesrgan", "REALESRGAN_X4PLUS_UP4X", "data", "output", 0, 1, 4),
    "realesrgan-anime": ("realesrgan", "REALESRGAN_X4PLUSANIME_UP4X", "data", "output", 0, 1, 4),
    "realesrgan-animevideov3": ("realesrgan", "REALESRGAN_ANIMAVIDEOV3_UP4X", "data", "output", 0, 1, 4),
}
CONFIGS = ("fp16", "bf16", "fp32")


def available() -> bool:
    try:
        import ncnn  # noqa: F401
    except ImportError:
        return False
    return True


class NcnnModel:
    def __init__(self, case: str, config: str, threads: int):
        import ncnn

        package, name, self.in_blob, self.out_blob, self.pad, self.align, self.scale = NCNN_MODELS[case]
        folder = builtin.package_models_dir(package)
        self.net = ncnn.Net()
        opt = self.net.opt
        opt.use_vulkan_compute = False
        opt.num_threads = threads
        opt.use_winograd_convolution = True
        opt.use_sgemm_convolution = True
        opt.use_packing_layout = True
        opt.use_fp16_packed = opt.use_fp16_storage = config == "fp16"
        opt.use_fp16_arithmetic = False  # x86 has no fp16 arithmetic path; storage is what speeds it up
        opt.use_bf16_storage = config == "bf16"
        self.net.load_param(str(folder / f"{name}.param"))
        self.net.load_model(str(folder / f"{name}.bin"))
        self._ncnn = ncnn

    def run(self, img: Image.Image) -> np.ndarray:
        chw = np.asarray(img, dtype=np.float32).transpose(2, 0, 1) / 255.0
        h, w = chw.shape[1:]
        pad = self.pad
        extra_h, extra_w = (-(h + 2 * pad)) % self.align, (-(w + 2 * pad)) % self.align
        if pad or extra_h or extra_w:
            chw = np.pad(chw, ((0, 0), (pad, pad + extra_h), (pad, pad + extra_w)), mode="edge")
        data = np.ascontiguousarray(chw)  # ncnn.Mat borrows this buffer: keep it referenced until extract
        extractor = self.net.create_extractor()
        extractor.input(self.in_blob, self._ncnn.Mat(data))
        ret, out = extractor.extract(self.out_blob)
        if ret != 0:
            raise RuntimeError(f"ncnn extract failed ({ret})")
        result = np.array(out)[:, : h * self.scale, : w * self.scale]
        del data
        return np.rint(np.clip(result, 0, 1) * 255).astype(np.uint8).transpose(1, 2, 0)
