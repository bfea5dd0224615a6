#!/usr/bin/env bash
# The GPU check: engine-level parity, speed and memory on a machine with an NVIDIA GPU and
# PyTorch, without Django and without internet. Writes one JSON report (docs/benchmarks.md says
# what each figure means).
#
#   On a machine with the project's venv (to carry the ncnn model files along):
#     scripts/gpu_check.sh --pack DIR           # copies the two packages' ncnn files into DIR
#   On the GPU machine, from a checkout (or a copy of enhance/ and scripts/):
#     scripts/gpu_check.sh DIR [--bopb WEIGHTS_DIR/bopb] [--out report.json] [--device cuda:0]
#   Anywhere, a quick run of the script itself at tiny sizes (the test suite does this on the CPU):
#     scripts/gpu_check.sh DIR --dry-run --device cpu
#
# Needs python3 with torch, numpy, pillow, safetensors and filelock (PYTHON=... to choose one).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-$([ -x "$ROOT/.venv/bin/python" ] && echo "$ROOT/.venv/bin/python" || echo python3)}"
cd "$ROOT"

if [ "${1:-}" = "--pack" ]; then
    out="${2:?usage: gpu_check.sh --pack DIR}"
    "$PYTHON" - "$out" <<'PY'
import shutil, sys
from pathlib import Path
from enhance.engine.weights import builtin
out = Path(sys.argv[1])
for model_id in ("realsr", "waifu2x"):
    folder = builtin.package_models_dir(model_id)
    if folder is None:
        sys.exit(f"{builtin.PACKAGES[model_id][0]} is not installed here")
    shutil.copytree(folder, out / model_id, dirs_exist_ok=True)
    print(f"{model_id}: {len(list((out / model_id).iterdir()))} files -> {out / model_id}")
PY
    exit 0
fi

ncnn="${1:?usage: gpu_check.sh NCNN_DIR [--bopb DIR] [--out FILE] [--device cuda] [--dry-run]}"
shift
missing=$("$PYTHON" -c '
import importlib.util
print(" ".join(m for m in ("torch", "numpy", "PIL", "safetensors", "filelock") if importlib.util.find_spec(m) is None))
')
if [ -n "$missing" ]; then
    echo "missing Python modules: $missing (pip install them, e.g. from wheels carried along)" >&2
    exit 2
fi
exec "$PYTHON" -m enhance.engine.bench.gpu_check --ncnn "$ncnn" "$@"
