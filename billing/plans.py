"""The one table of plans and their limits.

Views, templates and the policy read plans from here only, so changing a limit or
adding a plan is an edit to this table, never to a view. Plan rows live in code
(not the database) so that every process, test and migration sees the same limits;
operators grant a plan to a person in the admin (billing.BillingProfile).
"""

from dataclasses import dataclass

from django.conf import settings
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from enhance.engine.catalog import model_ids
from enhance.engine_text import model_label

# One row per catalogued model id: the plans (codes) that include it. A model's labels live in
# its spec (enhance.engine.catalog); its price lives here, and billing.checks refuses to start
# when a catalogued model has no row, so a new model is never free or unsellable by accident.
MODEL_PLANS: dict[str, tuple[str, ...]] = {
    "realsr": ("free", "pro"),
    "waifu2x": ("free", "pro"),
    "realesrgan": ("free", "pro"),  # as RealSR
    "bopb": ("pro",),
}


@dataclass(frozen=True)
class Plan:
    code: str
    name: str
    price_usd_month: int  # whole dollars; 0 = free
    jobs_per_month: int
    # None means the site-wide upload cap (settings.UPLOAD_MAX_PIXELS).
    max_pixels: int | None
    # None means results are kept until the owner deletes them.
    retention_days: int | None
    # Higher runs first in the job queue.
    priority: int
    # Name of the setting that holds this plan's Stripe price id; None = not sold.
    stripe_price_setting: str | None = None
    # Name of the setting that caps a result's pixels (output_size, known before a job runs).
    output_pixels_setting: str = "OUTPUT_MAX_PIXELS_FREE"

    def allows_model(self, model_id: str) -> bool:
        return self.code in MODEL_PLANS.get(model_id, ())

    @property
    def models(self) -> tuple[str, ...]:
        """The catalogued models this plan includes, in catalogue order."""
        return tuple(model_id for model_id in model_ids() if self.allows_model(model_id))

    @property
    def pixel_limit(self) -> int:
        site_cap = settings.UPLOAD_MAX_PIXELS
        return site_cap if self.max_pixels is None else min(self.max_pixels, site_cap)

    @property
    def output_pixel_limit(self) -> int:
        return int(getattr(settings, self.output_pixels_setting))

    @property
    def stripe_price_id(self) -> str:
        return getattr(settings, self.stripe_price_setting, "") if self.stripe_price_setting else ""

    @property
    def is_paid(self) -> bool:
        return self.price_usd_month > 0

    def model_labels(self) -> list[str]:
        return [model_label(model_id) for model_id in self.models]


FREE = Plan(
    code="free",
    name=_("Free"),
    price_usd_month=0,
    jobs_per_month=30,
    max_pixels=4_000_000,
    retention_days=30,
    priority=0,
)

PRO = Plan(
    code="pro",
    name=_("Pro"),
    price_usd_month=5,
    jobs_per_month=1000,
    max_pixels=None,
    retention_days=None,
    priority=10,
    stripe_price_setting="STRIPE_PRICE_PRO",
    output_pixels_setting="OUTPUT_MAX_PIXELS_PRO",
)

PLANS: dict[str, Plan] = {plan.code: plan for plan in (FREE, PRO)}
DEFAULT_PLAN = FREE


def format_megapixels(pixels: int) -> str:
    """40_000_000 -> "40", 4_200_000 -> "4.2", localized."""
    value = pixels / 1_000_000
    return formats.number_format(value, 0 if value == int(value) else 1)


def get_plan(code: str) -> Plan:
    return PLANS.get(code, DEFAULT_PLAN)


def plan_choices() -> list[tuple[str, str]]:
    """Choices for model fields; a callable so a new plan needs no migration."""
    return [(plan.code, plan.name) for plan in PLANS.values()]


def paid_plan_for_price(price_id: str) -> Plan | None:
    for plan in PLANS.values():
        if plan.is_paid and price_id and plan.stripe_price_id == price_id:
            return plan
    return None


def default_paid_plan() -> Plan:
    return next(plan for plan in PLANS.values() if plan.is_paid)


def plan_for_priority(priority: int) -> Plan:
    """The plan a job was admitted under: Job.priority is Admission.priority, one value per plan."""
    return next((plan for plan in PLANS.values() if plan.priority == priority), DEFAULT_PLAN)


# plan_for_priority() relies on it.
assert len({plan.priority for plan in PLANS.values()}) == len(PLANS), "every plan needs its own priority"
