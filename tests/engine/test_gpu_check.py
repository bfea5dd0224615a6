"""scripts/gpu_check.sh in its dry mode on the CPU: the same code a GPU machine runs, at tiny
sizes, from the packages' ncnn files carried as a folder (--pack), writing one JSON report."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.engine

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "gpu_check.sh"


def test_gpu_check_dry_run_on_the_cpu(tmp_path):
    pack = tmp_path / "ncnn"
    subprocess.run(["bash", str(SCRIPT), "--pack", str(pack)], check=True, cwd=ROOT, timeout=120)
    assert (pack / "realsr" / "REALSR_DF2K_UP4X.param").is_file()
    out = tmp_path / "report.json"
    done = subprocess.run(
        ["bash", str(SCRIPT), str(pack), "--dry-run", "--device", "cpu", "--out", str(out),
         "--cases", "waifu2x-photo-2x,waifu2x-art-2x"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report["dry_run"] and report["device"]["kind"] == "cpu"
    assert set(report["matmul_tflops"]) >= {"fp32"}
    assert [row["case"] for row in report["models"]] == ["waifu2x-photo-2x", "waifu2x-art-2x"]
    for row in report["models"]:
        assert row["parity_db_vs_cpu_fp32"] >= 45
        assert all(e["seconds"] > 0 and e["mp_per_s"] > 0 for e in row["speed"])


def test_gpu_check_says_what_is_missing(tmp_path):
    done = subprocess.run(
        ["bash", str(SCRIPT), str(tmp_path), "--cases", "nope", "--device", "cpu"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode != 0 and "unknown case" in done.stderr


def test_realsr_flops_per_pixel_are_counted_from_the_network():
    from enhance.engine.bench.gpu_check import conv_flops_per_input_pixel

    flops = conv_flops_per_input_pixel("realsr", {})
    # 23 RRDBs of 3 dense blocks at input resolution (~16.6 M multiply-adds per pixel) plus the
    # upsampling convolutions at 2x and 4x: about 36 MFLOP per input pixel
    assert 33e6 < flops < 40e6


@pytest.mark.skipif(__import__("torch").cuda.is_available(), reason="checks the refusal on a machine without a GPU")
def test_bench_engine_on_cuda_without_a_gpu_says_so():
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="no CUDA GPU"):
        call_command("bench_engine", "--device", "cuda", "--no-ncnn", "--memory-sizes", "", "--bopb-sizes", "")
