"""A real cluster job on a GPU worker (marker `cuda`; skipped without an NVIDIA GPU): the worker
runs with RESTORE_DEVICE=cuda and records where the job ran."""

import io

import pytest
import torch
from PIL import Image

from tests.enhance.stack import Stack

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.slow,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs an NVIDIA GPU (torch.cuda.is_available())"),
]


def test_a_cluster_job_runs_on_the_gpu(tmp_path, shared_weights_dir):
    stack = Stack(
        tmp_path / "stack",
        database="sqlite",
        weights_dir=shared_weights_dir,
        env={"RESTORE_DEVICE": "cuda", "PYTORCH_NVML_BASED_CUDA_CHECK": "1"},
    )
    try:
        stack.create(photos=1, size=64)
        stack.start_web()
        (photo,) = stack.photos
        submitted = stack.post(f"/photos/{photo}/enhance/", {"type": "2dsr", "style": "art", "scale": "2"})
        assert submitted.status_code == 202, submitted.text
        job_id = submitted.json()["id"]
        stack.start_cluster(workers=1)
        stack.wait_for(lambda: stack.get(f"/jobs/{job_id}/status.json").json()["finished"], 240, "the GPU job")
        ((status, device, precision),) = stack.query(
            "SELECT status, device, precision FROM enhance_job WHERE id = ?", (job_id,)
        )
        assert (status, device) == ("succeeded", "cuda") and precision in ("fp16", "bf16"), stack.log("cluster")
        png = stack.get(f"/jobs/{job_id}/result/", format="png")
        assert png.status_code == 200 and Image.open(io.BytesIO(png.content)).format == "PNG"
    finally:
        stack.stop()
