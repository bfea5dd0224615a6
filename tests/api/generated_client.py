"""Generate the Python client a mobile team would, with openapi-python-client, from the schema
the server serves, and load it. Used by test_generated_client.py."""

from __future__ import annotations

import importlib
import os
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "docs" / "clients" / "openapi-python-client.yaml"
PACKAGE = "restore_api_client"

# The only warning the plain generator may give: it has no type for image/* bodies (the
# downloads) and leaves those responses out; docs/clients/openapi-python-client.yaml maps them.
_IMAGE_BODY = re.compile(r"Cannot parse response .*\(Unsupported content_type (image/[\w.+-]+(, )?)+\)")
_WARNING_HEADER = re.compile(r"WARNING parsing (GET|POST|PUT|PATCH|DELETE) /api/v1/\S+ within \w+\.")
_BANNER = (
    "Generating ",
    "Warning(s) encountered while generating",
    "If you believe this was a mistake",
)


def generate(schema_path: Path, out_dir: Path, *, config: Path | None) -> str:
    """Run the generator's command line; returns what it printed. Raises on failure."""
    command = [sys.executable, "-m", "openapi_python_client", "generate",
               "--path", str(schema_path), "--output-path", str(out_dir), "--meta", "none", "--overwrite"]
    if config is not None:
        command += ["--config", str(config), "--fail-on-warning"]
    # The plain generator formats its output with ruff (a dev dependency, beside this Python).
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    run = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    return output


def unexpected_warnings(output: str) -> list[str]:
    """Every line of the generator's report that is not a banner, an echoed schema fragment
    or the allowed image/* warning."""
    unexpected = []
    for line in output.splitlines():
        if not line.strip() or line.startswith((" ", "{", "}", "]")) or line.startswith(_BANNER):
            continue
        if _WARNING_HEADER.fullmatch(line.strip()) or _IMAGE_BODY.search(line):
            continue
        unexpected.append(line)
    return unexpected


def import_every_module(out_dir: Path):
    """Import the generated package and each of its modules; returns the package."""
    sys.path.insert(0, str(out_dir.parent))
    try:
        package = importlib.import_module(out_dir.name)
        for module in pkgutil.walk_packages(package.__path__, f"{out_dir.name}."):
            importlib.import_module(module.name)
        return package
    finally:
        sys.path.remove(str(out_dir.parent))


def forget(package_name: str) -> None:
    for name in [n for n in sys.modules if n == package_name or n.startswith(f"{package_name}.")]:
        del sys.modules[name]
