"""Races that only a real database with row locks can show: run on PostgreSQL.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/restore_billing pytest tests/billing
"""

import threading
import time

import pytest
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from billing import policy, webhooks
from billing.models import MonthlyUsage, StripeEvent
from billing.plans import FREE
from tests.billing.conftest import load_event, post_event

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite serialises every write transaction, so these races cannot happen there; run on PostgreSQL",
    ),
]


def _run_together(count: int, work) -> list:
    """Start `count` threads at the same instant; each has its own connection, closed at the end."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def runner(index):
        try:
            barrier.wait()
            results[index] = work(index)
        except Exception as exc:  # reported to the test, never swallowed
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
def test_parallel_submissions_at_the_limit_cannot_overshoot(make_user):
    user = make_user()
    month = policy.month_start(timezone.now())
    MonthlyUsage.objects.create(user=user, month=month, jobs=FREE.jobs_per_month - 3)

    def submit(_index):
        with transaction.atomic():
            policy.admit(user, "waifu2x", width=100, height=100)
            time.sleep(0.05)  # hold the transaction open like a Job INSERT would
        return "admitted"

    results = _run_together(12, submit)
    admitted = [result for result in results if result == "admitted"]
    refused = [result for result in results if isinstance(result, policy.PolicyRefusal)]
    assert len(admitted) == 3, results
    assert len(refused) == 9, results
    assert MonthlyUsage.objects.get(user=user, month=month).jobs == FREE.jobs_per_month


@pytest.mark.django_db(transaction=True)
def test_first_jobs_of_the_month_in_parallel_are_all_counted(make_user):
    user = make_user()

    def submit(_index):
        with transaction.atomic():
            policy.admit(user, "realsr", width=100, height=100)
        return "admitted"

    results = _run_together(8, submit)
    assert results == ["admitted"] * 8
    assert policy.jobs_used(user) == 8


@pytest.mark.django_db(transaction=True)
def test_the_same_event_delivered_5_times_at_once_has_one_effect(make_user, webhook_secret, monkeypatch):
    user = make_user()
    event = load_event("customer.subscription.updated", user)
    real_handler = webhooks.HANDLERS[event["type"]]
    calls = []
    calls_lock = threading.Lock()

    def counting_handler(evt):
        with calls_lock:
            calls.append(evt["id"])
        time.sleep(0.1)  # widen the window in which duplicates arrive
        return real_handler(evt)

    monkeypatch.setitem(webhooks.HANDLERS, event["type"], counting_handler)
    responses = _run_together(5, lambda _index: post_event(Client(), event))
    assert [response.status_code for response in responses] == [200] * 5, responses
    outcomes = sorted(response.json()["outcome"] for response in responses)
    assert outcomes == ["applied", "duplicate", "duplicate", "duplicate", "duplicate"]
    assert calls == [event["id"]]
    assert StripeEvent.objects.filter(event_id=event["id"]).count() == 1
    assert policy.plan_for(user).code == "pro"


@pytest.mark.django_db(transaction=True)
def test_parallel_submits_through_the_job_service_create_exactly_the_jobs_left(make_user):
    from enhance import services
    from enhance.models import Job
    from tests.factories import make_photo

    user = make_user()
    photo = make_photo(user)
    MonthlyUsage.objects.create(user=user, month=policy.month_start(timezone.now()), jobs=FREE.jobs_per_month - 2)

    def submit(_index):
        try:
            return services.submit(user, photo, "waifu2x", {}).pk
        except services.SubmitRefused as refusal:
            return refusal.status

    results = _run_together(10, submit)
    assert sorted(result for result in results if result == 402) == [402] * 8, results
    assert Job.objects.filter(owner=user).count() == 2
    assert policy.jobs_used(user) == FREE.jobs_per_month
