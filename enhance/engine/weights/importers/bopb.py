"""Import the official BOPB stage-1 checkpoints (global_checkpoints.zip or its extracted folder)
into canonical safetensors under WEIGHTS_DIR/bopb.

The official files are found by their relative paths anywhere inside the archive
(e.g. checkpoints/restoration/VAE_A_quality/latest_net_G.pth), read with
torch.load(weights_only=True) -- a checkpoint that tries to run code is refused -- and every tensor
name, shape and dtype is checked against the reference list of the official release
(reference/bopb_stage1_checkpoints.json) and loaded with strict=True into our networks.
Nothing is written unless every file passes; the previous weights stay intact otherwise.
"""

from __future__ import annotations

import hashlib
import io
import json
import pickle
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

import torch

from enhance.engine.errors import WeightsFormatError
from enhance.engine.weights import store
from enhance.engine.weights.importers.bopb_layout import LICENCE, MODEL_DIR, RELEASE_URLS, WEIGHT_FILES, WeightFile

REFERENCE = Path(__file__).resolve().parent.parent / "reference" / "bopb_stage1_checkpoints.json"
CHECKPOINT_SUFFIXES = (".pth", ".pt")
# A checkpoint bigger than this is not one of ours; refuse before reading it into memory.
MAX_FILE_BYTES = 1 << 30


def reference_tensors() -> dict[str, dict[str, tuple[tuple[int, ...], str]]]:
    """official relative path -> tensor name -> (shape, dtype name)."""
    data = json.loads(REFERENCE.read_text(encoding="utf-8"))
    return {
        path: {name: (tuple(shape), dtype) for name, (shape, dtype) in tensors.items()}
        for path, tensors in data["files"].items()
    }


def _is_noise(parts: tuple[str, ...]) -> bool:
    # macOS archive leftovers (__MACOSX/, ._name) are not checkpoints
    return any(part == "__MACOSX" or part.startswith("._") for part in parts)


def _match(member: str) -> WeightFile | None:
    parts = PurePosixPath(member).parts
    for spec in WEIGHT_FILES:
        wanted = PurePosixPath(spec.official).parts
        if parts[-len(wanted) :] == wanted:
            return spec
    return None


class _Source:
    """Uniform read access to a zip archive or a folder: member names (POSIX) and bytes."""

    def __init__(self, path: Path):
        self.path = path
        self._zip: zipfile.ZipFile | None = None

    def __enter__(self) -> _Source:
        if self.path.is_dir():
            return self
        try:
            self._zip = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise WeightsFormatError(f"{self.path}: not a zip archive or folder ({exc})") from exc
        return self

    def __exit__(self, *exc_info) -> None:
        if self._zip is not None:
            self._zip.close()

    def members(self) -> Iterator[str]:
        if self._zip is not None:
            yield from (info.filename for info in self._zip.infolist() if not info.is_dir())
        else:
            for file in sorted(self.path.rglob("*")):
                if file.is_file():
                    yield file.relative_to(self.path).as_posix()

    def size(self, member: str) -> int:
        if self._zip is not None:
            return self._zip.getinfo(member).file_size
        return (self.path / member).stat().st_size

    def read(self, member: str) -> bytes:
        if self.size(member) > MAX_FILE_BYTES:
            raise WeightsFormatError(f"{member}: {self.size(member)} bytes is far larger than any BOPB checkpoint")
        try:
            if self._zip is not None:
                return self._zip.read(member)
            return (self.path / member).read_bytes()
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise WeightsFormatError(f"{member}: cannot be read ({exc})") from exc


def locate_checkpoints(source: _Source) -> dict[str, str]:
    """official relative path -> member name; refuses missing, duplicate and unknown checkpoints."""
    found: dict[str, str] = {}
    unknown: list[str] = []
    for member in source.members():
        parts = PurePosixPath(member).parts
        if _is_noise(parts) or not member.lower().endswith(CHECKPOINT_SUFFIXES):
            continue
        spec = _match(member)
        if spec is None:
            unknown.append(member)
        elif spec.official in found:
            raise WeightsFormatError(
                f"{spec.official} appears twice ({found[spec.official]} and {member}); give one checkpoints folder"
            )
        else:
            found[spec.official] = member
    if unknown:
        raise WeightsFormatError(
            f"unknown checkpoint file(s) {', '.join(unknown)}: not part of the official BOPB stage-1 release"
        )
    missing = [spec.official for spec in WEIGHT_FILES if spec.official not in found]
    if missing:
        raise WeightsFormatError(f"missing official checkpoint file(s): {', '.join(missing)}")
    return found


