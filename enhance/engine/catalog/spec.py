"""What the product knows about a model, without torch: the building blocks of a ModelSpec.

A spec is everything a web host, the API, billing and a worker's capability record need:
labels and help (English message ids the Django side translates), options with their values
and impossible combinations, the output size rule, the precisions the networks tolerate and
the fp32 islands they need, the progress stages, and pixel limits per device. The torch side
(enhance.engine.pipelines) only runs what a spec describes.

Message ids are marked with gettext_noop so that `makemessages` collects them; the engine never
imports Django, so this is a local identity function with the name xgettext looks for.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from enhance.engine.errors import OptionError

PRECISIONS = ("fp32", "bf16", "fp16")
_TRUE = ("true", "1", "yes", "on")
_FALSE = ("false", "0", "no", "off")


def gettext_noop(message: str) -> str:
    return message


@dataclass(frozen=True)
class Choice:
    """One allowed value of an option, with its label and help (message ids)."""

    value: Any
    label: str
    help: str = ""


@dataclass(frozen=True)
class Option:
    """A user-facing option. kind: "choice" (values from `choices`) or "bool"."""

    name: str
    label: str
    choices: tuple[Choice, ...]
    default: Any
    help: str = ""
    kind: str = "choice"
    # Other options' values this one matters with (e.g. high-resolution repair only with scratch
    # repair); forms hide it otherwise. Validation is unaffected: the value is simply unused.
    applies_when: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)

    def applies(self, options: Mapping[str, Any]) -> bool:
        return all(options.get(name) in values for name, values in self.applies_when.items())

    @property
    def values(self) -> tuple[Any, ...]:
        return tuple(choice.value for choice in self.choices)

    def choice(self, value: Any) -> Choice:
        return next(c for c in self.choices if c.value == value)

    def parse(self, model_id: str, value: Any) -> Any:
        """The normalised value; OptionError naming the allowed values otherwise. Form and
        query-string values arrive as text, so "2" is accepted for 2 and "true" for True."""
        if value in (None, "auto") and None in self.values:  # "decide for me", where an option offers it
            return None
        parsed = _parse_bool(value) if self.kind == "bool" else _parse_like(value, self.values)
        if parsed is _INVALID or parsed not in self.values:
            if self.kind == "bool":
                message = gettext_noop("%(option)s must be true or false; got %(value)s.")
            else:
                message = gettext_noop("%(option)s must be one of %(allowed)s; got %(value)s.")
            allowed = ", ".join(_show(v) for v in self.values)
            params = {"option": self.name, "allowed": allowed, "value": _show(value)}
            raise OptionError(self.name, message, params, model_id=model_id)
        return parsed


_INVALID = object()


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "auto"
    return repr(value) if isinstance(value, str) and not value else str(value)


def _parse_bool(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
        return value.strip().lower() in _TRUE
    return _INVALID


def _parse_like(value: Any, allowed: tuple[Any, ...]) -> Any:
    if any(isinstance(v, bool) for v in allowed) or isinstance(value, bool):
        # True == 1 in Python: a bool is only ever a bool option's value
        allowed_bools = [v for v in allowed if isinstance(v, bool)]
        return value if isinstance(value, bool) and value in allowed_bools else _INVALID
    if all(isinstance(v, int) for v in allowed):
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and re.fullmatch(r"\s*[-+]?\d+\s*", value):
            return int(value)
        return _INVALID
    return value if isinstance(value, str) else _INVALID


@dataclass(frozen=True)
class Impossible:
    """A combination of option values no network exists for, with the reason (a message id).
    `when` maps option names to the values that, all together, make the combination."""

    when: Mapping[str, tuple[Any, ...]]
    reason: str

    @property
    def blame(self) -> str:
        """The option a caller should change: the last one named (the refinement, e.g. scale for
        photo at 1x)."""
        return list(self.when)[-1]

    def matches(self, options: Mapping[str, Any]) -> bool:
        return all(options.get(name) in values for name, values in self.when.items())


@dataclass(frozen=True)
class Precisions:
    """What the networks tolerate. `islands` name the parts that always run in fp32 whatever
    the precision (reductions, normalisation statistics, attention logits, thresholds)."""

    supported: tuple[str, ...] = PRECISIONS
    islands: tuple[str, ...] = ()
    # What "auto" may pick: the supported precisions that stay within 45 dB of fp32 on the parity
    # tests (tests/engine/test_precision_parity.py). None: every supported one. A precision left
    # out here can still be asked for by name.
    auto: tuple[str, ...] | None = None

    def for_auto(self) -> tuple[str, ...]:
        if self.auto is None:
            return self.supported
        return tuple(p for p in self.auto if p in self.supported)


@dataclass(frozen=True)
class Stage:
    """A progress stage a pipeline reports: `key` as the engine reports it (may hold {number}
    and {total}), `label` the message id people read (with %(number)s and %(total)s)."""

    key: str
    label: str

    def match(self, reported: str) -> dict[str, str] | None:
        pattern = re.escape(self.key)
        for name in ("number", "total"):
            pattern = pattern.replace(re.escape("{" + name + "}"), rf"(?P<{name}>\d+)")
        found = re.fullmatch(pattern, reported)
        return found.groupdict() if found else None


@dataclass(frozen=True)
class DeviceInfo:
    """A worker's device as its capability record states it (torch-free, JSON-friendly)."""

    kind: str  # "cpu" | "cuda"
    name: str = ""
    memory_bytes: int = 0  # GPU memory; host memory for the CPU
    capability: tuple[int, int] | None = None  # CUDA compute capability
    bf16: bool = False  # native bf16 arithmetic

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "name": self.name,
            "memory_bytes": self.memory_bytes,
            "capability": list(self.capability) if self.capability else None,
            "bf16": self.bf16,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DeviceInfo:
        capability = data.get("capability")
        return cls(
            kind=str(data.get("kind", "cpu")),
            name=str(data.get("name", "")),
            memory_bytes=int(data.get("memory_bytes") or 0),
            capability=tuple(capability) if capability else None,
            bf16=bool(data.get("bf16")),
        )


