from django import template

from billing.plans import format_megapixels

register = template.Library()


@register.filter
def megapixels(pixels: int) -> str:
    return format_megapixels(pixels)


@register.inclusion_tag("billing/_plan_box.html", takes_context=True)
def plan_box(context, photo=None):
    """The photo page's plan box: the plan, the jobs left this month, its photo size limit, and
    (when this photo is above that limit) why it cannot be enhanced, each with the upgrade link."""
    from billing.plan_notes import size_notice, upgrade_plan
    from billing.plans import get_plan
    from billing.policy import entitlement_for_request, usage_summary

    request = context["request"]
    summary = usage_summary(request.user, entitlement_for_request(request))
    plan = get_plan(summary["plan"])
    return {
        "plan": plan,
        "summary": summary,
        "upgrade": upgrade_plan(plan),
        "size_notice": size_notice(plan, photo.width, photo.height) if photo is not None else "",
    }
