"""The model catalogue: one ModelSpec per user-facing model, torch-free, so web hosts, the API
and billing read it without loading a network. Add a model by writing its spec module (and its
pipeline under enhance.engine.pipelines) and listing the spec here; nothing is discovered by
scanning directories."""

from __future__ import annotations

from enhance.engine.catalog import bopb, realesrgan, realsr, waifu2x
from enhance.engine.catalog.spec import ModelSpec, gettext_noop

CATALOG: list[ModelSpec] = [
    realsr.SPEC,
    waifu2x.SPEC,
    bopb.SPEC,
    realesrgan.SPEC,
]

# Stages every pipeline may report, besides its own.
COMMON_STAGES = {"done": gettext_noop("Finishing")}


def all_specs() -> tuple[ModelSpec, ...]:
    return tuple(CATALOG)


def model_ids() -> tuple[str, ...]:
    return tuple(spec.id for spec in CATALOG)


def get_spec(model_id: str) -> ModelSpec:
    for spec in CATALOG:
        if spec.id == model_id:
            return spec
    raise ValueError(f"unknown model {model_id!r}; available models: {', '.join(model_ids())}")


def register(spec: ModelSpec) -> None:
    """Add a model at run time (tests, plug-ins); replaces one with the same id."""
    unregister(spec.id)
    CATALOG.append(spec)


def unregister(model_id: str) -> None:
    CATALOG[:] = [spec for spec in CATALOG if spec.id != model_id]
