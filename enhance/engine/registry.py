"""Model id -> the pipeline that runs it. The catalogue (enhance.engine.catalog) is the list
of models; each spec names its pipeline as "module:attribute", imported here on first use so
that reading the catalogue never loads torch."""

from __future__ import annotations

import importlib

from enhance.engine.catalog import all_specs, get_spec
from enhance.engine.context import Pipeline

_LOADED: dict[str, Pipeline] = {}


def get_pipeline(model_id: str) -> Pipeline:
    spec = get_spec(model_id)  # ValueError naming the known models
    loaded = _LOADED.get(spec.runner)
    if loaded is None or loaded.spec is not spec:
        module_name, _, attribute = spec.runner.partition(":")
        loaded = getattr(importlib.import_module(module_name), attribute)
        if loaded.spec is not spec:
            raise RuntimeError(f"{spec.runner} runs {loaded.spec.id!r}, not {spec.id!r}")
        _LOADED[spec.runner] = loaded
    return loaded


def all_pipelines() -> tuple[Pipeline, ...]:
    return tuple(get_pipeline(spec.id) for spec in all_specs())
