"""The first page an anonymous visitor sees: real before/after examples made by our models from
public-domain pictures, what each option does (from the engine's catalogue), the plans, sign-up."""

from django.shortcuts import render
from django.templatetags.static import static
from django.utils.translation import gettext as _

from billing.plans import DEFAULT_PLAN, PLANS
from enhance.engine.catalog import all_specs, get_spec
from enhance.engine.catalog.spec import KINDS
from enhance.engine_text import kind_label, localized_options, model_label, options_summary
from showcase.samples import SAMPLES


def _examples() -> list[dict]:
    return [
        {
            "sample": sample,
            "model": model_label(sample.model),
            "kind": kind_label(sample.kind),
            "options": options_summary(sample.model, get_spec(sample.model).validate_options(sample.options)),
            "before": static(sample.before_static),
            "after": static(sample.after_static),
        }
        for sample in SAMPLES
    ]


def _plans_for(model_id: str) -> list:
    return [plan for plan in PLANS.values() if plan.allows_model(model_id)]


def _options_guide() -> list[dict]:
    """Each kind of the photo page with the models that serve it, their summary, the options they
    leave open and the cheapest plan that includes them."""
    kinds = []
    for kind in KINDS:
        models = []
        for spec in all_specs():
            for use in spec.uses:
                if use.kind != kind:
                    continue
                open_options = [o for o in spec.options if o.name not in use.preset]
                plans = _plans_for(spec.id)
                models.append({
                    "id": spec.id,
                    "label": model_label(spec.id),
                    "summary": _(spec.summary),
                    "options": localized_options(spec.id, open_options),
                    "needs_paid_plan": bool(plans) and not any(plan.code == DEFAULT_PLAN.code for plan in plans),
                    "plan_names": [str(plan.name) for plan in plans],
                })
        if models:
            kinds.append({"key": kind, "label": kind_label(kind), "models": models})
    return kinds


def landing(request):
    context = {
        "examples": _examples(),
        "kinds": _options_guide(),
        "plans": list(PLANS.values()),
        "default_plan": DEFAULT_PLAN,
    }
    return render(request, "showcase/landing.html", context)
