"""A worker claims only jobs it can run: a model its record lists, and a photo within its pixel
limit for the job's options. A CPU worker without BOPB weights never takes a BOPB job."""

from datetime import timedelta

import pytest
from django.utils import timezone

from albums.models import Photo
from enhance import tasks
from enhance.engine import catalog, config
from enhance.engine.catalog.spec import ModelSpec, PixelLimit
from enhance.models import Job
from enhance.worker.claim import claim_next
from tests import factories
from tests.billing.conftest import make_subscription

pytestmark = pytest.mark.django_db

CPU_NO_BOPB = {"realsr": {}, "waifu2x": {}}
CPU_ALL = {**CPU_NO_BOPB, "bopb": {"scratches": 2_000_000}}
GPU_ALL = {**CPU_NO_BOPB, "bopb": {"scratches": None}}


def _queued(owner, photo, model, options, age):
    """A queued row as services.submit writes it (normalised options)."""
    return Job.objects.create(owner=owner, photo=photo, model=model, options=options,
                              queued_at=timezone.now() - timedelta(seconds=age))


def _photo(owner, width, height):
    photo = factories.make_photo(owner)
    Photo.objects.filter(pk=photo.pk).update(width=width, height=height)
    return photo


def test_a_worker_without_bopb_skips_bopb_jobs_for_the_next_one_it_can_run(owner, photo):
    bopb = _queued(owner, photo, "bopb", {"scratches": False, "hr": False}, age=30)
    waifu = _queued(owner, photo, "waifu2x", {"style": "art", "scale": 2, "noise": 0}, age=10)
    assert claim_next("cpu:1:a", CPU_NO_BOPB).pk == waifu.pk
    assert claim_next("cpu:1:b", CPU_NO_BOPB) is None
    assert Job.objects.get(pk=bopb.pk).status == "queued"
    assert claim_next("gpu:1:a", GPU_ALL).pk == bopb.pk


def test_a_photo_above_the_workers_limit_waits_for_a_worker_that_takes_it(owner):
    large = _photo(owner, 2000, 1500)  # 3 MP
    small = _photo(owner, 1000, 1000)
    scratched = _queued(owner, large, "bopb", {"scratches": True, "hr": False}, age=40)
    plain = _queued(owner, large, "bopb", {"scratches": False, "hr": False}, age=30)
    small_scratched = _queued(owner, small, "bopb", {"scratches": True, "hr": True}, age=20)
    taken = [claim_next("cpu:1:a", CPU_ALL) for _ in range(3)]
    assert [job.pk if job else None for job in taken] == [plain.pk, small_scratched.pk, None]
    assert claim_next("gpu:1:a", GPU_ALL).pk == scratched.pk


def test_the_first_matching_limit_applies(owner):
    spec = ModelSpec(
        id="twolimits", label="Two limits", summary="",
        pixel_limits=(
            PixelLimit("strict", {"mode": "slow"}, lambda device, env: 1000),
            PixelLimit("loose", {}, lambda device, env: 5000),
        ),
    )  # fmt: skip
    catalog.register(spec)
    try:
        photo = _photo(owner, 60, 50)  # 3000 px: over "strict", under "loose"
        slow = _queued(owner, photo, "twolimits", {"mode": "slow"}, age=20)
        fast = _queued(owner, photo, "twolimits", {"mode": "fast"}, age=10)
        limits = {"twolimits": {"strict": 1000, "loose": 5000}}
        assert claim_next("w:1:a", limits).pk == fast.pk
        assert claim_next("w:1:b", limits) is None
        assert claim_next("w:1:c", {"twolimits": {"strict": 4000, "loose": 5000}}).pk == slow.pk
    finally:
        catalog.unregister("twolimits")


def test_a_model_missing_from_the_catalogue_is_never_claimed(owner, photo):
    _queued(owner, photo, "retired-model", {}, age=10)
    assert claim_next("w:1:a", {"retired-model": {}, **CPU_NO_BOPB}) is None


def test_the_worker_task_claims_by_its_own_capabilities(owner, photo, engine_double, tmp_path, monkeypatch):
    """run_next_job looks at this process's weights at claim time: no BOPB weights, no BOPB job."""
    monkeypatch.setitem(config._config, "weights_dir", tmp_path)  # no BOPB weights here
    bopb = _queued(owner, photo, "bopb", {"scratches": False, "hr": False}, age=30)
    assert tasks.run_next_job() == "idle"
    assert Job.objects.get(pk=bopb.pk).status == "queued"
    waifu = _queued(owner, photo, "waifu2x", {"style": "art", "scale": 2, "noise": 0}, age=10)
    assert tasks.run_next_job() == f"job {waifu.pk}: succeeded"


def test_once_its_weights_appear_the_worker_takes_the_bopb_job(owner, photo, engine_double, bopb_installed):
    make_subscription(owner)  # Restoration is a Pro model; the worker checks the plan again
    bopb = _queued(owner, photo, "bopb", {"scratches": False, "hr": False}, age=30)
    assert tasks.run_next_job() == f"job {bopb.pk}: succeeded"


def test_a_wakeup_this_worker_cannot_use_goes_on_to_a_worker_that_can(owner, photo, engine_double, settings,
                                                                      monkeypatch):
    """Wake-ups are not addressed: a waifu2x-only worker woken for a RealSR job sends the message
    on when another live worker runs RealSR, and keeps it when none does (no message storm)."""
    from tests.workers import no_workers, publish_worker

    woken = []
    monkeypatch.setattr("enhance.worker.wakeup.send_wakeup", lambda job_id=None: woken.append(job_id))
    monkeypatch.setattr("enhance.worker.handoff.time.sleep", lambda seconds: None)
    settings.WORKER_MODELS = ["waifu2x"]
    realsr = _queued(owner, photo, "realsr", {}, age=1)
    assert tasks.run_next_job(realsr.pk) == "passed on"  # the autouse live worker runs RealSR
    assert woken == [realsr.pk]
    assert Job.objects.get(pk=realsr.pk).status == "queued"

    no_workers()
    publish_worker(["waifu2x"], host="another-cpu")  # nobody alive runs RealSR: nothing to pass on
    woken.clear()
    assert tasks.run_next_job(realsr.pk) == "idle" and woken == []
