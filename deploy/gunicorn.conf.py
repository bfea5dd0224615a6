"""gunicorn settings for a Restore web host: `gunicorn -c deploy/gunicorn.conf.py restoreapp.wsgi`.

Web hosts never run networks (workers do), so requests are short and CPU-bound (templates,
serializers; the database answers in well under a millisecond): sync workers, one per core plus
one so a core is not idle while a worker waits on the database, recycled now and then to bound
memory growth.
Private files and large downloads do not hold a worker: nginx sends them (X-Accel-Redirect)."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() + 1))
worker_class = "sync"
# Uploads stream up to 25 MB; give slow mobile links time, but not forever.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
graceful_timeout = 30
keepalive = 5
# Recycling bounds slow memory growth, but each new worker imports Django, the URLconf and
# the templates again (2 CPU-seconds measured on the 2-core machine). At 2000 requests and ~100/s per worker
# (docs/benchmarks.md, "Web load") that was a restart every 20 s per worker; 20000 keeps the
# bound at a few minutes. Not preload_app: `systemctl reload` (HUP) must load new code.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 20000))
max_requests_jitter = 2000
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker):
    """Once warm, the worker's long-lived heap is kept out of the garbage collector's walks
    (restoreapp/heap.py)."""
    from restoreapp.heap import freeze_after

    freeze_after(int(os.environ.get("GUNICORN_FREEZE_AFTER", 200)))
