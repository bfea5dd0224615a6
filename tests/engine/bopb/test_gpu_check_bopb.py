"""The GPU check's BOPB part (scratch repair at a few sizes) in its dry mode on the CPU, on the
test checkpoints imported as a host imports the official ones."""

from __future__ import annotations

import pytest
import torch

from enhance.engine.bench.gpu_check import check_bopb

pytestmark = pytest.mark.engine


def test_bopb_scratch_timing_rows(bopb_weights_dir, tmp_path, use_weights_dir):
    use_weights_dir(tmp_path)  # what run_check does: a fresh weights folder the BOPB files are copied into
    rows = check_bopb(bopb_weights_dir / "bopb", tmp_path, torch.device("cpu"), True, lambda text: None)
    assert len(rows) == 1
    row = rows[0]
    assert row["mode"] == "scratches" and row["precision"] == "fp32" and row["seconds"] > 0
