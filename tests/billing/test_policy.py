"""admit / recheck_at_claim / plan_for / usage_summary on SQLite and PostgreSQL."""

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone

from billing import policy
from billing.models import BillingProfile, MonthlyUsage
from billing.plans import FREE, PRO
from tests.billing.conftest import make_subscription

pytestmark = pytest.mark.django_db


def test_free_user_may_run_free_models_with_free_priority(user):
    admission = policy.admit(user, "waifu2x", width=1000, height=1000)
    assert admission.priority == FREE.priority
    assert policy.admit(user, "realsr", width=2000, height=2000).priority == FREE.priority  # exactly 4 MP


def test_free_user_asking_for_restoration_is_refused_with_reason_and_upgrade_link(user):
    with pytest.raises(policy.PolicyRefusal) as refusal:
        policy.admit(user, "bopb", width=800, height=600)
    assert "Free plan does not include" in refusal.value.reason
    assert "Old photo restoration" in refusal.value.reason  # the label in the model's spec
    assert refusal.value.upgrade_url == "/billing/pricing/"
    assert not MonthlyUsage.objects.filter(user=user, jobs__gt=0).exists()


def test_free_input_over_4_megapixels_is_refused_and_not_counted(user):
    with pytest.raises(policy.PolicyRefusal) as refusal:
        policy.admit(user, "realsr", width=2100, height=2000)
    assert refusal.value.reason == (
        "This photo has 4.2 megapixels; the Free plan accepts photos up to 4 megapixels."
    )
    assert policy.jobs_used(user) == 0


def test_pro_gets_every_model_site_pixel_cap_and_priority(user, settings):
    settings.UPLOAD_MAX_PIXELS = 40_000_000
    make_subscription(user, "active", timezone.now() + timedelta(days=20))
    assert policy.plan_for(user) == PRO
    assert policy.admit(user, "bopb", width=5000, height=8000).priority == PRO.priority > FREE.priority
    with pytest.raises(policy.PolicyRefusal, match="40"):
        policy.admit(user, "bopb", width=5000, height=8001)


def test_quota_counts_one_per_admission_and_refuses_the_31st(user):
    for _ in range(FREE.jobs_per_month):
        with transaction.atomic():
            policy.admit(user, "waifu2x", width=10, height=10)
    with pytest.raises(policy.PolicyRefusal) as refusal:
        policy.admit(user, "waifu2x", width=10, height=10)
    assert "all 30 jobs" in refusal.value.reason
    assert policy.jobs_used(user) == FREE.jobs_per_month


def test_refusal_inside_the_job_transaction_leaves_the_count_unchanged(user):
    MonthlyUsage.objects.create(user=user, month=policy.month_start(timezone.now()), jobs=3)

    class JobCreationFailed(Exception):
        pass

    with pytest.raises(JobCreationFailed), transaction.atomic():
        policy.admit(user, "waifu2x", width=10, height=10)
        raise JobCreationFailed  # e.g. the Job INSERT failed: the count is rolled back with it
    assert policy.jobs_used(user) == 3


def test_usage_is_per_calendar_month(user):
    last_month = policy.month_start(timezone.now()) - timedelta(days=1)
    MonthlyUsage.objects.create(user=user, month=last_month.replace(day=1), jobs=FREE.jobs_per_month)
    policy.admit(user, "waifu2x", width=10, height=10)
    assert policy.jobs_used(user) == 1


def test_recheck_at_claim_checks_model_and_size_but_never_counts(user):
    policy.recheck_at_claim(user, "realsr", width=100, height=100)
    assert policy.jobs_used(user) == 0
    with pytest.raises(policy.PolicyRefusal):
        policy.recheck_at_claim(user, "bopb", width=100, height=100)
    with pytest.raises(policy.PolicyRefusal):
        policy.recheck_at_claim(user, "realsr", width=3000, height=3000)


def test_recheck_refuses_once_a_canceled_plan_has_run_out(user):
    subscription = make_subscription(user, "active", timezone.now() + timedelta(days=3))
    policy.recheck_at_claim(user, "bopb", width=100, height=100)
    subscription.status = "canceled"
    subscription.current_period_end = timezone.now() - timedelta(seconds=1)
    subscription.save()
    with pytest.raises(policy.PolicyRefusal):
        policy.recheck_at_claim(user, "bopb", width=100, height=100)


