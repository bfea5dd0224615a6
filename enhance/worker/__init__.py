"""The worker side of a job: claim, heartbeat and progress, result writing, the reaper."""
