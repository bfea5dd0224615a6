"""Queue messages that wake a worker. They carry a hint (a job id), never the truth."""

from django_q.tasks import async_task

TASK = "enhance.tasks.run_next_job"


def send_wakeup(job_id: int | None = None) -> None:
    async_task(TASK, job_id, task_name=f"job-{job_id}" if job_id else None)
