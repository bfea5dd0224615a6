"""One sentence for a batch's outcome, grouping the refusals by rule:

    "12 started, 3 refused: 2 above the Free plan's 4 MP, 1 over this month's quota"

Each photo was checked on its own (enhance.services.submit_batch); the person needs to know how
many ran and why the others did not, not one full message per photo."""

from __future__ import annotations

from collections import Counter

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from billing.plans import format_megapixels


def _short_reason(refusal, plan) -> str:
    """A few words for one refusal's rule; the full message when the rule has no short form."""
    code = getattr(refusal, "code", "")
    if code == "plan_size":
        return _("above the %(plan)s plan's %(limit)s MP") % {
            "plan": plan.name, "limit": format_megapixels(plan.pixel_limit)}
    if code == "plan_quota":
        return _("over this month's quota")
    if code == "plan_model":
        return _("not in the %(plan)s plan") % {"plan": plan.name}
    if code == "too_large":
        return _("too large for this model on this server")
    if code == "output_too_large":
        return _("result would be too large")
    if code == "not_found":
        return _("not found")
    return refusal.message


def batch_summary(user, outcome) -> str:
    """"N started" and, when some were refused, how many and why, most frequent reason first."""
    from billing.policy import plan_for

    started = ngettext("%(count)d started", "%(count)d started", len(outcome.jobs)) % {"count": len(outcome.jobs)}
    if not outcome.refused:
        return started
    plan = plan_for(user)
    reasons = Counter(_short_reason(refusal, plan) for _photo, refusal in outcome.refused)
    refused = ngettext("%(count)d refused", "%(count)d refused", len(outcome.refused)) % {
        "count": len(outcome.refused)}
    parts = ", ".join(
        _("%(count)d %(reason)s") % {"count": count, "reason": reason} for reason, count in reasons.most_common())
    return _("%(started)s, %(refused)s: %(reasons)s") % {"started": started, "refused": refused, "reasons": parts}
