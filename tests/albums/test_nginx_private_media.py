"""The deploy nginx config's private-media location and compression, run for real: nginx
in front of runserver with PRIVATE_MEDIA_ACCEL=1. Django checks access and answers with
X-Accel-Redirect; nginx sends the bytes; clients cannot reach the internal location."""

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import requests

from tests.enhance.stack import ROOT, Stack, free_port

pytestmark = pytest.mark.slow

if os.environ.get("DATABASE_URL", "").startswith("postgres"):
    # It never touches the run's database: once, in the SQLite pass of `make test`, is enough.
    pytestmark = [pytestmark, pytest.mark.skip(reason="database-independent: runs in the SQLite pass")]

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
DEPLOY_CONF = (ROOT / "deploy/nginx/restore.conf").read_text()


def _deploy_pieces(media: Path) -> str:
    """The compression directives and the internal location, verbatim but for the media path."""
    # The server block's own gzip lines (four spaces in), not the per-location ones.
    gzip = "\n".join(line for line in DEPLOY_CONF.splitlines() if re.match(r"    gzip\w* ", line))
    location = re.search(r"    location /_private_media/ \{.*?\n    \}", DEPLOY_CONF, re.S).group(0)
    location = re.sub(r"alias [^;]+;", f"alias {media}/;", location)
    return gzip + "\n" + location


@pytest.fixture
def behind_nginx(tmp_path, shared_weights_dir):
    if NGINX is None:
        pytest.skip("nginx is not installed (apt-get install nginx)")
    stack = Stack(tmp_path / "stack", database="sqlite", weights_dir=shared_weights_dir,
                  env={"PRIVATE_MEDIA_ACCEL": "1"})
    stack.create(photos=1, size=64)
    stack.start_web()
    port = free_port()
    run = tmp_path / "nginx"
    run.mkdir()
    temp_paths = "\n".join(f"{kind}_temp_path {run}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi",
                                                                        "scgi"))
    (run / "nginx.conf").write_text(f"""
{"user root;" if os.geteuid() == 0 else ""}  # pytest's folders are private to their owner
daemon off; worker_processes 1; pid {run}/nginx.pid; error_log {run}/error.log;
events {{}}
http {{
    include /etc/nginx/mime.types; access_log off;
    {temp_paths}
    server {{
        listen 127.0.0.1:{port};
{_deploy_pieces(stack.media)}
        location / {{ proxy_pass {stack.base_url}; proxy_set_header Host $host; }}
    }}
}}
""")
    nginx = subprocess.Popen([NGINX, "-c", str(run / "nginx.conf"), "-p", str(run)], stderr=subprocess.PIPE)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/accounts/login/", timeout=2)
            break
        except requests.ConnectionError:
            assert nginx.poll() is None, nginx.stderr.read().decode()
            time.sleep(0.2)
    stack.base_url = f"http://127.0.0.1:{port}"
    try:
        yield stack
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)
        stack.stop()


def test_nginx_sends_private_files_after_django_checks_access(behind_nginx):
    stack = behind_nginx
    photo = stack.photos[0]
    name = stack.query("SELECT original FROM albums_photo WHERE id = ?", (photo,))[0][0]
    on_disk = (stack.media / name).read_bytes()

    response = stack.get(f"/photos/{photo}/original/")
    assert response.status_code == 200 and response.content == on_disk
    assert "X-Accel-Redirect" not in response.headers  # consumed by nginx
    assert response.headers["Content-Type"] == "image/png"
    assert "private" in response.headers["Cache-Control"] and response.headers["ETag"]
    assert response.headers["Content-Disposition"].startswith("inline")

    again = stack.http.get(stack.base_url + f"/photos/{photo}/original/", timeout=30,
                           headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.content == b""

    # The internal location is not reachable from outside, and without a session nothing is served.
    assert requests.get(f"{stack.base_url}/_private_media/{name}", timeout=10).status_code == 404
    assert requests.get(f"{stack.base_url}/photos/{photo}/original/", timeout=10,
                        allow_redirects=False).status_code == 302


def test_pages_are_compressed(behind_nginx):
    page = behind_nginx.http.get(behind_nginx.base_url + "/", headers={"Accept-Encoding": "gzip"}, timeout=30)
    assert page.status_code == 200 and page.headers.get("Content-Encoding") == "gzip"
    assert "csrfmiddlewaretoken" in page.text or "csrf" in page.text.lower()