@dataclass(frozen=True)
class PixelLimit:
    """The largest input (pixels) a device may take for the options in `when` (a subset of
    option values; {} matches everything). `limit(device, env)` returns None for no limit."""

    name: str
    when: Mapping[str, Any]
    limit: Callable[[DeviceInfo, Mapping[str, str]], int | None]
    # Message id telling a person why a photo is refused (with %(limit)s and %(size)s in
    # megapixels); "" for the generic wording.
    refusal: str = ""

    def matches(self, options: Mapping[str, Any]) -> bool:
        return all(options.get(key) == value for key, value in self.when.items())


# What a person picks on the photo page ("Select type"); each model says which it serves.
KINDS = {
    "sr": gettext_noop("SR"),
    "restore": gettext_noop("Restoration w/o scratches"),
    "restore_scratches": gettext_noop("Restoration w/ scratches"),
    "2dsr": gettext_noop("2D SR"),
}


@dataclass(frozen=True)
class Use:
    """A model serves a kind of the photo page (KINDS) with some options fixed (`preset`)."""

    kind: str
    preset: Mapping[str, Any] = field(default_factory=dict)


def _scale_one(options: Mapping[str, Any]) -> int:
    return 1


@dataclass(frozen=True)
class ModelSpec:
    id: str
    label: str  # message id: the model as people know it
    summary: str  # message id: what it is for, one sentence
    options: tuple[Option, ...] = ()
    impossible: tuple[Impossible, ...] = ()
    scale: Callable[[Mapping[str, Any]], int] = _scale_one
    precisions: Precisions = field(default_factory=Precisions)
    stages: tuple[Stage, ...] = ()
    pixel_limits: tuple[PixelLimit, ...] = ()  # most specific first
    uses: tuple[Use, ...] = ()
    # The torch side: "module:attribute" of the pipeline that runs it, imported on first run only.
    runner: str = ""

    def option(self, name: str) -> Option:
        return next(o for o in self.options if o.name == name)

    def defaults(self) -> dict[str, Any]:
        return {o.name: o.default for o in self.options}

    def validate_options(self, options: Mapping[str, Any] | None) -> dict[str, Any]:
        """Options normalised, defaults filled in; OptionError (a ValueError) with the reason otherwise."""
        if options is None:
            options = {}
        if not isinstance(options, Mapping):
            raise OptionError(
                None, gettext_noop("Options must be an object of option names and values."), {}, model_id=self.id
            )
        names = {o.name for o in self.options}
        unknown = sorted(str(key) for key in options if key not in names)
        if unknown:
            if not self.options:
                message = gettext_noop("%(model)s takes no options; got %(option)s.")
            else:
                message = gettext_noop("Unknown option %(option)s; allowed: %(allowed)s.")
            params = {"model": self.id, "option": unknown[0], "allowed": ", ".join(o.name for o in self.options)}
            raise OptionError(unknown[0], message, params, model_id=self.id)
        clean = {o.name: o.parse(self.id, options[o.name]) if o.name in options else o.default for o in self.options}
        for rule in self.impossible:
            if rule.matches(clean):
                raise OptionError(rule.blame, rule.reason, {}, model_id=self.id)
        return clean

    def output_size(self, width: int, height: int, options: Mapping[str, Any] | None = None) -> tuple[int, int]:
        factor = self.scale(self.validate_options(options))
        return width * factor, height * factor

    def pixel_limit(self, options: Mapping[str, Any], device: DeviceInfo, env: Mapping[str, str]) -> int | None:
        for rule in self.pixel_limits:
            if rule.matches(options):
                return rule.limit(device, env)
        return None

    def limit_table(self, device: DeviceInfo, env: Mapping[str, str]) -> dict[str, int | None]:
        """Every named pixel limit for a device: what a capability record publishes."""
        return {rule.name: rule.limit(device, env) for rule in self.pixel_limits}

    def limit_name(self, options: Mapping[str, Any]) -> str | None:
        """Which named limit of limit_table() applies to these options."""
        return next((rule.name for rule in self.pixel_limits if rule.matches(options)), None)

    def use_for(self, options: Mapping[str, Any]) -> Use | None:
        """The kind these options serve: the first Use whose preset they match."""
        return next(
            (use for use in self.uses if all(options.get(key) == value for key, value in use.preset.items())), None
        )

    def stage_label(self, reported: str) -> tuple[str, dict[str, str]] | None:
        for stage in self.stages:
            params = stage.match(reported)
            if params is not None:
                return stage.label, params
        return None

    def resolve_precision(self, requested: str, device: DeviceInfo) -> str:
        """"auto" or a named precision -> the one this model runs in on this device: on CUDA,
        bf16 where the GPU has it (compute capability >= 8.0) and the model allows it, else fp16
        if allowed, else fp32; on a CPU, bf16 where the CPU does it natively, else fp32."""
        requested = (requested or "auto").lower()
        supported = self.precisions.supported
        if requested == "auto":
            allowed = self.precisions.for_auto()
            if device.kind == "cuda":
                if device.bf16 and "bf16" in allowed:
                    return "bf16"
                return "fp16" if "fp16" in allowed else "fp32"
            return "bf16" if device.bf16 and "bf16" in allowed else "fp32"
        if requested not in PRECISIONS:
            raise ValueError(f"unknown precision {requested!r}; allowed: auto, {', '.join(PRECISIONS)}")
        if requested not in supported:
            raise ValueError(f"{self.id} does not run in {requested}; allowed: auto, {', '.join(supported)}")
        return requested
