"""Reference runs with the ncnn runtime and image metrics for the engine tests."""

from __future__ import annotations

import math

import ncnn
import numpy as np
from PIL import Image

from enhance.engine.weights import builtin


def psnr(a: np.ndarray, b: np.ndarray, peak: float = 255.0) -> float:
    mse = float(np.mean((np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)) ** 2))
    return math.inf if mse == 0 else 10 * math.log10(peak * peak / mse)


def ncnn_net(model_id: str, name: str, *, threads: int = 1) -> ncnn.Net:
    """fp32 CPU ncnn network on the packaged .param/.bin (no fp16/bf16 storage or arithmetic)."""
    folder = builtin.package_models_dir(model_id)
    net = ncnn.Net()
    opt = net.opt
    opt.use_vulkan_compute = False
    opt.use_fp16_packed = False
    opt.use_fp16_storage = False
    opt.use_fp16_arithmetic = False
    opt.use_bf16_storage = False
    opt.num_threads = threads
    assert net.load_param(str(folder / f"{name}.param")) == 0
    assert net.load_model(str(folder / f"{name}.bin")) == 0
    return net


def ncnn_forward(net: ncnn.Net, chw: np.ndarray, in_name: str, out_name: str) -> np.ndarray:
    data = np.ascontiguousarray(chw, dtype=np.float32)  # ncnn.Mat borrows this buffer: keep it alive
    extractor = net.create_extractor()
    extractor.input(in_name, ncnn.Mat(data))
    ret, out = extractor.extract(out_name)
    assert ret == 0
    result = np.array(out).copy()
    del data
    return result


def to_uint8(chw: np.ndarray) -> np.ndarray:
    """(C, H, W) floats in [0, 1] -> (H, W, C) uint8, rounded as the references do."""
    return np.rint(np.clip(chw, 0, 1) * 255).astype(np.uint8).transpose(1, 2, 0)


def random_image(rng, width: int, height: int, mode: str = "RGB") -> Image.Image:
    """Smooth random content (noise alone is a poor stand-in for photos)."""
    base = rng.random((height // 4 + 2, width // 4 + 2, 3))
    img = Image.fromarray((base * 255).astype(np.uint8), "RGB").resize((width, height), Image.BICUBIC)
    noisy = np.asarray(img, dtype=np.float64) + rng.normal(0, 6, (height, width, 3))
    img = Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8), "RGB")
    return img if mode == "RGB" else img.convert(mode)
