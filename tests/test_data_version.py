"""The data version (accounts/data_version.py) changes with every write to a row a person's pages
show, however it is written: the ORM, a queryset update or raw SQL (no signal), an insert, a
delete, a row moving from one person to another; and the service's version with what the
workers can run, not with their heartbeats. Runs on SQLite and on PostgreSQL (make test)."""

import random
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from accounts.data_version import SERVICE, TRIGGER, install_triggers, tracked, version_of
from albums.models import Album, Photo
from billing.models import BillingProfile, MonthlyUsage, StripeSubscription
from enhance.bench.seed import announce_worker, seed_user
from enhance.capabilities.models import WorkerCapability
from enhance.models import Job
from enhance.notifications.models import Notification


@pytest.fixture
def account(db):
    return seed_user(0, photos=3, jobs=4, albums=2, rng=random.Random(5))


@pytest.fixture
def person(account, django_user_model):
    return django_user_model.objects.get(email=account["email"])


def _mine(person) -> int:
    return version_of(person.pk)[0]


def test_every_table_a_person_sees_is_tracked():
    from django.contrib.auth import get_user_model

    models = [get_user_model(), Album, Photo, Job, Notification, BillingProfile, StripeSubscription, MonthlyUsage]
    assert {table for table, _ in tracked()} == {model._meta.db_table for model in models}


@pytest.mark.parametrize("table, column", tracked())
def test_raw_sql_on_every_tracked_table_changes_the_owners_version(person, table, column):
    if table == BillingProfile._meta.db_table:
        BillingProfile.objects.get_or_create(user=person)
    if table == MonthlyUsage._meta.db_table:
        MonthlyUsage.objects.create(user=person, month=timezone.now().date().replace(day=1))
    if table == StripeSubscription._meta.db_table:
        StripeSubscription.objects.create(user=person, stripe_id="sub_test")
    before = _mine(person)
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {quote(table)} SET {quote(column)} = {quote(column)} WHERE {quote(column)} = %s",
                       [person.pk])
        assert cursor.rowcount >= 1
    assert _mine(person) > before


def test_inserts_deletes_and_queryset_updates_change_it(person, account):
    steps = [
        lambda: Photo.objects.filter(owner=person).update(title="renamed without a signal"),
        lambda: Album.objects.create(owner=person, name="New"),
        lambda: Notification.objects.create(user=person, message="done"),
        lambda: Job.objects.filter(pk=account["jobs"][0]).update(progress=42),
        lambda: Photo.objects.filter(pk=account["photos"][0]).delete(),
        lambda: type(person).objects.filter(pk=person.pk).update(language="de"),
    ]
    for step in steps:
        before = _mine(person)
        step()
        assert _mine(person) > before


def test_a_row_moving_to_another_person_changes_both(person, django_user_model):
    other = django_user_model.objects.create_user(email="other@example.com", password="x")
    before = (_mine(person), _mine(other))
    Photo.objects.filter(owner=person).update(owner=other)
    assert _mine(person) > before[0] and _mine(other) > before[1]


def test_a_person_nothing_was_written_for_is_at_zero(db):
    assert version_of(10_000_000)[0] == 0


def test_the_services_version_follows_what_workers_can_run_not_their_heartbeats(db):
    def service():
        return version_of(0)[1]

    before = service()
    announce_worker()  # a new record
    assert service() > before

    steps_that_change = [
        lambda: WorkerCapability.objects.update(runnable={}),
        lambda: WorkerCapability.objects.update(stopped_at=timezone.now()),
        lambda: WorkerCapability.objects.update(heartbeat=timezone.now() - timedelta(hours=2)),  # silenced
        lambda: WorkerCapability.objects.all().delete(),
    ]
    announce_worker()
    for step in steps_that_change:
        before = service()
        step()
        assert service() > before

    announce_worker()
    before = service()
    WorkerCapability.objects.update(heartbeat=timezone.now() + timedelta(seconds=5))  # a heartbeat
    WorkerCapability.objects.update(stopped_at=None)  # what a heartbeat also writes
    assert service() == before
    assert SERVICE == 0


def test_installing_again_is_harmless(person):
    def bumps() -> int:
        before = _mine(person)
        Photo.objects.filter(owner=person).update(title="again")
        return _mine(person) - before

    once = bumps()
    install_triggers()  # every `migrate` does
    install_triggers()
    assert bumps() == once > 0  # replaced, not added beside the old ones


def test_migrate_puts_back_a_trigger_a_table_rebuild_dropped(person):
    """SQLite rebuilds a table for many schema changes and its triggers go with it."""
    quote = connection.ops.quote_name
    table = Photo._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for event in ("insert", "update", "delete"):
                cursor.execute(f"DROP TRIGGER {TRIGGER}_{table}_{event}")
        else:
            cursor.execute(f"DROP TRIGGER {TRIGGER} ON {quote(table)}")
    before = _mine(person)
    Photo.objects.filter(owner=person).update(title="not tracked")
    assert _mine(person) == before

    call_command("migrate", verbosity=0)
    Photo.objects.filter(owner=person).update(title="tracked again")
    assert _mine(person) > before
