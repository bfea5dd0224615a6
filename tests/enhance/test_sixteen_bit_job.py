"""A job on a 16-bit scan runs on the real engine and gives a result (issue 14, uploads)."""

import io

import numpy as np
import pytest
from PIL import Image

from enhance import services, tasks
from enhance.models import Job
from tests import factories
from tests.albums import scanner_files as files

pytestmark = [pytest.mark.django_db, pytest.mark.engine, pytest.mark.slow]


def test_a_job_on_a_16_bit_scan_gives_a_result(owner, shared_weights_dir, django_capture_on_commit_callbacks):
    values = files.gray16_values(size=(24, 16))
    photo = factories.make_photo(owner, data=files.tiff_16bit_big_endian(values), name="scan.tif")
    with photo.original.open("rb") as handle:
        assert Image.open(handle).mode == "I;16"  # stored with its 16 bits
    with django_capture_on_commit_callbacks(execute=True):
        job = services.submit(owner, photo, "waifu2x", {"style": "photo", "scale": 2, "noise": 0})
    tasks.run_next_job(job.pk)
    job = Job.objects.get(pk=job.pk)
    assert job.status == "succeeded", job.error
    with job.result.open("rb") as handle:
        result = Image.open(io.BytesIO(handle.read()))
        result.load()
    assert result.size == (48, 32)
    # The networks take 8-bit input (enhance.engine.modes scales 16-bit gray down), so the
    # result is 8-bit gray: a brightness ramp that follows the scan's.
    assert result.mode == "L"
    expected = np.asarray(Image.fromarray((values.astype(np.float64) / 257).astype(np.uint8)).resize((48, 32)))
    assert abs(float(np.asarray(result).mean()) - float(expected.mean())) < 12
