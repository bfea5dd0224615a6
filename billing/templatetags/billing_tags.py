from django import template

from billing.plans import format_megapixels

register = template.Library()


@register.filter
def megapixels(pixels: int) -> str:
    return format_megapixels(pixels)
