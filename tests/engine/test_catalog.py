"""The model catalogue: torch-free specs that validate options, size outputs and name stages."""

import subprocess
import sys

import pytest

from enhance.engine.catalog import all_specs, get_spec, register, unregister
from enhance.engine.catalog.spec import Choice, DeviceInfo, ModelSpec, Option
from enhance.engine.errors import OptionError


def test_reading_the_catalogue_never_imports_torch():
    code = (
        "import sys; from enhance.engine.catalog import all_specs; "
        "[s.validate_options({}) for s in all_specs()]; "
        "from enhance.engine.catalog import get_spec; get_spec('waifu2x').output_size(10, 10, {'scale': 4}); "
        "print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_every_spec_names_a_runner_and_its_defaults_are_valid():
    for spec in all_specs():
        assert spec.runner.count(":") == 1
        assert spec.validate_options({}) == spec.defaults()


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"scale": "4", "noise": "-1"}, {"style": "art", "scale": 4, "noise": -1}),
        ({"scale": 2.0}, {"style": "art", "scale": 2, "noise": 0}),
        ({"style": "photo", "scale": 2}, {"style": "photo", "scale": 2, "noise": 0}),
    ],
)
def test_form_text_and_whole_floats_are_accepted(options, expected):
    assert get_spec("waifu2x").validate_options(options) == expected


@pytest.mark.parametrize(
    ("model", "options", "option", "fragment"),
    [
        ("waifu2x", {"scale": 3}, "scale", "scale must be one of 1, 2, 4; got 3"),
        ("waifu2x", {"noise": 1.5}, "noise", "noise must be one of"),
        ("waifu2x", {"scale": True}, "scale", "scale must be one of"),
        ("waifu2x", {"style": "photo", "scale": 1}, "style", "photo has no 1x model"),
        ("waifu2x", {"colour": 1}, "colour", "Unknown option colour"),
        ("realsr", {"scale": 2}, "scale", "realsr takes no options"),
        ("bopb", {"scratches": "maybe"}, "scratches", "scratches must be true or false"),
        ("bopb", ["scratches"], "", "Options must be an object"),
    ],
)
def test_bad_options_name_the_option_and_the_reason(model, options, option, fragment):
    with pytest.raises(OptionError, match=fragment) as caught:
        get_spec(model).validate_options(options)
    assert caught.value.option == option
    assert caught.value.model_id == model


def test_an_option_error_keeps_its_message_id_and_parameters_for_translation():
    with pytest.raises(OptionError) as caught:
        get_spec("waifu2x").validate_options({"scale": 3})
    assert caught.value.message == "%(option)s must be one of %(allowed)s; got %(value)s."
    assert caught.value.params == {"option": "scale", "allowed": "1, 2, 4", "value": "3"}


def test_output_size_follows_the_options():
    assert get_spec("waifu2x").output_size(100, 50, {"scale": 4}) == (400, 200)
    assert get_spec("realsr").output_size(100, 50) == (400, 200)
    assert get_spec("bopb").output_size(100, 50, {"scratches": True}) == (100, 50)


def test_stages_are_matched_with_their_numbers():
    spec = get_spec("waifu2x")
    label, params = spec.stage_label("waifu2x pass 2/3")
    assert (label, params) == ("Upscaling, pass %(number)s of %(total)s", {"number": "2", "total": "3"})
    assert spec.stage_label("waifu2x pass 1/1") == ("Upscaling", {})
    assert spec.stage_label("tile 3/12") is None


CPU = DeviceInfo("cpu")
CPU_BF16 = DeviceInfo("cpu", bf16=True)
T4 = DeviceInfo("cuda", "Tesla T4", 16 << 30, (7, 5), bf16=False)
H200 = DeviceInfo("cuda", "NVIDIA H200", 141 << 30, (9, 0), bf16=True)


@pytest.mark.parametrize(
    ("device", "supported", "expected"),
    [
        (CPU, ("fp32", "bf16", "fp16"), "fp32"),
        (CPU_BF16, ("fp32", "bf16", "fp16"), "bf16"),
        (CPU_BF16, ("fp32",), "fp32"),
        (T4, ("fp32", "bf16", "fp16"), "fp16"),
        (H200, ("fp32", "bf16", "fp16"), "bf16"),
        (H200, ("fp32", "fp16"), "fp16"),
        (T4, ("fp32",), "fp32"),
    ],
)
def test_auto_precision_is_decided_by_the_model_and_the_device(device, supported, expected):
    from enhance.engine.catalog.spec import Precisions

    spec = ModelSpec(id="t", label="", summary="", precisions=Precisions(supported))
    assert spec.resolve_precision("auto", device) == expected


def test_a_precision_the_model_does_not_run_is_refused():
    from enhance.engine.catalog.spec import Precisions

    spec = ModelSpec(id="t", label="", summary="", precisions=Precisions(("fp32",)))
    with pytest.raises(ValueError, match="t does not run in fp16"):
        spec.resolve_precision("fp16", T4)
    with pytest.raises(ValueError, match="unknown precision"):
        spec.resolve_precision("int8", T4)


def test_scratch_repair_limits_follow_the_device_and_the_operator():
    spec = get_spec("bopb")
    assert spec.limit_name({"scratches": True, "hr": False}) == "scratches"
    assert spec.limit_name({"scratches": False, "hr": False}) is None
    assert spec.pixel_limit({"scratches": True}, CPU, {}) == 2_000_000
    assert spec.pixel_limit({"scratches": True}, CPU, {"SCRATCH_REPAIR_MAX_PIXELS": "0"}) is None
    assert spec.pixel_limit({"scratches": True}, CPU, {"SCRATCH_REPAIR_MAX_PIXELS": "5000000"}) == 5_000_000
    assert spec.pixel_limit({"scratches": True}, H200, {}) > spec.pixel_limit({"scratches": True}, T4, {})
    assert spec.pixel_limit({"scratches": False}, CPU, {}) is None


def test_a_device_record_round_trips_through_json():
    import json

    assert DeviceInfo.from_dict(json.loads(json.dumps(H200.as_dict()))) == H200


def test_a_registered_model_is_found_and_unregistered():
    extra = ModelSpec(
        id="extra",
        label="Extra",
        summary="",
        options=(Option("strength", "Strength", (Choice(1, "1"), Choice(2, "2")), default=1),),
        runner="tests.nowhere:PIPELINE",
    )
    register(extra)
    try:
        assert get_spec("extra").validate_options({"strength": "2"}) == {"strength": 2}
    finally:
        unregister("extra")
    with pytest.raises(ValueError, match="unknown model 'extra'"):
        get_spec("extra")
