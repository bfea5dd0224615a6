"""restoreapp.heap: a gunicorn worker freezes its heap once, after its warm-up requests."""

import gc

import pytest
from django.core.signals import request_finished
from django.db import close_old_connections

from restoreapp.heap import DISPATCH_UID, freeze_after


@pytest.fixture(autouse=True)
def requests_without_a_database():
    """These requests end without having touched the database (no db fixture here)."""
    request_finished.disconnect(close_old_connections)
    yield
    request_finished.connect(close_old_connections)


def test_the_heap_is_frozen_once_after_the_warm_up():
    gc.unfreeze()
    try:
        freeze_after(3)
        request_finished.send(sender=None)
        request_finished.send(sender=None)
        assert gc.get_freeze_count() == 0
        request_finished.send(sender=None)
        frozen = gc.get_freeze_count()
        assert frozen > 1000  # Django, the settings, this test's modules: everything alive
        assert not request_finished.disconnect(dispatch_uid=DISPATCH_UID)  # it let go of the signal
    finally:
        request_finished.disconnect(dispatch_uid=DISPATCH_UID)
        gc.unfreeze()


def test_gunicorn_workers_freeze_after_their_warm_up(monkeypatch):
    """deploy/gunicorn.conf.py's hook arms the freeze in each worker."""
    import runpy

    from django.conf import settings

    monkeypatch.setenv("GUNICORN_FREEZE_AFTER", "2")
    conf = runpy.run_path(str(settings.BASE_DIR / "deploy" / "gunicorn.conf.py"))
    gc.unfreeze()
    try:
        conf["post_worker_init"](worker=None)
        request_finished.send(sender=None)
        assert gc.get_freeze_count() == 0
        request_finished.send(sender=None)
        assert gc.get_freeze_count() > 0
    finally:
        request_finished.disconnect(dispatch_uid=DISPATCH_UID)
        gc.unfreeze()
