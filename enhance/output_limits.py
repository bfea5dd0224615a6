"""How large a result may be, decided before a job runs, and which formats can hold it.

Every model's output size is known from its spec (ModelSpec.output_size, torch-free), so a
job whose result the owner's plan does not allow is refused at submit with the reason,
never after minutes of work, and a download is offered only in a format that can encode it.
"""

from __future__ import annotations

from django.utils import formats
from django.utils.translation import gettext as _

from billing.plans import Plan, default_paid_plan, format_megapixels
from enhance.engine.catalog import get_spec

# Largest side each download format can encode (WebP: 14-bit dimensions; JPEG: 16-bit).
MAX_SIDE = {
    "png": 2**31 - 1,
    "jpeg": 65_535,
    "webp": 16_383,
}
FORMAT_ORDER = ("png", "jpeg", "webp")


def output_pixels(model_id: str, options: dict, width: int, height: int) -> tuple[int, int]:
    return get_spec(model_id).output_size(width or 0, height or 0, options)


def output_refusal(plan: Plan, model_id: str, options: dict, width: int, height: int) -> tuple[str, bool]:
    """(why the result would be too large, whether a paid plan would allow it), or ("", False)."""
    out_w, out_h = output_pixels(model_id, options, width, height)
    pixels = out_w * out_h
    limit = plan.output_pixel_limit
    if pixels <= limit:
        return "", False
    upgrade = not plan.is_paid and pixels <= default_paid_plan().output_pixel_limit
    reason = _(
        "The result would be %(width)s × %(height)s pixels (%(size)s megapixels); the %(plan)s plan "
        "allows results up to %(limit)s megapixels. Choose a smaller scale or upload a smaller copy."
    ) % {
        "width": out_w, "height": out_h, "size": formats.number_format(pixels / 1_000_000, 1),
        "plan": plan.name, "limit": format_megapixels(limit),
    }
    return reason, upgrade


def formats_for_size(width: int | None, height: int | None) -> list[str]:
    """Download formats that can hold an image of this size, PNG first."""
    side = max(width or 0, height or 0)
    return [key for key in FORMAT_ORDER if side <= MAX_SIDE[key]]