@pytest.mark.parametrize(
    ("status", "period_end_days", "expected"),
    [
        ("active", 10, PRO),
        ("active", -2, PRO),  # renewal event late: an active subscription still counts
        ("trialing", 5, PRO),
        ("past_due", 3, PRO),
        ("past_due", -1, PRO),  # Stripe is still retrying the renewal: it ends in unpaid or canceled
        ("unpaid", 3, FREE),
        ("unpaid", -1, FREE),
        ("canceled", 3, FREE),  # Stripe cancels only when the subscription has ended
        ("canceled", -1, FREE),
        ("incomplete", 30, FREE),
        ("incomplete_expired", 30, FREE),
        ("", 30, FREE),  # placeholder row created by an invoice event
    ],
)
def test_plan_follows_subscription_status_and_paid_period(user, status, period_end_days, expected):
    make_subscription(user, status, timezone.now() + timedelta(days=period_end_days))
    assert policy.plan_for(user) == expected


def test_operator_grant_gives_the_plan_until_it_expires(user):
    profile = BillingProfile.objects.create(user=user, granted_plan="pro")
    assert policy.plan_for(user) == PRO
    profile.granted_until = timezone.now() - timedelta(minutes=1)
    profile.save()
    assert policy.plan_for(user) == FREE


def test_plan_and_paying_subscription_come_from_one_query(user, django_assert_num_queries):
    """The grant and every subscription are read together (the plan is asked on most pages)."""
    from billing.entitlements import active_subscription, entitlement

    now = timezone.now()
    BillingProfile.objects.create(user=user, granted_plan="pro", granted_until=now - timedelta(days=1))
    make_subscription(user, "canceled", now + timedelta(days=40), stripe_id="sub_Newest_but_over")
    paying = make_subscription(user, "active", now + timedelta(days=20), stripe_id="sub_Paying")
    make_subscription(user, "active", now + timedelta(days=5), stripe_id="sub_Older")
    make_subscription(user, "", now + timedelta(days=60), stripe_id="sub_Not_told_yet")
    with django_assert_num_queries(1):
        plan, subscription = entitlement(user)
    assert (plan, subscription) == (PRO, paying)  # the expired grant adds nothing
    assert subscription.cancel_at_period_end is False and subscription.current_period_end is not None
    with django_assert_num_queries(1):
        assert policy.plan_for(user) == PRO
    with django_assert_num_queries(1):
        assert active_subscription(user) == paying


def test_a_grant_alone_and_nothing_at_all_in_one_query(user, django_assert_num_queries):
    from billing.entitlements import entitlement

    with django_assert_num_queries(1):
        assert entitlement(user) == (FREE, None)
    BillingProfile.objects.create(user=user, granted_plan="pro")
    with django_assert_num_queries(1):
        assert entitlement(user) == (PRO, None)


def test_anonymous_visitors_are_free():
    assert policy.plan_for(AnonymousUser()) == FREE


def test_usage_summary_for_free_and_pro(user):
    policy.admit(user, "waifu2x", width=10, height=10)
    summary = policy.usage_summary(user)
    assert summary["plan"] == "free"
    assert (summary["jobs_used"], summary["jobs_limit"], summary["jobs_left"]) == (1, 30, 29)
    assert summary["max_pixels"] == 4_000_000
    assert summary["retention_days"] == 30
    assert summary["models"] == ["realesrgan", "realsr", "waifu2x"]
    assert summary["renewal_date"] is None
    assert summary["usage_resets_on"] > timezone.localdate() and summary["usage_resets_on"].day == 1

    period_end = timezone.now() + timedelta(days=12)
    make_subscription(user, "active", period_end, cancel_at_period_end=True)
    summary = policy.usage_summary(user)
    assert (summary["plan"], summary["jobs_limit"], summary["jobs_left"]) == ("pro", 1000, 999)
    assert summary["retention_days"] is None
    assert summary["models"] == ["bopb", "realesrgan", "realsr", "waifu2x"]
    assert summary["renewal_date"] == timezone.localdate(period_end)
    assert summary["period_start"] == policy.month_start(timezone.now())
    assert summary["cancel_at_period_end"] is True


def test_next_month_start_wraps_the_year():
    assert policy.next_month_start(date(2026, 12, 1)) == date(2027, 1, 1)
    assert policy.next_month_start(date(2026, 2, 1)) == date(2026, 3, 1)
