"""Which jobs a worker can run, as an ORM filter: a model it has, and a photo within its pixel
limit for the options the job asks for. Torch-free: the claim uses it on a worker, the
dashboard on a web host (to list queued jobs that no live worker can take)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db.models import F, Q, QuerySet

from enhance.engine.catalog import get_spec

NOTHING = Q(pk__in=[])


def with_pixels(jobs: QuerySet) -> QuerySet:
    """Jobs annotated with their photo's pixel count, which runnable_filter() compares."""
    return jobs.annotate(pixels=F("photo__width") * F("photo__height"))


def _options_match(when: Mapping) -> Q:
    # Job.options holds every option (services stores the normalised, defaulted options).
    return Q(**{f"options__{name}": value for name, value in when.items()})


def _model_filter(model_id: str, limits: Mapping[str, int | None]) -> Q:
    try:
        spec = get_spec(model_id)
    except ValueError:  # a worker with a newer catalogue than this host: its other models still count
        return NOTHING
    allowed = Q(model=model_id)
    more_specific: list[Q] = []
    # The first rule whose options match is the one that applies (ModelSpec.pixel_limit).
    for rule in spec.pixel_limits:
        matches = _options_match(rule.when)
        limit = limits.get(rule.name)
        if limit is not None:
            applies = matches
            for earlier in more_specific:
                applies &= ~earlier
            allowed &= ~(applies & Q(pixels__gt=limit))
        more_specific.append(matches)
    return allowed


def runnable_filter(runnable: Mapping[str, Mapping[str, int | None]]) -> Q:
    """Jobs (annotated by with_pixels) a worker whose record says `runnable` can take."""
    allowed = NOTHING
    for model_id, limits in runnable.items():
        allowed |= _model_filter(model_id, limits or {})
    return allowed


def any_of(runnables: Iterable[Mapping[str, Mapping[str, int | None]]]) -> Q:
    allowed = NOTHING
    for runnable in runnables:
        allowed |= runnable_filter(runnable)
    return allowed
