"""`make run` (scripts/run.sh) stops the web server and the worker cluster, leaving no process
behind, on SIGTERM to the script as well as on Ctrl-C (SIGINT to the terminal's process group)."""

import os
import signal
import subprocess
import time

import psutil
import pytest
import requests

from tests.enhance.stack import ROOT, free_port

pytestmark = pytest.mark.slow

if os.environ.get("DATABASE_URL", "").startswith("postgres"):
    # It never touches the run's database: once, in the SQLite pass of `make test`, is enough.
    pytestmark = [pytestmark, pytest.mark.skip(reason="database-independent: runs in the SQLite pass")]


@pytest.mark.parametrize("how", ["sigterm", "ctrl-c"])
def test_run_script_stops_cleanly(tmp_path, how):
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DATABASE_URL", "PYTEST"))}
    # No demo sample jobs: this is the idle stop; a running job's hand-back is tested with the cluster
    # (tests/enhance/test_clean_stop_cluster.py), and here one would stop only at its next tile.
    env.update(PORT=str(port), RESTORE_VAR_DIR=str(tmp_path / "var"), DEMO_SAMPLES="0")
    with open(tmp_path / "run.log", "wb") as log:
        script = subprocess.Popen(["bash", "scripts/run.sh"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                  start_new_session=True)
        try:
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline:
                try:
                    if requests.get(f"http://127.0.0.1:{port}/accounts/login/", timeout=2).status_code < 500:
                        break
                except requests.ConnectionError:
                    time.sleep(0.5)
            time.sleep(3)  # the cluster is up by now too
            tree = [psutil.Process(script.pid), *psutil.Process(script.pid).children(recursive=True)]
            assert len(tree) >= 5, (tree, (tmp_path / "run.log").read_text())  # bash, runserver, qcluster + pool
            started = time.monotonic()
            if how == "sigterm":
                os.kill(script.pid, signal.SIGTERM)
            else:
                os.killpg(script.pid, signal.SIGINT)
            script.wait(timeout=40)

            def alive():
                return [p.pid for p in tree if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]

            while alive() and time.monotonic() - started < 40:
                time.sleep(0.1)
            print(f"\nrun.sh {how}: everything gone after {time.monotonic() - started:.1f} s")
            assert alive() == [], (tmp_path / "run.log").read_text()[-3000:]
        finally:
            if script.poll() is None:
                os.killpg(script.pid, signal.SIGKILL)
