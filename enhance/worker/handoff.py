"""A wake-up this worker cannot use goes to a worker that can.

Wake-ups are not addressed: any cluster's worker may take the message sent for a RealSR job,
including one that runs only waifu2x. That worker claims nothing, so without a hand-off the
job would wait for the reaper's next round (up to a minute) while its own worker sits idle."""

from __future__ import annotations

import time

from django.conf import settings

# Long enough that a message this worker's own cluster takes back does not spin; short
# enough that the worker that can run the job starts it within about a second.
PAUSE_SECONDS = 0.5


def pass_on_wakeup(job_id_hint: int | None, runnable: dict) -> bool:
    """Send the wake-up on when a queued job this worker cannot run is one another live
    worker can; False when there is none (one message in, at most one out: never a storm)."""
    from enhance.capabilities.models import WorkerCapability
    from enhance.capabilities.routing import any_of, runnable_filter, with_pixels
    from enhance.capabilities.this_worker import process_key
    from enhance.models import Job, JobStatus
    from enhance.worker.wakeup import send_wakeup

    others = WorkerCapability.objects.live().exclude(process=process_key()).values_list("runnable", flat=True)
    for_others = any_of(others)
    waiting = (
        with_pixels(Job.objects.filter(status=JobStatus.QUEUED))
        .filter(for_others)
        .exclude(runnable_filter(runnable))
    )
    if not waiting.exists():
        return False
    time.sleep(min(PAUSE_SECONDS, settings.JOB_HEARTBEAT_SECONDS))
    send_wakeup(job_id_hint)
    return True
