"""gunicorn settings for a Restore web host: `gunicorn -c deploy/gunicorn.conf.py restoreapp.wsgi`.

Web hosts never run networks (workers do), so requests are short: sync workers, one per
core plus one, recycled now and then to bound memory growth."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() + 1))
worker_class = "sync"
# Uploads stream up to 25 MB; give slow mobile links time, but not forever.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
graceful_timeout = 30
keepalive = 5
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
