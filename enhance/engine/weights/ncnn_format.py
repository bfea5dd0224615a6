"""Reader for ncnn .param/.bin pairs (the format waifu2x-ncnn-vulkan and realsr-ncnn-vulkan
ship). Only what those graphs use is supported; anything else is refused with a reason.

.param: magic 7767517, "layer_count blob_count", then one line per layer:
    type name n_in n_out in_blobs... out_blobs... key=value ...
  a negative key -23300-k holds an array for id k: "count,v1,v2,...".
.bin: for every layer with weights, in layer order, the weight blob prefixed by a 4-byte
  tag (0x01306B47 fp16, 0 fp32), padded to 4 bytes; then the bias as untagged fp32.
  PReLU (Real-ESRGAN's compact network) stores its slopes as untagged fp32, count 0=.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from enhance.engine.errors import WeightsFormatError

MAGIC = 7767517
TAG_FP16 = 0x01306B47
TAG_FP32 = 0x00000000
# Layers without weights we accept (their params are read but carry no data in .bin).
WEIGHTLESS = {
    "Input", "Split", "Concat", "Eltwise", "BinaryOp", "Interp", "Pooling", "Crop", "ReLU", "Sigmoid", "PixelShuffle",
}
WEIGHTED = {"Convolution", "Deconvolution", "InnerProduct"}


@dataclass
class NcnnLayer:
    type: str
    name: str
    inputs: list[str]
    outputs: list[str]
    params: dict[int, object]
    weights: dict[str, np.ndarray] = field(default_factory=dict)
    weight_tag: int | None = None

    def param(self, key: int, default=0):
        return self.params.get(key, default)


def _number(text: str):
    try:
        if any(c in text for c in ".eE"):
            return float(text)
        return int(text)
    except ValueError as exc:
        raise WeightsFormatError(f"bad number {text!r} in .param") from exc


def parse_param(text: str, source: str = ".param") -> list[NcnnLayer]:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if len(lines) < 2 or lines[0].strip() != str(MAGIC):
        raise WeightsFormatError(f"{source}: not an ncnn .param file (magic {MAGIC} missing)")
    try:
        layer_count, _blob_count = (int(v) for v in lines[1].split())
    except ValueError as exc:
        raise WeightsFormatError(f"{source}: bad header line {lines[1]!r}") from exc
    body = lines[2:]
    if len(body) != layer_count:
        raise WeightsFormatError(f"{source}: header says {layer_count} layers, file has {len(body)}")
    layers = []
    for line in body:
        parts = line.split()
        try:
            ltype, name, n_in, n_out = parts[0], parts[1], int(parts[2]), int(parts[3])
        except (IndexError, ValueError) as exc:
            raise WeightsFormatError(f"{source}: bad layer line {line!r}") from exc
        blobs = parts[4 : 4 + n_in + n_out]
        params: dict[int, object] = {}
        for item in parts[4 + n_in + n_out :]:
            key_text, _, value = item.partition("=")
            key = int(key_text)
            if key <= -23300:
                values = value.split(",")
                params[-key - 23300] = [_number(v) for v in values[1:]]
            else:
                params[key] = _number(value)
        layers.append(NcnnLayer(ltype, name, blobs[:n_in], blobs[n_in:], params))
    return layers


class _Reader:
    def __init__(self, data: bytes, source: str):
        self.data, self.pos, self.source = data, 0, source

    def take(self, nbytes: int, what: str) -> bytes:
        if self.pos + nbytes > len(self.data):
            raise WeightsFormatError(
                f"{self.source}: truncated: {what} needs {nbytes} bytes at offset {self.pos}, file has {len(self.data)}"
            )
        chunk = self.data[self.pos : self.pos + nbytes]
        self.pos += nbytes
        return chunk

    def tagged(self, count: int, what: str) -> tuple[np.ndarray, int]:
        (tag,) = struct.unpack("<I", self.take(4, what + " tag"))
        if tag == TAG_FP16:
            nbytes = count * 2
            raw = self.take(nbytes, what)
            self.take((-nbytes) % 4, what + " padding")
            return np.frombuffer(raw, dtype="<f2").copy(), tag
        if tag == TAG_FP32:
            return np.frombuffer(self.take(count * 4, what), dtype="<f4").copy(), tag
        raise WeightsFormatError(
            f"{self.source}: {what}: unsupported weight tag 0x{tag:08X} at offset {self.pos - 4} "
            "(only fp16 0x01306B47 and fp32 0x00000000 are supported)"
        )

    def raw_fp32(self, count: int, what: str) -> np.ndarray:
        return np.frombuffer(self.take(count * 4, what), dtype="<f4").copy()


def read_bin(layers: list[NcnnLayer], data: bytes, source: str = ".bin") -> list[NcnnLayer]:
    """Fill `weights` of every weighted layer from `data`; the whole file must be consumed."""
    reader = _Reader(data, source)
    for layer in layers:
        if layer.type in WEIGHTLESS:
            continue
        if layer.type == "Scale" and layer.param(0) == -233:
            continue  # scale comes from the second input blob
        if layer.type == "PReLU":
            count = int(layer.param(0))
            layer.weights["weight"] = reader.raw_fp32(count, f"{layer.name} slope")
            layer.weight_tag = TAG_FP32
            continue
        if layer.type not in WEIGHTED:
            raise WeightsFormatError(f"{source}: layer type {layer.type} ({layer.name}) is not supported")
        size_key = 2 if layer.type == "InnerProduct" else 6
        bias_key = 1 if layer.type == "InnerProduct" else 5
        count = int(layer.param(size_key))
        outputs = int(layer.param(0))
        if count <= 0 or outputs <= 0:
            raise WeightsFormatError(f"{source}: layer {layer.name} has no weight size")
        weight, tag = reader.tagged(count, f"{layer.name} weight")
        layer.weights["weight"] = weight
        layer.weight_tag = tag
        if layer.param(bias_key):
            layer.weights["bias"] = reader.raw_fp32(outputs, f"{layer.name} bias")
    if reader.pos != len(data):
        raise WeightsFormatError(f"{source}: {len(data) - reader.pos} unexpected trailing bytes")
    return layers


def load_pair(param_path: Path, bin_path: Path) -> list[NcnnLayer]:
    try:
        text = Path(param_path).read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise WeightsFormatError(f"{param_path}: unreadable ({exc})") from exc
    layers = parse_param(text, str(param_path))
    try:
        data = Path(bin_path).read_bytes()
    except OSError as exc:
        raise WeightsFormatError(f"{bin_path}: unreadable ({exc})") from exc
    return read_bin(layers, data, str(bin_path))


def weighted_layers(layers: list[NcnnLayer]) -> list[NcnnLayer]:
    return [layer for layer in layers if layer.weights]
