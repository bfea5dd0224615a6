"""restoreapp.heap: a gunicorn worker freezes its heap once, after its warm-up requests."""

import gc
import runpy

import pytest
from django.conf import settings
from django.core.signals import request_finished
from django.db import close_old_connections

from restoreapp.heap import DISPATCH_UID, freeze_after


@pytest.fixture(autouse=True)
def unfrozen_requests_without_a_database():
    """Each test starts unfrozen; its requests end without having touched the database (no db
    fixture here), and whatever it armed or froze is undone after it."""
    request_finished.disconnect(close_old_connections)
    gc.unfreeze()
    yield
    request_finished.disconnect(dispatch_uid=DISPATCH_UID)
    gc.unfreeze()
    request_finished.connect(close_old_connections)


def test_the_heap_is_frozen_once_after_the_warm_up():
    freeze_after(3)
    request_finished.send(sender=None)
    request_finished.send(sender=None)
    assert gc.get_freeze_count() == 0
    request_finished.send(sender=None)
    frozen = gc.get_freeze_count()
    assert frozen > 1000  # Django, the settings, this test's modules: everything alive
    assert not request_finished.disconnect(dispatch_uid=DISPATCH_UID)  # it let go of the signal


def test_gunicorn_workers_freeze_after_their_warm_up(monkeypatch):
    """deploy/gunicorn.conf.py's hook arms the freeze in each worker."""
    monkeypatch.setenv("GUNICORN_FREEZE_AFTER", "2")
    conf = runpy.run_path(str(settings.BASE_DIR / "deploy" / "gunicorn.conf.py"))
    conf["post_worker_init"](worker=None)
    request_finished.send(sender=None)
    assert gc.get_freeze_count() == 0
    request_finished.send(sender=None)
    assert gc.get_freeze_count() > 0
