"""Start-up check: every catalogued model has a row in billing.plans.MODEL_PLANS naming plans
that exist. Without it a new model would be silently refused to everyone (or, with a catch-all
plan, silently given away); Django refuses to start (runserver, migrate, qcluster, check)."""

from django.core.checks import Error, register

from billing.plans import MODEL_PLANS, PLANS
from enhance.engine.catalog import model_ids


@register()
def every_model_has_a_plan_row(app_configs=None, **kwargs):
    errors = []
    for model_id in model_ids():
        row = MODEL_PLANS.get(model_id)
        if not row:
            errors.append(Error(
                f"model {model_id!r} is in the engine's catalogue but no plan includes it",
                hint=f"add a row {model_id!r}: (plan codes...) to MODEL_PLANS in billing/plans.py "
                f"(plans: {', '.join(PLANS)})",
                id="billing.E001",
            ))
            continue
        unknown = [code for code in row if code not in PLANS]
        if unknown:
            errors.append(Error(
                f"MODEL_PLANS[{model_id!r}] names unknown plans: {', '.join(unknown)}",
                hint=f"plans are: {', '.join(PLANS)}",
                id="billing.E002",
            ))
    return errors
