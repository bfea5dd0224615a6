"""A stopping worker: its running job finishes if it will within the grace period, else
goes back to the queue at once (attempt not counted, no file left, a fresh wake-up)."""

import pytest
from django_q.models import OrmQ

from enhance import services, tasks
from enhance.models import Job
from enhance.worker import stopping
from tests.enhance.conftest import result_files


@pytest.fixture(autouse=True)
def _not_stopping():
    stopping.reset()
    yield
    stopping.reset()


def test_a_job_that_would_not_finish_in_time_is_handed_back(engine_double, queued_job, _isolated_media, settings,
                                                             django_capture_on_commit_callbacks):
    settings.WORKER_STOP_GRACE_SECONDS = 0  # whatever is left cannot finish in time
    engine_double.steps = 8
    engine_double.during_step = lambda step: step == 2 and stopping.request_stop()
    OrmQ.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        outcome = tasks.run_next_job(queued_job.pk)
    assert outcome == f"job {queued_job.pk}: handed back"
    job = Job.objects.get(pk=queued_job.pk)
    assert (job.status, job.attempts, job.worker, job.progress, job.result.name) == ("queued", 0, "", 0, "")
    assert job.heartbeat is None and job.started_at is None and job.queued_at == queued_job.queued_at
    assert result_files(_isolated_media) == []
    assert OrmQ.objects.count() == 1  # another worker is woken now, not by the reaper later


def test_a_job_about_to_finish_is_finished(engine_double, queued_job, settings):
    settings.WORKER_STOP_GRACE_SECONDS = 20  # the double's remaining tiles take milliseconds
    engine_double.steps = 8
    engine_double.during_step = lambda step: step == 6 and stopping.request_stop()
    assert tasks.run_next_job(queued_job.pk) == f"job {queued_job.pk}: succeeded"
    assert Job.objects.get(pk=queued_job.pk).attempts == 1


def test_a_stopping_worker_takes_no_new_job_and_passes_the_wakeup_on(engine_double, queued_job):
    stopping.request_stop()
    OrmQ.objects.all().delete()
    assert tasks.run_next_job(queued_job.pk) == "stopping"
    assert Job.objects.get(pk=queued_job.pk).status == "queued"
    assert OrmQ.objects.count() == 1
    assert engine_double.calls == []


def test_a_cancel_and_a_stop_together_end_canceled(engine_double, owner, photo, settings):
    job = services.submit(owner, photo, "waifu2x", {})

    def both(step):
        if step == 1:
            Job.objects.filter(pk=job.pk).update(cancel_requested=True)
            stopping.request_stop()

    engine_double.during_step = both
    assert tasks.run_next_job(job.pk) == f"job {job.pk}: canceled"


@pytest.mark.parametrize(("fraction", "elapsed", "hand_back"), [
    (0.0, 1.0, True),     # no estimate yet
    (0.5, 5.0, False),    # 5 s left of a 20 s grace
    (0.5, 30.0, True),    # 30 s left
    (0.9, 90.0, False),   # 10 s left
])
def test_the_estimate_decides(settings, fraction, elapsed, hand_back):
    settings.WORKER_STOP_GRACE_SECONDS = 20
    assert stopping.should_hand_back(fraction, elapsed) is False  # nothing requested yet
    stopping.request_stop()
    assert stopping.should_hand_back(fraction, elapsed) is hand_back
