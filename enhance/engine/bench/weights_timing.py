"""Import (ncnn .param/.bin -> canonical safetensors) versus load (safetensors -> ready
network) times, measured in a temporary folder so the real WEIGHTS_DIR is untouched."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from enhance.engine.archs import rrdbnet, waifu2x
from enhance.engine.pipelines.common import load_network
from enhance.engine.weights import builtin, store


def measure() -> dict:
    result = {}
    with tempfile.TemporaryDirectory(prefix="bench-weights-") as tmp:
        folder = Path(tmp)
        for model_id, job in (("realsr", builtin.import_realsr_ncnn), ("waifu2x", builtin.import_waifu2x_ncnn)):
            started = time.perf_counter()
            job(folder)
            result[f"import_{model_id}_s"] = time.perf_counter() - started
        started = time.perf_counter()
        load_network(rrdbnet.RRDBNet, store.load_file(folder, "realsr", builtin.REALSR_FILE))
        result["load_realsr_s"] = time.perf_counter() - started
        started = time.perf_counter()
        state = store.load_file(folder, "waifu2x", "art_2x_noise1.safetensors")
        load_network(lambda: waifu2x.build("upcunet"), state)
        result["load_one_waifu2x_s"] = time.perf_counter() - started
    return result
