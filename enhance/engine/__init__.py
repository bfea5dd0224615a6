"""The enhancement engine: pure PyTorch + Pillow + numpy, no Django. See api.py.

Names are loaded on first access so that `from enhance.engine import configure` (Django
start-up) does not import torch."""

from enhance.engine.config import configure
from enhance.engine.errors import Cancelled, EngineError, OptionError, WeightsFormatError, WeightsMissingError

_LAZY = {
    "EnhanceResult": "enhance.engine.api",
    "available_models": "enhance.engine.api",
    "enhance_image": "enhance.engine.api",
    "output_size": "enhance.engine.api",
    "run_enhancement": "enhance.engine.api",
    "validate_options": "enhance.engine.api",
    "ModelInfo": "enhance.engine.context",
    "ModelSpec": "enhance.engine.catalog.spec",
    "Option": "enhance.engine.catalog.spec",
}

__all__ = ["Cancelled", "EngineError", "OptionError", "WeightsFormatError", "WeightsMissingError", "configure", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'enhance.engine' has no attribute {name!r}")
