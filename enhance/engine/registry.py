"""Explicit table of user-facing models. Add a pipeline by importing its module's PIPELINE
and listing it in PIPELINES; nothing is discovered by scanning directories."""

from __future__ import annotations

from enhance.engine.context import Pipeline
from enhance.engine.pipelines import bopb, realesrgan, realsr, waifu2x

PIPELINES: tuple[Pipeline, ...] = (
    realsr.PIPELINE,
    waifu2x.PIPELINE,
    bopb.PIPELINE,
    realesrgan.PIPELINE,
)


def all_pipelines() -> tuple[Pipeline, ...]:
    return PIPELINES


def get_pipeline(model_id: str) -> Pipeline:
    for pipeline in PIPELINES:
        if pipeline.model_id == model_id:
            return pipeline
    known = ", ".join(p.model_id for p in PIPELINES)
    raise ValueError(f"unknown model {model_id!r}; available models: {known}")
