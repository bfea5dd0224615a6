"""Defects a new user met in the browser (issue 16's list): each one stays fixed."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from enhance.models import Job
from enhance.notifications.models import Notification
from tests import factories


def _title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip()


@pytest.mark.parametrize("url_name", ["enhance:my_jobs", "enhance:notifications"])
def test_jobs_and_notifications_pages_have_titles(owner_client, url_name):
    title = _title(owner_client.get(reverse(url_name)).content.decode())
    assert not title.startswith("·") and title.endswith("· Restore")


def test_notification_times_read_as_time_ago(owner_client, owner):
    Notification.objects.create(user=owner, message="fresh", url="/")
    old = Notification.objects.create(user=owner, message="older", url="/")
    Notification.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(minutes=3))
    html = owner_client.get(reverse("enhance:notifications")).content.decode()
    assert "3\xa0minutes ago" in html and "now" in html
    owner.language = "ko"
    owner.save()
    html = owner_client.get(reverse("enhance:notifications")).content.decode()
    assert "3 분 전" in html.replace("\xa0", " ")


def test_a_photo_without_a_title_still_has_an_accessible_name(owner_client, owner, album):
    photo = factories.make_photo(owner, album, title="x")
    photo.title = ""
    photo.save()
    html = owner_client.get(reverse("album_detail", args=[album.pk])).content.decode()
    tile = re.search(r'<a class="photo-tile"[^>]*title="([^"]*)"[^>]*>\s*<img[^>]*alt="([^"]*)"', html)
    assert tile and tile.group(1) and tile.group(1) == tile.group(2)
    assert tile.group(1).startswith("Photo uploaded")


def test_a_long_album_name_is_truncated_with_its_full_name_as_a_tooltip(owner_client, owner):
    name = "The summer we drove all the way to the coast and back again " * 2
    factories.make_album(owner, name[:120])
    html = owner_client.get(reverse("home")).content.decode()
    assert f'class="text-truncate me-2" title="{name[:120]}"' in html
    assert "flex-shrink-0" in html  # the count badge keeps its width


def test_pricing_is_in_the_navigation_when_logged_in(owner_client):
    html = owner_client.get(reverse("home")).content.decode()
    assert f'href="{reverse("billing:pricing")}"' in html and f'href="{reverse("billing:account")}"' in html


@pytest.fixture
def admin_client(db):
    admin = get_user_model().objects.create_superuser(email="ops@example.com", password="x-Very-Long-9")
    client = Client()
    client.force_login(admin)
    return client


def test_the_admin_shows_compute_seconds_rounded(admin_client, owner, photo):
    Job.objects.create(owner=owner, photo=photo, model="realsr", compute_seconds=105.93434220099994)
    html = admin_client.get(reverse("admin:enhance_job_changelist")).content.decode()
    assert "105.9 s" in html and "105.934" not in html


def test_retrying_a_succeeded_job_says_why_nothing_happened(admin_client, owner, photo):
    job = Job.objects.create(owner=owner, photo=photo, model="realsr", status="succeeded")
    response = admin_client.post(
        reverse("admin:enhance_job_changelist"),
        {"action": "retry_jobs", "_selected_action": [job.pk]},
        follow=True,
    )
    text = response.content.decode()
    assert "only failed or canceled jobs can be retried" in text
    assert "0 jobs re-queued" not in text


def test_the_admin_index_has_one_accounts_section(admin_client):
    html = admin_client.get(reverse("admin:index")).content.decode()
    captions = re.findall(r'<caption>\s*<a[^>]*>([^<]+)</a>', html)
    assert len(captions) == len(set(captions)), captions


def test_production_without_site_url_is_flagged_by_a_system_check(settings, capsys):
    from accounts.checks import site_url_is_set

    settings.DEBUG, settings.SITE_URL_CONFIGURED = False, False
    assert [w.id for w in site_url_is_set(None)] == ["restore.W001"]
    settings.SITE_URL_CONFIGURED = True
    assert site_url_is_set(None) == []
    settings.DEBUG, settings.SITE_URL_CONFIGURED = True, False
    assert site_url_is_set(None) == []


def test_the_password_reset_mail_names_the_site_not_the_host(client, owner, settings):
    settings.SITE_NAME, settings.SITE_URL = "Restore", "https://restore.example"
    with translation.override("en"):
        client.post(reverse("account_reset_password"), {"email": owner.email})
    assert mail.outbox, "no reset mail was sent"
    body = mail.outbox[-1].body
    assert "Hello from Restore!" in body
    assert "testserver" not in body.split("\n", 1)[0]


def test_make_run_sets_site_url_from_host_and_port():
    from pathlib import Path

    script = Path("scripts/run.sh").read_text()
    assert "SITE_URL=${SITE_URL:-http://$HOST:$PORT}" in script


def test_deploy_checks_run_clean_apart_from_site_url(settings):
    call_command("check")  # the registered checks import and run
