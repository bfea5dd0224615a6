"""Public API: options, models, missing weights, progress, cancellation, the network cache."""

from __future__ import annotations

import pytest

from enhance.engine import (
    Cancelled,
    WeightsMissingError,
    available_models,
    enhance_image,
    output_size,
    run_enhancement,
    validate_options,
)
from enhance.engine import config as engine_config
from enhance.engine.cache import NETWORKS, NetworkCache
from enhance.engine.weights import builtin
from tests.engine.helpers import random_image

pytestmark = pytest.mark.engine


def test_waifu2x_defaults_and_normalisation():
    assert validate_options("waifu2x", None) == {"style": "art", "scale": 2, "noise": 0}
    assert validate_options("waifu2x", {"scale": "4", "noise": "-1", "style": "photo"}) == {
        "style": "photo",
        "scale": 4,
        "noise": -1,
    }
    assert validate_options("realsr", {}) == {}


@pytest.mark.parametrize(
    ("model", "options", "message"),
    [
        ("waifu2x", {"style": "sketch"}, "style must be one of art, photo"),
        ("waifu2x", {"scale": 3}, "scale must be one of 1, 2, 4"),
        ("waifu2x", {"noise": 4}, r"noise must be one of -1, 0, 1, 2, 3"),
        ("waifu2x", {"noise": 1.5}, "noise must be one of"),
        ("waifu2x", {"style": "photo", "scale": 1}, "photo has no 1x model"),
        ("waifu2x", {"scale": 1, "noise": -1}, "scale 1 only denoises"),
        ("waifu2x", {"colour": "red"}, "allowed: style, scale, noise"),
        ("realsr", {"scale": 2}, "realsr takes no options"),
        ("nope", {}, "unknown model 'nope'; available models: realsr, waifu2x"),
    ],
)
def test_bad_options_name_allowed_values(model, options, message):
    with pytest.raises(ValueError, match=message):
        validate_options(model, options)


@pytest.mark.parametrize(
    ("model", "options", "option"),
    [
        ("waifu2x", {"style": "sketch"}, "style"),
        ("waifu2x", {"scale": 3}, "scale"),
        ("waifu2x", {"noise": 1.5}, "noise"),
        ("waifu2x", {"style": "photo", "scale": 1}, "scale"),
        ("waifu2x", {"scale": 1, "noise": -1}, "noise"),
        ("waifu2x", {"colour": "red"}, "colour"),
        ("realsr", {"scale": 2}, "scale"),
        ("bopb", {"scratches": "maybe"}, "scratches"),
        ("bopb", {"scratch": True}, "scratch"),
        ("bopb", ["scratches"], None),
    ],
)
def test_a_bad_option_is_named_for_the_caller(model, options, option):
    from enhance.engine.errors import OptionError

    with pytest.raises(OptionError) as raised:
        validate_options(model, options)
    assert raised.value.option == option


def test_output_size():
    assert output_size("realsr", 10, 7, {}) == (40, 28)
    assert output_size("waifu2x", 10, 7, {"scale": 4}) == (40, 28)
    assert output_size("waifu2x", 10, 7, {"scale": 1, "noise": 2}) == (10, 7)


def test_available_models_lists_every_model(engine):
    models = {m.id: m for m in available_models()}
    assert {"realsr", "waifu2x"} <= set(models)
    assert models["realsr"].available and models["realsr"].reason == ""
    assert [o.name for o in models["waifu2x"].options] == ["style", "scale", "noise"]


def test_missing_weights_name_the_command(tmp_path, monkeypatch, rng):
    monkeypatch.setattr(builtin, "package_models_dir", lambda model_id: None)
    saved = dict(engine_config._config)
    engine_config.configure(weights_dir=tmp_path / "empty")
    try:
        info = {m.id: m for m in available_models()}
        assert not info["realsr"].available
        assert "python manage.py import_weights builtin" in info["realsr"].reason
        with pytest.raises(WeightsMissingError, match="run: python manage.py import_weights builtin") as caught:
            enhance_image(random_image(rng, 8, 8), "realsr")
        assert caught.value.command == "python manage.py import_weights builtin"
    finally:
        engine_config._config.update(saved)


def test_first_use_imports_lazily(tmp_path, rng):
    saved = dict(engine_config._config)
    engine_config.configure(weights_dir=tmp_path / "lazy")
    try:
        out = enhance_image(random_image(rng, 9, 7), "waifu2x", {"style": "photo", "noise": -1}, precision="fp32")
        assert out.size == (18, 14)
        assert (tmp_path / "lazy" / "waifu2x" / "manifest.json").is_file()
    finally:
        engine_config._config.update(saved)


def test_progress_reaches_one_and_cancel_stops(engine, rng):
    img = random_image(rng, 30, 20)
    seen = []
    result = run_enhancement(
        img, "waifu2x", {"style": "photo"}, tile_size=8, progress=lambda f, s: seen.append(f), precision="fp32"
    )
    assert result.device == "cpu" and result.seconds > 0
    assert len(seen) > 4 and seen == sorted(seen) and seen[-1] == 1.0
    with pytest.raises(Cancelled):
        enhance_image(img, "waifu2x", {"style": "photo"}, tile_size=8, should_cancel=lambda: True)


def test_bad_tile_size(engine, rng):
    with pytest.raises(ValueError, match="tile_size"):
        enhance_image(random_image(rng, 8, 8), "waifu2x", tile_size=-3)


def test_network_is_built_once_per_process(engine, rng):
    img = random_image(rng, 8, 8)
    enhance_image(img, "waifu2x", {"style": "photo", "noise": 2}, precision="fp32")
    builds = NETWORKS.builds
    enhance_image(img, "waifu2x", {"style": "photo", "noise": 2}, precision="fp32")
    assert NETWORKS.builds == builds


def test_cache_evicts_least_recently_used():
    import torch

    cache = NetworkCache(budget_bytes=2 * 4 * 100)  # room for two 100-float modules

    def module():
        return torch.nn.Linear(99, 1)  # 99 weights + 1 bias

    cache.get("a", module)
    cache.get("b", module)
    cache.get("a", module)  # a is now the most recent
    cache.get("c", module)
    assert cache.keys() == ["a", "c"]
