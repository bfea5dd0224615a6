"""django-q2 forks its workers from the cluster's parent process: if the parent had touched CUDA,
every forked worker would inherit a context it cannot use ("Cannot re-initialize CUDA in forked
subprocess"). Start Django and the cluster's imports in a fresh interpreter, as `manage.py
qcluster` does before it forks (with RESTORE_DEVICE=cuda, as on a GPU host), and check that
nothing initialised CUDA or asked for it. There is no GPU here, so torch.cuda.is_initialized()
alone proves little: the CUDA entry points are wrapped to record every call as well."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PARENT = r"""
import json, os, sys
import torch
import torch.cuda

calls = []

def recorder(name, original):
    def wrapped(*args, **kwargs):
        calls.append(name)
        return original(*args, **kwargs)
    return wrapped

for name in ("_lazy_init", "init", "device_count", "get_device_properties", "get_device_capability",
             "set_device", "current_device", "mem_get_info", "empty_cache", "synchronize"):
    setattr(torch.cuda, name, recorder(name, getattr(torch.cuda, name)))
torch._C._cuda_init = recorder("_C._cuda_init", getattr(torch._C, "_cuda_init", lambda: None))

import django
django.setup()
from django.core.management import call_command, get_commands, load_command_class
from django_q.brokers import get_broker
from django_q.cluster import Cluster, Sentinel  # noqa: F401
from django_q.conf import Conf  # noqa: F401
import django_q.worker  # noqa: F401

load_command_class(get_commands()["qcluster"], "qcluster")
Cluster(get_broker())
import enhance.tasks  # noqa: F401
import enhance.worker.runner  # noqa: F401
import enhance.engine  # noqa: F401
from enhance.engine import available_models
available_models()
call_command("check", verbosity=0)
print(json.dumps({"initialized": torch.cuda.is_initialized(), "calls": calls}))
"""


def test_cluster_parent_never_touches_cuda(tmp_path):
    # its own SQLite file: the broker opens a database connection, and the suite's DATABASE_URL may
    # name a database only pytest-django's test copy of exists
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(
        RESTORE_VAR_DIR=str(tmp_path / "var"),
        DJANGO_SETTINGS_MODULE="restoreapp.settings",
        RESTORE_DEVICE="cuda",
        PYTORCH_NVML_BASED_CUDA_CHECK="1",
        RESTORE_WEIGHTS_DIR=str(tmp_path / "weights"),
    )
    done = subprocess.run(
        [sys.executable, "-c", PARENT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report == {"initialized": False, "calls": []}
