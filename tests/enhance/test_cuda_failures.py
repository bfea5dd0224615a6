"""CUDA failures in the worker, simulated on the CPU with the engine double: an out-of-memory
that survives tile halving fails the job with a sentence about the photo's size; a sticky CUDA
error puts the job back without spending an attempt and ends the worker process."""

import pytest
import torch

from billing import policy
from enhance import tasks
from enhance.engine.cuda_failures import is_out_of_memory, is_sticky_cuda_error
from enhance.models import Job
from enhance.notifications.models import Notification
from enhance.worker import process_setup
from tests.enhance.conftest import result_files

ILLEGAL_ADDRESS = (
    "CUDA error: an illegal memory access was encountered\n"
    "Search for `cudaErrorIllegalAddress' in https://docs.nvidia.com/cuda/cuda-runtime-api/"
    "group__CUDART__TYPES.html for more information.\n"
    "CUDA kernel errors might be asynchronously reported at some other API call."
)


@pytest.mark.parametrize(
    "error",
    [
        torch.AcceleratorError(ILLEGAL_ADDRESS),
        torch.AcceleratorError("CUDA error: unspecified launch failure"),
        torch.AcceleratorError("CUDA error: uncorrectable ECC error encountered"),
        RuntimeError("CUDA error: device-side assert triggered"),
        RuntimeError("CUDA error: the launch timed out and was terminated"),
    ],
)
def test_sticky_errors_are_recognised(error):
    assert is_sticky_cuda_error(error)
    assert not is_out_of_memory(error)


@pytest.mark.parametrize(
    "error",
    [
        torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB"),
        RuntimeError("CUDA error: out of memory"),  # an allocation failure, not a corrupt context
        RuntimeError("CUDA error: invalid argument"),
        RuntimeError("Expected all tensors to be on the same device, but found cuda:0 and cpu"),
        RuntimeError("an illegal memory access was encountered"),  # not from the CUDA runtime
        ValueError("CUDA error: an illegal memory access was encountered"),
    ],
)
def test_other_errors_are_not_sticky(error):
    assert not is_sticky_cuda_error(error)


def test_out_of_memory_fails_the_job_with_the_photo_size_sentence(engine_double, queued_job, _isolated_media):
    engine_double.fail_with = torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 9.00 GiB")
    assert tasks.run_next_job().endswith("failed")
    job = Job.objects.get(pk=queued_job.pk)
    assert job.status == "failed"
    assert "too large for the worker's memory" in job.error
    assert "GiB" not in job.error
    assert result_files(_isolated_media) == []


def test_out_of_memory_sentence_in_korean(engine_double, queued_job):
    queued_job.owner.language = "ko"
    queued_job.owner.save()
    engine_double.fail_with = torch.cuda.OutOfMemoryError("CUDA out of memory")
    tasks.run_next_job()
    error = Job.objects.get(pk=queued_job.pk).error
    assert error and "too large" not in error


def test_sticky_error_requeues_without_an_attempt_and_ends_the_process(
    engine_double, queued_job, _isolated_media, monkeypatch, django_capture_on_commit_callbacks
):
    ended, woken = [], []
    monkeypatch.setattr(process_setup, "end_worker_process", lambda reason: ended.append(reason))
    monkeypatch.setattr("enhance.worker.finish.send_wakeup", lambda job_id=None: woken.append(job_id))
    engine_double.fail_with = torch.AcceleratorError(ILLEGAL_ADDRESS)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = tasks.run_next_job()
    assert outcome == f"job {queued_job.pk}: requeued: device failed"
    job = Job.objects.get(pk=queued_job.pk)
    assert (job.status, job.attempts, job.worker, job.error) == ("queued", 0, "", "")
    assert ended and f"job {job.pk}" in ended[0]
    assert woken == [job.pk]
    assert result_files(_isolated_media) == []
    assert Notification.objects.filter(job=job).count() == 0
    # the next worker runs it as its first counted attempt
    engine_double.fail_with = None
    assert tasks.run_next_job() == f"job {job.pk}: succeeded"
    assert Job.objects.get(pk=job.pk).attempts == 1


def test_a_job_that_breaks_every_gpu_fails_after_the_limit_and_is_refunded(
    engine_double, queued_job, _isolated_media, monkeypatch, settings
):
    settings.JOB_MAX_DEVICE_FAILURES = 3
    used_before = policy.jobs_used(queued_job.owner)
    ended = []
    monkeypatch.setattr(process_setup, "end_worker_process", lambda reason: ended.append(reason))
    monkeypatch.setattr("enhance.worker.finish.send_wakeup", lambda job_id=None: None)
    engine_double.fail_with = torch.AcceleratorError(ILLEGAL_ADDRESS)
    for handed_back in (1, 2):
        tasks.run_next_job()
        job = Job.objects.get(pk=queued_job.pk)
        assert (job.status, job.device_failures, job.attempts) == ("queued", handed_back, 0)
    tasks.run_next_job()
    job = Job.objects.get(pk=queued_job.pk)
    assert (job.status, job.device_failures) == ("failed", 3)
    assert "graphics card" in job.error
    assert len(ended) == 3  # every broken context still ends its process
    assert result_files(_isolated_media) == []
    assert Notification.objects.filter(job=job).count() == 1
    assert policy.jobs_used(job.owner) == used_before - 1


def test_an_ordinary_runtime_error_still_fails_the_job(engine_double, queued_job, monkeypatch):
    ended = []
    monkeypatch.setattr(process_setup, "end_worker_process", lambda reason: ended.append(reason))
    engine_double.fail_with = RuntimeError("CUDA error: invalid argument")
    assert tasks.run_next_job().endswith("failed")
    assert Job.objects.get(pk=queued_job.pk).status == "failed" and ended == []