def _load_state(spec: WeightFile, member: str, raw: bytes) -> dict[str, torch.Tensor]:
    try:
        loaded = torch.load(io.BytesIO(raw), map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise WeightsFormatError(
            f"{member}: refused: not a plain tensor checkpoint; it holds objects that could run code "
            f"when loaded ({first_line})"
        ) from exc
    except Exception as exc:  # torch raises RuntimeError/EOFError/... for truncated or foreign files
        raise WeightsFormatError(f"{member}: not a readable PyTorch checkpoint ({exc})") from exc
    if spec.wrapped_key is not None:
        if not isinstance(loaded, dict) or spec.wrapped_key not in loaded:
            raise WeightsFormatError(f"{member}: expected the state dict under {spec.wrapped_key!r}")
        loaded = loaded[spec.wrapped_key]
    if not isinstance(loaded, dict) or not all(isinstance(v, torch.Tensor) for v in loaded.values()):
        raise WeightsFormatError(f"{member}: expected a state dict of tensors")
    return dict(loaded)


def check_state(
    official: str, state: dict[str, torch.Tensor], expected: dict[str, tuple[tuple[int, ...], str]]
) -> None:
    missing = [name for name in expected if name not in state]
    extra = [name for name in state if name not in expected]
    problems = []
    if missing:
        problems.append(f"missing tensors {', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}")
    if extra:
        problems.append(f"unexpected tensors {', '.join(extra[:5])}{' ...' if len(extra) > 5 else ''}")
    for name, (shape, dtype) in expected.items():
        tensor = state.get(name)
        if tensor is None:
            continue
        got_dtype = str(tensor.dtype).removeprefix("torch.")
        if tuple(tensor.shape) != shape or got_dtype != dtype:
            problems.append(f"{name} is {list(tensor.shape)} {got_dtype}, expected {list(shape)} {dtype}")
    if problems:
        raise WeightsFormatError(f"{official}: does not match the official checkpoint: {'; '.join(problems[:6])}")


def _strict_load(spec: WeightFile, state: dict[str, torch.Tensor]) -> None:
    try:
        with torch.device("meta"):  # names and shapes only: no memory, no random init
            net = spec.build()
        net.load_state_dict(state, strict=True, assign=True)
    except RuntimeError as exc:
        raise WeightsFormatError(f"{spec.official}: does not load into the network ({exc})") from exc


@contextmanager
def _open(path: Path):
    if not path.exists():
        raise WeightsFormatError(f"{path}: no such file or folder")
    with _Source(path) as source:
        yield source


def import_bopb(path: Path | str, weights_dir: Path | str) -> Path:
    """Verify and convert the official checkpoints at `path`; returns WEIGHTS_DIR/bopb.
    The manifest (store.read_manifest(weights_dir, "bopb")) records the source and checksums."""
    path = Path(path)
    reference = reference_tensors()
    files: dict[str, dict[str, torch.Tensor]] = {}
    sources: dict[str, dict] = {}
    with _open(path) as source:
        located = locate_checkpoints(source)
        for spec in WEIGHT_FILES:
            member = located[spec.official]
            raw = source.read(member)
            state = _load_state(spec, member, raw)
            check_state(spec.official, state, reference[spec.official])
            _strict_load(spec, state)
            files[spec.canonical] = state
            sources[spec.canonical] = {"official": spec.official, "sha256": hashlib.sha256(raw).hexdigest()}
            del raw
    manifest = {
        "model": MODEL_DIR,
        "source": str(path.name),
        "release": RELEASE_URLS[0],
        "licence": LICENCE,
        "official_files": sources,
    }
    return store.write_canonical(weights_dir, MODEL_DIR, files, manifest)
